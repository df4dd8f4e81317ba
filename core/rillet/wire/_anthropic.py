"""Anthropic Messages: rillet events as the Messages SSE stream, a ``ChatResult`` as a
``message``, an error as Anthropic's ``{"type": "error", …}`` body.

The stream is ``message_start``, then content blocks one at a time —
``content_block_start`` / ``content_block_delta`` / ``content_block_stop`` for ``text``
(``text_delta``), ``thinking`` (``thinking_delta``, ``signature_delta``), ``tool_use``
(``input_json_delta``) and ``redacted_thinking`` — then ``message_delta`` with the stop
reason and the usage, and ``message_stop``. An ``error`` event becomes ``event: error``
and nothing after it. Events of other blocks that come while a tool call's block is
unfinished are held and written, in order, when it closes (the rule is in ``_blocks``).
"""

from __future__ import annotations

from typing import Any

from .._aggregate import ChatResult
from .._events import Usage
from .._messages import ReasoningPart, TextPart, ToolCallPart
from ._blocks import BlockEncoder
from ._common import error_status, new_id, sse_json

__all__ = ["AnthropicMessagesEncoder", "anthropic_error_body", "anthropic_message", "anthropic_stop_reason"]

#: Anthropic ``stop_reason`` → unified finish reason (the provider's documented values).
_UNIFIED = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "refusal",
    "pause_turn": "other",
}

#: Unified finish reason → ``stop_reason`` when the provider's own is not an Anthropic one.
#: Anthropic has no ``content_filter``: a blocked answer is a ``refusal``; an unknown
#: reason ends the turn.
_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "refusal": "refusal",
    "content_filter": "refusal",
    "other": "end_turn",
}

#: rillet error code → Anthropic ``error.type``.
_ERROR_TYPES = {
    "bad_request": "invalid_request_error",
    "content_filter": "invalid_request_error",
    "authentication": "authentication_error",
    "missing_key": "authentication_error",
    "permission": "permission_error",
    "not_found": "not_found_error",
    "unknown_model": "not_found_error",
    "unknown_provider": "not_found_error",
    "rate_limit": "rate_limit_error",
    "quota": "billing_error",
    "overloaded": "overloaded_error",
    "timeout": "timeout_error",
}


def anthropic_stop_reason(finish_reason: str | None, raw_finish_reason: str | None = None) -> str:
    """The ``stop_reason`` for a unified finish reason; the provider's raw one when it is an
    Anthropic value with the same meaning (``stop_sequence``, ``pause_turn`` …)."""
    unified = finish_reason or "stop"
    if raw_finish_reason is not None and _UNIFIED.get(raw_finish_reason) == unified:
        return raw_finish_reason
    return _STOP_REASONS.get(unified, "end_turn")


def anthropic_usage(usage: Usage | None) -> dict[str, Any]:
    """An Anthropic ``usage`` object: its ``input_tokens`` exclude the cached tokens."""
    usage = usage or Usage()
    cache_read, cache_write = usage.cache_read_tokens, usage.cache_write_tokens
    wire: dict[str, Any] = {
        "input_tokens": max((usage.input_tokens or 0) - (cache_read or 0) - (cache_write or 0), 0),
        "output_tokens": usage.output_tokens or 0,
    }
    if cache_read is not None:
        wire["cache_read_input_tokens"] = cache_read
    if cache_write is not None:
        wire["cache_creation_input_tokens"] = cache_write
    return wire


def _error_object(error: Any) -> dict[str, Any]:
    return {"type": "error", "error": {"type": _ERROR_TYPES.get(str(error.code), "api_error"), "message": error.message}}


def anthropic_error_body(error: Any) -> tuple[int, dict[str, Any]]:
    """``(status, body)`` of the Anthropic error response for ``error`` (a ``RilletError``
    or an ``error`` event), for failures before the first byte; overloaded is ``529``."""
    status = 529 if error.code == "overloaded" else error_status(error)
    return status, _error_object(error)


