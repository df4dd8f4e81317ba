"""Turning a finished stream into its :class:`StreamRecord`: outcome, timing, tokens per
second, usage (or an estimate marked as such), all text redacted of credentials."""

from __future__ import annotations

import json
import uuid
from typing import Any

from .._messages import Message
from ._observer import FinishedStream
from ._outcome import stream_outcome
from ._record import StreamRecord
from ._redact import Redactor, credentials_of

__all__ = ["build_record", "estimate_tokens", "new_id"]

#: Characters per token for estimates (the usual rule of thumb for English text).
CHARACTERS_PER_TOKEN = 4


def new_id() -> str:
    """A new stream or conversation id (32 hex digits)."""
    return uuid.uuid4().hex


def estimate_tokens(text: str) -> int:
    """A rough token count for ``text``: about one token per four characters."""
    return (len(text) + CHARACTERS_PER_TOKEN - 1) // CHARACTERS_PER_TOKEN


def _usage_of(finished: FinishedStream) -> Any:
    terminal = finished.terminal
    if terminal is not None and terminal.type == "end" and terminal.usage is not None:
        return terminal.usage
    return finished.usage


def _timing(finished: FinishedStream) -> tuple[float | None, float]:
    terminal = finished.terminal
    timing = getattr(terminal, "timing", None) if terminal is not None and terminal.type == "end" else None
    measured_first = None if finished.first_event_clock is None else finished.first_event_clock - finished.started_clock
    first = timing.time_to_first_token if timing is not None and timing.time_to_first_token is not None else measured_first
    duration = timing.duration if timing is not None and timing.duration is not None else finished.ended_clock - finished.started_clock
    return first, duration


def _tokens_per_second(output_tokens: int | None, first: float | None, duration: float) -> float | None:
    if not output_tokens:
        return None
    generating = duration - first if first is not None and duration > first else duration
    return output_tokens / generating if generating > 0 else None


def _message_of(finished: FinishedStream) -> Message:
    message = finished.message
    if isinstance(message, Message):
        return message
    partial = getattr(finished.terminal, "partial", None)
    return partial if isinstance(partial, Message) else Message("assistant", [])


def _prompt_of(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            return message.text
    return ""


def build_record(finished: FinishedStream, stream: Any) -> StreamRecord:
    """The row for ``finished``; ``stream`` is consulted only for the credentials to hide."""
    redactor = Redactor(credentials_of(stream, finished.model))
    request = finished.request
    context = dict(getattr(request, "context", None) or {})
    message = _message_of(finished)
    outcome, error_code = stream_outcome(finished.terminal, finished.raised)
    usage = _usage_of(finished)
    input_tokens = getattr(usage, "input_tokens", None)
    output_tokens = getattr(usage, "output_tokens", None)
    estimated = bool(getattr(usage, "estimated", False))
    if output_tokens is None:
        estimated = True
        output_tokens = estimate_tokens(message.text + message.reasoning + "".join(call.raw_arguments for call in message.tool_calls))
    if input_tokens is None:
        estimated = True
        input_tokens = estimate_tokens("".join(item.text for item in request.messages))
    first, duration = _timing(finished)
    error_message = None
    terminal = finished.terminal
    if terminal is not None and terminal.type == "error":
        error_message = terminal.message
    elif outcome == "error" and finished.raised is not None:
        error_message = f"{type(finished.raised).__name__}: {finished.raised}"
    start = finished.start
    request_data = request.model_dump(mode="json", exclude={"context"}, exclude_none=True)
    request_data.setdefault("messages", [])
    return StreamRecord(
        id=new_id(),
        started_at=finished.started_at,
        conversation_id=str(context.get("conversation_id") or new_id()),
        response_id=context.get("response_id") or getattr(start, "response_id", None),
        provider=finished.model.provider,
        model=finished.model.name,
        response_model=getattr(start, "model", None) or None,
        prompt=redactor.text(_prompt_of(request.messages)),
        request_json=json.dumps(redactor.value(request_data), ensure_ascii=False),
        response_text=redactor.text(message.text),
        reasoning_text=redactor.text(message.reasoning),
        tool_calls_json=json.dumps(redactor.value([call.model_dump(mode="json") for call in message.tool_calls]), ensure_ascii=False),
        response_json=json.dumps(redactor.value(message.model_dump(mode="json")), ensure_ascii=False),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        reasoning_tokens=getattr(usage, "reasoning_tokens", None),
        cache_read_tokens=getattr(usage, "cache_read_tokens", None),
        cache_write_tokens=getattr(usage, "cache_write_tokens", None),
        usage_estimated=estimated,
        finish_reason=getattr(terminal, "finish_reason", None),
        raw_finish_reason=getattr(terminal, "raw_finish_reason", None),
        time_to_first_token=first,
        duration=duration,
        tokens_per_second=_tokens_per_second(output_tokens, first, duration),
        outcome=outcome,
        error_code=error_code,
        error_message=None if error_message is None else redactor.text(error_message),
    )
