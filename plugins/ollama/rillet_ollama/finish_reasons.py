"""Ollama's ``done_reason`` mapped to rillet's unified finish reasons."""

from __future__ import annotations

from rillet.provider import FinishReason

__all__ = ["map_done_reason"]

_UNIFIED: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "load": "other",  # a request with no messages only loaded the model
    "unload": "other",  # keep_alive: 0 with no messages unloaded it
}


def map_done_reason(done_reason: str | None, *, made_tool_calls: bool) -> FinishReason:
    """The unified finish reason for Ollama's ``done_reason``.

    Ollama says ``stop`` also when the model answered with tool calls, so ``stop`` becomes
    ``tool_calls`` when calls were made. A missing ``done_reason`` (older servers did
    not send one) is a normal stop; an unknown one is ``other``.
    """
    if done_reason is None or done_reason == "":
        unified: FinishReason = "stop"
    else:
        unified = _UNIFIED.get(done_reason, "other")
    if unified == "stop" and made_tool_calls:
        return "tool_calls"
    return unified