class AnthropicMessagesEncoder(BlockEncoder):
    """Writes one stream of rillet events as the Anthropic Messages SSE stream (sans-IO).

    Args:
        model: the model name ``message_start`` reports (default: the ``start`` event's).
        message_id: the message ``id`` (default: the provider's response id, else a new one).
    """

    def __init__(self, *, model: str | None = None, message_id: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.message_id = message_id
        self._index = -1  # the Anthropic index of the newest content block

    def _begin(self, start: Any) -> bytes:
        if self.model is None:
            self.model = start.model if start is not None else ""
        if self.message_id is None:
            self.message_id = (start.response_id if start is not None else None) or new_id("msg_")
        message: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": anthropic_usage(self.usage),
        }
        return sse_json({"type": "message_start", "message": message}, "message_start")

    def _open(self, kind: str, call_id: str, name: str) -> bytes:
        if kind in ("text", "refusal"):  # Anthropic's refusal is a stop reason, its text plain text
            block: dict[str, Any] = {"type": "text", "text": ""}
        elif kind == "reasoning":
            block = {"type": "thinking", "thinking": "", "signature": ""}
        else:
            block = {"type": "tool_use", "id": call_id or f"toolu_{self._index + 1}_{self.message_id}", "name": name, "input": {}}
        return self._block_frame("content_block_start", {"content_block": block}, new=True)

    def _block_frame(self, kind: str, fields: dict[str, Any], new: bool = False) -> bytes:
        if new:
            self._index += 1
        return sse_json({"type": kind, "index": self._index, **fields}, kind)

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return self._block_frame("content_block_delta", {"delta": delta})

    def _close(self) -> bytes:
        return self._block_frame("content_block_stop", {})

    def _text(self, text: str) -> bytes:
        return self._delta({"type": "text_delta", "text": text})

    def _reasoning_text(self, text: str) -> bytes:
        return self._delta({"type": "thinking_delta", "thinking": text})

    def _signature(self, signature: str) -> bytes:
        return self._delta({"type": "signature_delta", "signature": signature})

    def _arguments(self, arguments: str) -> bytes:
        return self._delta({"type": "input_json_delta", "partial_json": arguments})

    def _reasoning_data(self, event: Any) -> bytes:
        """Redacted reasoning is a ``redacted_thinking`` block of its own; another provider's
        opaque reasoning state has no place in this format."""
        if not event.redacted:
            return b""
        frames = self._leave()
        frames += self._block_frame(
            "content_block_start", {"content_block": {"type": "redacted_thinking", "data": event.data}}, new=True
        )
        return frames + self._block_frame("content_block_stop", {})

    def _finish(self, end: Any) -> bytes:
        usage = anthropic_usage(self.usage)
        delta = {"stop_reason": anthropic_stop_reason(end.finish_reason, end.raw_finish_reason), "stop_sequence": None}
        frames = sse_json({"type": "message_delta", "delta": delta, "usage": usage}, "message_delta")
        return frames + sse_json({"type": "message_stop"}, "message_stop")

    def _fail(self, error: Any) -> bytes:
        return sse_json(_error_object(error), "error")


def anthropic_message(result: ChatResult, *, model: str, message_id: str | None = None) -> dict[str, Any]:
    """The Anthropic ``message`` object (``stream: false``) for a finished ``result``.

    A failed result is answered with :func:`anthropic_error_body` instead.
    """
    content: list[dict[str, Any]] = []
    for part in result.message.content:
        if isinstance(part, TextPart) and part.text:
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, ReasoningPart):
            if part.redacted and part.data:
                content.append({"type": "redacted_thinking", "data": part.data})
            elif part.text or part.signature:
                content.append({"type": "thinking", "thinking": part.text, "signature": part.signature or ""})
        elif isinstance(part, ToolCallPart):
            arguments = part.arguments if isinstance(part.arguments, dict) else {}
            content.append({"type": "tool_use", "id": part.call_id, "name": part.name, "input": arguments})
    return {
        "id": message_id or result.response_id or new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": anthropic_stop_reason(result.finish_reason, result.raw_finish_reason),
        "stop_sequence": None,
        "usage": anthropic_usage(result.usage),
    }
