"""Stream events: a discriminated union on ``type``.

Every stream is exactly one ``start``, then any number of deltas (``token``,
``reasoning``, ``tool_call_start``, ``tool_call_delta``, ``tool_call``, ``usage``, and
``content`` in aggregation mode), then exactly one terminal event: ``end`` or ``error``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ._errors import RilletError, StreamTimeoutError, error_class_for_code
from ._messages import Message

__all__ = [
    "ContentEvent",
    "EndEvent",
    "ErrorEvent",
    "Event",
    "FinishReason",
    "ReasoningEvent",
    "StartEvent",
    "Timing",
    "TokenEvent",
    "ToolCallDeltaEvent",
    "ToolCallEvent",
    "ToolCallStartEvent",
    "Usage",
    "UsageEvent",
    "event_from_json",
]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "refusal", "other"]

_frozen = ConfigDict(frozen=True)


class Usage(BaseModel):
    """Token counts, with one meaning across providers.

    ``input_tokens`` counts the whole prompt, cached parts included
    (``cache_read_tokens`` and ``cache_write_tokens`` are subsets of it);
    ``output_tokens`` counts everything generated, reasoning included
    (``reasoning_tokens`` is a subset of it). Plugins convert providers that count
    otherwise (Anthropic's input excludes the cache, Gemini's output excludes thinking).
    ``None`` means the provider did not say; ``estimated`` marks counts rillet computed.
    """

    model_config = _frozen
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    estimated: bool = False


class Timing(BaseModel):
    """Seconds from sending the request to the first event after ``start``, and in all."""

    model_config = _frozen
    time_to_first_token: float | None = None
    duration: float | None = None


class StartEvent(BaseModel):
    """The stream has begun. ``response_id`` is the provider's id, when it sends one."""

    model_config = _frozen
    type: Literal["start"] = "start"
    provider: str = ""
    model: str = ""
    response_id: str | None = None
    warnings: list[str] = Field(default_factory=list)


class TokenEvent(BaseModel):
    """A piece of answer text for the text block ``index``."""

    model_config = _frozen
    type: Literal["token"] = "token"
    text: str
    index: int = 0


class ReasoningEvent(BaseModel):
    """A piece of reasoning text, or reasoning metadata (a ``signature``, redacted ``data``)
    that must be kept to send the reasoning back on the next turn."""

    model_config = _frozen
    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    index: int = 0
    signature: str | None = None
    redacted: bool = False
    data: str | None = None
    provider_metadata: dict[str, Any] | None = None


class ToolCallStartEvent(BaseModel):
    """The model began the tool call ``index``."""

    model_config = _frozen
    type: Literal["tool_call_start"] = "tool_call_start"
    index: int
    call_id: str
    name: str


class ToolCallDeltaEvent(BaseModel):
    """A piece of the JSON text of the arguments of tool call ``index``."""

    model_config = _frozen
    type: Literal["tool_call_delta"] = "tool_call_delta"
    index: int
    arguments_delta: str


class ToolCallEvent(BaseModel):
    """A finished tool call: ``arguments`` parsed once from ``raw_arguments``.

    Emitted at the end of the call's block (or of the stream), never earlier.
    """

    model_config = _frozen
    type: Literal["tool_call"] = "tool_call"
    index: int
    call_id: str
    name: str
    arguments: Any = None
    raw_arguments: str = ""
    provider_metadata: dict[str, Any] | None = None


class UsageEvent(BaseModel):
    """Token usage so far, as the provider reports it (the newest replaces the older)."""

    model_config = _frozen
    type: Literal["usage"] = "usage"
    usage: Usage


class ContentEvent(BaseModel):
    """Aggregation mode only: the message as aggregated so far."""

    model_config = _frozen
    type: Literal["content"] = "content"
    message: Message


class EndEvent(BaseModel):
    """The stream finished normally.

    ``finish_reason`` is unified across providers; ``raw_finish_reason`` is the provider's.
    ``message`` is set in aggregation mode. ``provider_metadata`` carries what a provider
    reports at the end that has no unified field (Ollama's durations, say).
    """

    model_config = _frozen
    type: Literal["end"] = "end"
    finish_reason: FinishReason = "stop"
    raw_finish_reason: str | None = None
    usage: Usage | None = None
    timing: Timing | None = None
    message: Message | None = None
    provider_metadata: dict[str, Any] | None = None


class ErrorEvent(BaseModel):
    """The stream failed. ``partial`` holds the message received before the failure;
    ``phase`` says which limit a ``timeout`` hit (``connect``, ``first_token``, ``gap``
    or ``total``)."""

    model_config = _frozen
    type: Literal["error"] = "error"
    code: str
    message: str
    retryable: bool = False
    status_code: int | None = None
    retry_after: float | None = None
    partial: Message | None = None
    raw: Any = None
    phase: str | None = None

    @classmethod
    def from_exception(cls, error: RilletError) -> ErrorEvent:
        """The event that reports ``error``."""
        return cls(
            code=error.code,
            message=error.message,
            retryable=error.retryable,
            status_code=error.status_code,
            retry_after=error.retry_after,
            partial=error.partial,
            raw=error.raw,
            phase=getattr(error, "phase", None),
        )

    def to_exception(self) -> RilletError:
        """The typed exception this event reports (``RateLimitError`` for ``rate_limit`` …)."""
        error_class = error_class_for_code(self.code)
        extra = {"phase": self.phase} if self.phase is not None and issubclass(error_class, StreamTimeoutError) else {}
        return error_class(
            self.message,
            retryable=self.retryable,
            status_code=self.status_code,
            retry_after=self.retry_after,
            partial=self.partial,
            raw=self.raw,
            **extra,
        )


Event = Annotated[
    Union[
        StartEvent,
        TokenEvent,
        ReasoningEvent,
        ToolCallStartEvent,
        ToolCallDeltaEvent,
        ToolCallEvent,
        UsageEvent,
        ContentEvent,
        EndEvent,
        ErrorEvent,
    ],
    Field(discriminator="type"),
]

_event_adapter: TypeAdapter[Event] = TypeAdapter(Event)


def event_from_json(data: str | bytes | dict[str, Any]) -> Event:
    """Parse one event from its JSON form (as written by ``event.model_dump_json()``)."""
    if isinstance(data, dict):
        return _event_adapter.validate_python(data)
    return _event_adapter.validate_json(data)
