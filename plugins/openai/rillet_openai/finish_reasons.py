"""Map Chat Completions ``finish_reason`` values to rillet's unified finish reasons."""

from __future__ import annotations

from typing import Any

from rillet.provider import FinishReason

__all__ = ["unified_finish_reason"]

_UNIFIED: dict[str, FinishReason] = {
    "stop": "stop",
    "eos": "stop",  # some OpenAI-compatible servers (TGI, older vLLM builds)
    "end_turn": "stop",
    "length": "length",
    "max_tokens": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",  # the deprecated functions API
    "content_filter": "content_filter",
    "refusal": "refusal",
}


def unified_finish_reason(raw: Any, *, has_tool_calls: bool = False, refused: bool = False) -> FinishReason:
    """The unified finish reason for the provider's ``raw`` one.

    ``refused`` (the choice streamed ``refusal`` text) turns ``stop`` into ``refusal``;
    ``has_tool_calls`` turns ``stop`` into ``tool_calls``, because several compatible
    servers (Ollama, some vLLM builds) answer ``stop`` after a tool call. Unknown or
    missing reasons are ``other``; the raw value is always kept next to the unified one.
    """
    unified: FinishReason = _UNIFIED.get(raw, "other") if isinstance(raw, str) else "other"
    if unified == "stop":
        if refused:
            return "refusal"
        if has_tool_calls:
            return "tool_calls"
    return unified
