"""Gemini ``finishReason`` values mapped to rillet's unified finish reasons.

https://ai.google.dev/api/generate-content#FinishReason
"""

from __future__ import annotations

from rillet.provider import FinishReason

__all__ = ["FINISH_REASONS", "finish_reason"]

#: Every documented Gemini ``finishReason`` whose meaning is not ``other``.
FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
    # LANGUAGE, OTHER, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS,
    # IMAGE_OTHER, NO_IMAGE, FINISH_REASON_UNSPECIFIED and later additions: "other".
}


def finish_reason(raw: str | None, *, called_tools: bool = False) -> FinishReason:
    """The unified finish reason for Gemini's ``finishReason``.

    Gemini says ``STOP`` after function calls too: with ``called_tools`` it becomes
    ``tool_calls``. Unknown values are ``other``.
    """
    if raw is None:
        return "other"
    unified = FINISH_REASONS.get(raw, "other")
    if unified == "stop" and called_tools:
        return "tool_calls"
    return unified
