"""Anthropic ``stop_reason`` values mapped to rillet's unified finish reasons."""

from __future__ import annotations

from rillet.provider import FinishReason

__all__ = ["FINISH_REASONS", "finish_reason"]

#: Every documented Anthropic ``stop_reason`` and its unified meaning.
FINISH_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "refusal",
    "pause_turn": "other",
}


def finish_reason(raw: str | None) -> FinishReason:
    """The unified finish reason for Anthropic's ``stop_reason`` (``"other"`` when unknown)."""
    if raw is None:
        return "other"
    return FINISH_REASONS.get(raw, "other")
