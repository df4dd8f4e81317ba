"""Stream events: a discriminated union on ``type``.

Every stream is exactly one ``start``, then any number of deltas (``token``,
``reasoning``, ``tool_call_start``, ``tool_call_delta``, ``tool_call``, ``server_tool``, ``usage``, and
``content`` in aggregation mode), then exactly one terminal event: ``end`` or ``error``.
"""

from __future__ import annotations

import functools

import json
from typing import Annotated, Any, Callable, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_serializer

from ._errors import ErrorCode, RilletError, StreamTimeoutError, error_class_for_code
from ._messages import Message

__all__ = [
    "ContentEvent",
    "EndEvent",
    "ErrorEvent",
    "Event",
    "FinishReason",
    "ReasoningEvent",
    "ServerToolEvent",
    "StartEvent",
    "Timing",
    "TokenEvent",
    "ToolCallDeltaEvent",
    "ToolCallEvent",
    "ToolCallStartEvent",
    "Usage",
    "UsageEvent",
    "event_from_json",
    "read_tool_arguments",
]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "refusal", "other"]

_frozen = ConfigDict(frozen=True, defer_build=True)


def _is_first_choice(choice: int) -> bool:
    """``choice`` 0 (the only one, unless ``n > 1`` was asked for) is left out of the JSON form."""
    return choice == 0


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
    """A piece of answer text for the text block ``index``.

    ``choice`` is the alternative answer it belongs to when a request asked for several
    (``n > 1``); 0, the message itself, is left out of the JSON form. ``provider_metadata``
    carries what a provider attaches to the text (Anthropic ``citations``, say), and comes
    on an event whose ``text`` may be empty.
    """

    model_config = _frozen
    type: Literal["token"] = "token"
    text: str
    index: int = 0
    choice: int = Field(default=0, exclude_if=_is_first_choice)
    provider_metadata: dict[str, Any] | None = Field(default=None, exclude_if=lambda value: value is None)


class ReasoningEvent(BaseModel):
    """A piece of reasoning text, or reasoning metadata (a ``signature``, redacted ``data``)
    that must be kept to send the reasoning back on the next turn. ``choice``: as on
    :class:`TokenEvent`."""

    model_config = _frozen
    type: Literal["reasoning"] = "reasoning"
    text: str = ""
    index: int = 0
    choice: int = Field(default=0, exclude_if=_is_first_choice)
    signature: str | None = None
    redacted: bool = False
    data: str | None = None
    provider_metadata: dict[str, Any] | None = None


class ToolCallStartEvent(BaseModel):
    """The model began the tool call ``index`` (unique in the stream, across choices)."""

    model_config = _frozen
    type: Literal["tool_call_start"] = "tool_call_start"
    index: int
    choice: int = Field(default=0, exclude_if=_is_first_choice)
    call_id: str
    name: str


class ToolCallDeltaEvent(BaseModel):
    """A piece of the JSON text of the arguments of tool call ``index``."""

    model_config = _frozen
    type: Literal["tool_call_delta"] = "tool_call_delta"
    index: int
    choice: int = Field(default=0, exclude_if=_is_first_choice)
    arguments_delta: str


def read_tool_arguments(raw: str) -> tuple[Any, str | None]:
    """A finished call's arguments from their JSON text, and why they could not be read.

    ``""`` (or only whitespace) means no arguments: ``({}, None)``. Text that is not JSON
    gives ``(None, reason)``: the one rule every decoder follows is to keep the raw text,
    mark the failure and still report the call (see :meth:`ToolCallEvent.finished`).
    """
    if not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except ValueError as exc:
        reason = getattr(exc, "msg", str(exc))
        position = getattr(exc, "pos", None)
        where = f" at character {position}" if position is not None else ""
        return None, f"the arguments are not valid JSON ({reason}{where}); the text is kept in raw_arguments"


class ToolCallEvent(BaseModel):
    """A finished tool call: ``arguments`` parsed once from ``raw_arguments``.

    Emitted at the end of the call's block (or of the stream), never earlier. When the
    raw text is not JSON (a model cut off by the token limit, or one that wrote bad JSON)
    the call is still reported: ``arguments`` is ``None``, ``raw_arguments`` keeps the text
    and ``arguments_error`` says what is wrong with it. ``choice`` is the alternative it
    belongs to when a request asked for several (``n > 1``); 0, the default, is left out of
    the JSON form.
    """

    model_config = _frozen
    type: Literal["tool_call"] = "tool_call"
    index: int
    choice: int = Field(default=0, exclude_if=_is_first_choice)
    call_id: str
    name: str
    arguments: Any = None
    raw_arguments: str = ""
    arguments_error: str | None = None
    provider_metadata: dict[str, Any] | None = None

    @classmethod
    def finished(
        cls,
        *,
        index: int,
        call_id: str,
        name: str,
        raw_arguments: str,
        choice: int = 0,
        provider_metadata: dict[str, Any] | None = None,
    ) -> ToolCallEvent:
        """The finished call whose argument text is ``raw_arguments``, parsed by the one
        rule (:func:`read_tool_arguments`): never raises, never drops the call."""
        arguments, error = read_tool_arguments(raw_arguments)
        return cls(
            index=index,
            choice=choice,
            call_id=call_id,
            name=name,
            arguments=arguments,
            raw_arguments=raw_arguments,
            arguments_error=error,
            provider_metadata=provider_metadata,
        )


