"""Folding events into a message: ``StreamAggregator`` and the final ``ChatResult``."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Literal

from pydantic import BaseModel, ConfigDict

from ._events import EndEvent, ErrorEvent, FinishReason, ReasoningEvent, Timing, ToolCallEvent, Usage
from ._messages import Message, Part, ReasoningPart, TextPart, ToolCallPart

__all__ = ["ChatResult", "Outcome", "StreamAggregator"]

#: How a stream ended: ``complete`` (an ``end`` event: ``finish_reason`` says why),
#: ``error`` (an ``error`` event, a truncated body included: ``error`` says which),
#: ``cancelled`` (closed, broken off or its task cancelled before its terminal event) or
#: ``incomplete`` (no terminal event yet: a snapshot of a stream still running).
Outcome = Literal["complete", "error", "cancelled", "incomplete"]


class ChatResult(BaseModel):
    """The outcome of a whole stream.

    ``outcome`` says how it ended. Only a ``complete`` result has a ``finish_reason``;
    otherwise ``message`` holds the partial result: what arrived before the ``error``
    (which ``error`` describes) or before the stream was cancelled.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    message: Message
    outcome: Outcome
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    usage: Usage | None = None
    timing: Timing | None = None
    response_id: str | None = None
    error: ErrorEvent | None = None
    provider_metadata: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        """The answer text."""
        return self.message.text

    def raise_for_error(self) -> ChatResult:
        """Raise the typed error if the stream failed; return ``self`` otherwise."""
        if self.error is not None:
            raise self.error.to_exception()
        return self


class _PartBuilder:
    __slots__ = ("kind", "chunks", "call_id", "name", "signature", "redacted", "data", "metadata", "finished")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.chunks: list[str] = []
        self.call_id = ""
        self.name = ""
        self.signature: str | None = None
        self.redacted = False
        self.data: str | None = None
        self.metadata: dict[str, Any] | None = None
        self.finished: ToolCallEvent | None = None

    def mark(self) -> tuple[Any, ...]:
        """This part as it is now, in constant time: chunks are only ever appended, so
        their count stands for the text (all a text part has)."""
        if self.kind == "text":
            return self, len(self.chunks)
        return self, len(self.chunks), self.call_id, self.name, self.signature, self.redacted, self.data, self.metadata, self.finished


def _build_part(mark: tuple[Any, ...]) -> Part:
    """The part as it was at ``mark`` (see :meth:`_PartBuilder.mark`)."""
    builder, count = mark[0], mark[1]
    chunks = builder.chunks
    text = "".join(chunks if count == len(chunks) else chunks[:count])
    if builder.kind == "text":
        return TextPart(text=text)
    call_id, name, signature, redacted, data, metadata, finished = mark[2:]
    if builder.kind == "reasoning":
        return ReasoningPart(text=text, signature=signature, redacted=redacted, data=data, provider_metadata=metadata)
    if finished is not None:
        return ToolCallPart(
            call_id=finished.call_id,
            name=finished.name,
            arguments=finished.arguments,
            raw_arguments=finished.raw_arguments,
            provider_metadata=finished.provider_metadata,
        )
    return ToolCallPart(call_id=call_id, name=name, raw_arguments=text)


def _message_at(marks: list[tuple[Any, ...]]) -> Message:
    return Message("assistant", [_build_part(mark) for mark in marks])


class _Snapshot(list):  # type: ignore[type-arg]
    """The marks of every part at one moment; calling it builds the message of then."""

    __slots__ = ()

    def __call__(self) -> Message:
        return _message_at(self)


_mark = _PartBuilder.mark


class StreamAggregator:
    """Folds events into the message they describe.

    Use it on its own (``StreamAggregator.fold(events)``) or let
    ``stream_with_aggregation`` drive it. Text and reasoning deltas are joined per block
    ``index``; tool calls are keyed by their ``index`` and take their final arguments from
    the ``tool_call`` event; the newest usage replaces the older (providers report running
    totals, so nothing is summed). Parts keep the order in which they began.
    """

    def __init__(self) -> None:
        self._parts: dict[tuple[str, int], _PartBuilder] = {}
        self.response_id: str | None = None
        self.usage: Usage | None = None
        self.finish_reason: FinishReason | None = None
        self.raw_finish_reason: str | None = None
        self.timing: Timing | None = None
        self.error: ErrorEvent | None = None
        self.provider_metadata: dict[str, Any] | None = None
        self.ended = False
        self.cancelled = False

    @classmethod
    def fold(cls, events: Iterable[Any]) -> ChatResult:
        """Aggregate a whole sequence of events into a :class:`ChatResult`."""
        aggregator = cls()
        for event in events:
            aggregator.add(event)
        return aggregator.result()

    def add(self, event: Any) -> None:
        """Take one event into account."""
        kind = event.type
        if kind == "token":
            self._part("text", event.index).chunks.append(event.text)
        elif kind == "reasoning":
            self._add_reasoning(event)
        elif kind == "tool_call_delta":
            self._part("tool", event.index).chunks.append(event.arguments_delta)
        elif kind == "tool_call_start":
            part = self._part("tool", event.index)
            part.call_id, part.name = event.call_id, event.name
        elif kind == "tool_call":
            part = self._part("tool", event.index)
            part.call_id, part.name, part.finished = event.call_id, event.name, event
        elif kind == "usage":
            self.usage = event.usage
        elif kind == "start":
            self.response_id = event.response_id
        elif kind == "end":
            self._add_end(event)
        elif kind == "error":
            self.error = event
            self.ended = True

    def cancel(self) -> None:
        """Record that the stream stopped before its terminal event (no effect once ended)."""
        if not self.ended:
            self.cancelled = True

    @property
    def outcome(self) -> Outcome:
        """How the stream ended so far (see :data:`Outcome`)."""
        if self.error is not None:
            return "error"
        if self.ended:
            return "complete"
        return "cancelled" if self.cancelled else "incomplete"

    def _add_reasoning(self, event: ReasoningEvent) -> None:
        part = self._part("reasoning", event.index)
        if event.text:
            part.chunks.append(event.text)
        if event.signature is not None:
            part.signature = (part.signature or "") + event.signature
        if event.redacted:
            part.redacted = True
        if event.data is not None:
            part.data = event.data
        if event.provider_metadata:
            part.metadata = {**(part.metadata or {}), **event.provider_metadata}

    def _add_end(self, event: EndEvent) -> None:
        self.finish_reason = event.finish_reason
        self.raw_finish_reason = event.raw_finish_reason
        if event.usage is not None:
            self.usage = event.usage
        self.timing = event.timing
        self.provider_metadata = event.provider_metadata
        self.ended = True

    def _part(self, kind: str, index: int) -> _PartBuilder:
        key = (kind, index)
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _PartBuilder(kind)
        return part

    def message(self) -> Message:
        """The assistant message as aggregated so far."""
        return _message_at([part.mark() for part in self._parts.values()])

    def snapshot(self) -> Callable[[], Message]:
        """The message as it is now, to build later: taking it costs constant time per
        part, building it (calling the result) costs what :meth:`message` does."""
        return _Snapshot(map(_mark, self._parts.values()))

    def result(self) -> ChatResult:
        """The outcome so far, as a :class:`ChatResult`."""
        return ChatResult(
            message=self.message(),
            outcome=self.outcome,
            finish_reason=self.finish_reason,
            raw_finish_reason=self.raw_finish_reason,
            usage=self.usage,
            timing=self.timing,
            response_id=self.response_id,
            error=self.error,
            provider_metadata=self.provider_metadata,
        )
