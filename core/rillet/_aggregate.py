"""Folding events into a message: ``StreamAggregator`` and the final ``ChatResult``."""

from __future__ import annotations

from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict

from ._events import EndEvent, ErrorEvent, FinishReason, ReasoningEvent, Timing, ToolCallEvent, Usage
from ._messages import Message, Part, ReasoningPart, TextPart, ToolCallPart

__all__ = ["ChatResult", "StreamAggregator"]


class ChatResult(BaseModel):
    """The outcome of a whole stream.

    ``error`` is set when the stream ended with an ``error`` event; ``message`` then holds
    the partial result.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    message: Message
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


_LOOSE_PIECES = 64  # text pieces a part keeps apart before joining them


class _PartBuilder:
    """One part of the message being aggregated.

    Its text is kept as a list of pieces joined now and then, so a long answer costs
    about its own length: a string object per token would cost some 60 bytes each.
    Joining when the pieces outnumber a 64th of the text joined so far keeps the copying
    linear in the length of the answer.
    """

    __slots__ = ("kind", "chunks", "loose_limit", "call_id", "name", "signature", "redacted", "data", "metadata", "finished")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.chunks: list[str] = []
        self.loose_limit = _LOOSE_PIECES  # join the pieces when there are more than this
        self.call_id = ""
        self.name = ""
        self.signature: str | None = None
        self.redacted = False
        self.data: str | None = None
        self.metadata: dict[str, Any] | None = None
        self.finished: ToolCallEvent | None = None

    def add(self, piece: str) -> None:
        """Append a piece of text."""
        chunks = self.chunks
        chunks.append(piece)
        if len(chunks) > self.loose_limit:
            self.join()

    def join(self) -> None:
        """Join the pieces into one string."""
        text = "".join(self.chunks)
        self.chunks = [text]
        self.loose_limit = max(_LOOSE_PIECES, len(text) >> 6)

    def build(self) -> Part:
        text = "".join(self.chunks)
        if self.kind == "text":
            return TextPart(text=text)
        if self.kind == "reasoning":
            return ReasoningPart(
                text=text,
                signature=self.signature,
                redacted=self.redacted,
                data=self.data,
                provider_metadata=self.metadata,
            )
        done = self.finished
        if done is not None:
            return ToolCallPart(
                call_id=done.call_id,
                name=done.name,
                arguments=done.arguments,
                raw_arguments=done.raw_arguments,
                provider_metadata=done.provider_metadata,
            )
        return ToolCallPart(call_id=self.call_id, name=self.name, raw_arguments=text)


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
            part = self._part("text", event.index)
            chunks = part.chunks
            chunks.append(event.text)
            if len(chunks) > part.loose_limit:  # _PartBuilder.add, inlined on the hottest path
                part.join()
        elif kind == "reasoning":
            self._add_reasoning(event)
        elif kind == "tool_call_delta":
            self._part("tool", event.index).add(event.arguments_delta)
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

    def _add_reasoning(self, event: ReasoningEvent) -> None:
        part = self._part("reasoning", event.index)
        if event.text:
            part.add(event.text)
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
        return Message("assistant", [part.build() for part in self._parts.values()])

    def result(self) -> ChatResult:
        """The outcome so far, as a :class:`ChatResult`."""
        return ChatResult(
            message=self.message(),
            finish_reason=self.finish_reason,
            raw_finish_reason=self.raw_finish_reason,
            usage=self.usage,
            timing=self.timing,
            response_id=self.response_id,
            error=self.error,
            provider_metadata=self.provider_metadata,
        )