class ServerToolEvent(BaseModel):
    """A tool the provider ran itself (Anthropic's web search, code execution …), whole.

    Neither reasoning nor a client tool call: there is nothing for the caller to run. A
    ``call`` carries the tool ``name`` and its ``arguments``; a ``result`` carries the
    ``call_id`` of its call, ``name`` (the provider's result type, e.g.
    ``web_search_tool_result``) and ``content`` as the provider sent it.
    ``provider_metadata`` holds the provider's block verbatim, so the request builder can
    send it back on the next turn. ``index`` is the block's place in the message.
    """

    model_config = _frozen
    type: Literal["server_tool"] = "server_tool"
    index: int
    kind: Literal["call", "result"]
    call_id: str = ""
    name: str = ""
    arguments: Any = None
    content: Any = None
    provider_metadata: dict[str, Any] | None = None


class UsageEvent(BaseModel):
    """Token usage so far, as the provider reports it (the newest replaces the older)."""

    model_config = _frozen
    type: Literal["usage"] = "usage"
    usage: Usage


class ContentEvent(BaseModel):
    """Aggregation mode only: the message as aggregated so far.

    ``stream_with_aggregation`` emits one after every delta, made with :meth:`lazy`: its
    ``message`` is built the first time it is read (or serialised), then kept, so a
    snapshot nobody reads costs next to nothing however long the answer grows.
    """

    model_config = _frozen
    type: Literal["content"] = "content"
    message: Message

    @classmethod
    def lazy(cls, build: Callable[[], Message]) -> ContentEvent:
        """A content event whose ``message`` is ``build()``, called on first read.

        ``build`` must return the message as it was when the event was made (a
        :meth:`StreamAggregator.snapshot <rillet.StreamAggregator.snapshot>` does).
        """
        # What pydantic's model_construct sets, minus the message, at a fraction of its
        # cost; ``build`` waits in __dict__, where pydantic reads only the declared fields.
        event = _new(cls)
        fields = event.__dict__
        fields["type"] = "content"
        fields[_BUILD] = build
        _set_fields_set(event, _MESSAGE_SET)  # shared: pydantic copies it before changing it
        _set_extra(event, None)
        _set_private(event, None)
        return event

    def _build_once(self) -> None:
        """Build a lazy message (once), and let the builder go."""
        fields = self.__dict__
        build = fields.pop(_BUILD, None)
        if build is not None and "message" not in fields:
            fields["message"] = build()

    def __getattr__(self, name: str) -> Any:
        if name != "message" or _BUILD not in self.__dict__:
            return super().__getattr__(name)  # type: ignore[misc]
        self._build_once()
        return self.__dict__["message"]

    @model_serializer(mode="wrap")
    def _serialise_built(self, handler: Any) -> Any:
        self._build_once()  # before pydantic reads the fields
        return handler(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContentEvent):
            return NotImplemented
        return self.message == other.message

    def __repr_args__(self) -> Any:
        self._build_once()
        return super().__repr_args__()

    def __getstate__(self) -> dict[Any, Any]:
        self._build_once()  # pickle the message, not the function that builds it
        return super().__getstate__()



_BUILD = "_build_message"  # the __dict__ key of a lazy content event's builder
_new = object.__new__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_MESSAGE_SET = {"message"}


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
    code: ErrorCode
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
        ServerToolEvent,
        UsageEvent,
        ContentEvent,
        EndEvent,
        ErrorEvent,
    ],
    Field(discriminator="type"),
]

@functools.cache
def _event_adapter() -> TypeAdapter[Event]:
    """The validator of any event, built on first use (building it costs a fresh process ~10 ms)."""
    return TypeAdapter(Event)


def event_from_json(data: str | bytes | dict[str, Any]) -> Event:
    """Parse one event from its JSON form (as written by ``event.model_dump_json()``)."""
    if isinstance(data, dict):
        return _event_adapter().validate_python(data)
    return _event_adapter().validate_json(data)
