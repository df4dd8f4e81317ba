"""Folding events into a message: ``StreamAggregator`` and the final ``ChatResult``."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._events import EndEvent, ErrorEvent, Event, FinishReason, ReasoningEvent, ServerToolEvent, Timing, ToolCallEvent, Usage
from ._messages import Message, Part, ReasoningPart, ServerToolPart, TextPart, ToolCallPart

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
    (which ``error`` describes) or before the stream was cancelled. ``message`` is choice
    0; when a request asked for several alternative answers (``n > 1``), ``choices`` holds
    every one in order (``choices[0]`` is ``message``) — alternatives are never joined
    into one message.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)
    message: Message
    outcome: Outcome
    choices: list[Message] = Field(default_factory=list)
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
    linear in the length of the answer. ``length`` counts the characters so far: the text
    only ever grows at its end, so a length is a moment of it (see :meth:`mark`).
    """

    __slots__ = (
        "kind", "chunks", "length", "loose_limit", "call_id", "name", "signature", "redacted", "data", "metadata",
        "finished", "server_tool",
    )

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.chunks: list[str] = []
        self.length = 0
        self.loose_limit = _LOOSE_PIECES  # join the pieces when there are more than this
        self.call_id = ""
        self.name = ""
        self.signature: str | None = None
        self.redacted = False
        self.data: str | None = None
        self.metadata: dict[str, Any] | None = None  # replaced, never changed in place
        self.finished: ToolCallEvent | None = None
        self.server_tool: ServerToolPart | None = None

    def add(self, piece: str) -> None:
        """Append a piece of text."""
        chunks = self.chunks
        chunks.append(piece)
        self.length += len(piece)
        if len(chunks) > self.loose_limit:
            self.join()

    def join(self) -> None:
        """Join the pieces into one string."""
        text = "".join(self.chunks)
        self.chunks = [text]
        self.loose_limit = max(_LOOSE_PIECES, len(text) >> 6)

    def mark(self) -> tuple[Any, ...]:
        """This part as it is now, in constant time: the text only grows at its end, so
        its length stands for it; every other field is replaced, never changed."""
        if self.kind == "text":
            return self, self.length, self.metadata
        return (
            self, self.length, self.metadata, self.call_id, self.name, self.signature, self.redacted, self.data,
            self.finished, self.server_tool,
        )


def _build_part(mark: tuple[Any, ...]) -> Part:
    """The part as it was at ``mark`` (see :meth:`_PartBuilder.mark`)."""
    builder, length, metadata = mark[0], mark[1], mark[2]
    text = "".join(builder.chunks)
    if len(text) != length:  # a moment before the newest pieces
        text = text[:length]
    if builder.kind == "text":
        return TextPart(text=text, provider_metadata=metadata)
    call_id, name, signature, redacted, data, finished, server_tool = mark[3:]
    if builder.kind == "server_tool" and server_tool is not None:
        return server_tool  # type: ignore[no-any-return]
    if builder.kind == "reasoning":
        return ReasoningPart(text=text, signature=signature, redacted=redacted, data=data, provider_metadata=metadata)
    if finished is not None:
        return ToolCallPart(
            call_id=finished.call_id,
            name=finished.name,
            arguments=finished.arguments,
            raw_arguments=finished.raw_arguments,
            arguments_error=finished.arguments_error,
            provider_metadata=finished.provider_metadata,
        )
    return ToolCallPart(call_id=call_id, name=name, raw_arguments=text)


def _message_at(marks: Iterable[tuple[Any, ...]]) -> Message:
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
    totals, so nothing is summed). Parts keep the order in which they began. Events of
    choice ``n > 0`` (requests for several alternatives) build separate messages.
    """

    def __init__(self) -> None:
        self._parts: dict[tuple[int, str, int], _PartBuilder] = {}
        self._alternatives = False  # whether any event of a choice other than 0 came
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
    def fold(cls, events: Iterable[Event]) -> ChatResult:
        """Aggregate a whole sequence of events into a :class:`ChatResult`."""
        aggregator = cls()
        for event in events:
            aggregator.add(event)
        return aggregator.result()

    def add(self, event: Event) -> None:
        """Take one event into account."""
        if event.type == "token":  # the hot path: one dict lookup for a block that exists
            part = self._parts.get((event.choice, "text", event.index)) or self._part("text", event.index, event.choice)
            text = event.text
            chunks = part.chunks
            chunks.append(text)
            part.length += len(text)
            if len(chunks) > part.loose_limit:  # _PartBuilder.add, inlined on the hottest path
                part.join()
            if event.provider_metadata:
                part.metadata = _merge_metadata(part.metadata, event.provider_metadata)
        elif event.type == "reasoning":
            self._add_reasoning(event)
        elif event.type == "tool_call_delta":
            self._part("tool", event.index, event.choice).add(event.arguments_delta)
        elif event.type == "tool_call_start":
            part = self._part("tool", event.index, event.choice)
            part.call_id, part.name = event.call_id, event.name
        elif event.type == "tool_call":
            part = self._part("tool", event.index, event.choice)
            part.call_id, part.name, part.finished = event.call_id, event.name, event
        elif event.type == "server_tool":
            self._add_server_tool(event)
        elif event.type == "usage":
            self.usage = event.usage
        elif event.type == "start":
            self.response_id = event.response_id
        elif event.type == "end":
            self._add_end(event)
        elif event.type == "error":
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

    def _add_server_tool(self, event: ServerToolEvent) -> None:
        fields = {name: getattr(event, name) for name in ServerToolPart.model_fields if name != "type"}
        self._part("server_tool", event.index).server_tool = ServerToolPart(**fields)

    def _add_reasoning(self, event: ReasoningEvent) -> None:
        part = self._part("reasoning", event.index, event.choice)
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

    def _part(self, kind: str, index: int, choice: int = 0) -> _PartBuilder:
        key = (choice, kind, index)
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _PartBuilder(kind)
            if choice:
                self._alternatives = True
        return part

    def _builders(self, choice: int) -> Iterable[_PartBuilder]:
        if not self._alternatives:
            return self._parts.values() if choice == 0 else ()
        return [part for key, part in self._parts.items() if key[0] == choice]

    def message(self, choice: int = 0) -> Message:
        """The assistant message as aggregated so far (of alternative ``choice``)."""
        return _message_at(map(_mark, self._builders(choice)))

    def snapshot(self) -> Callable[[], Message]:
        """The message (choice 0) as it is now, to build later: taking it costs constant
        time per part, building it (calling the result) costs what :meth:`message` does."""
        return _Snapshot(map(_mark, self._builders(0)))

    def choices(self) -> list[Message]:
        """Every alternative answer so far, in choice order (one unless ``n > 1``)."""
        last = max((key[0] for key in self._parts), default=0) if self._alternatives else 0
        return [self.message(number) for number in range(last + 1)]

    def result(self) -> ChatResult:
        """The outcome so far, as a :class:`ChatResult`."""
        choices = self.choices()
        return ChatResult(
            message=choices[0],
            outcome=self.outcome,
            choices=choices,
            finish_reason=self.finish_reason,
            raw_finish_reason=self.raw_finish_reason,
            usage=self.usage,
            timing=self.timing,
            response_id=self.response_id,
            error=self.error,
            provider_metadata=self.provider_metadata,
        )


def _merge_metadata(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``old``: a list (``citations``) grows, any other value replaces the older."""
    if not old:
        return dict(new)
    merged = dict(old)
    for key, value in new.items():
        previous = merged.get(key)
        merged[key] = previous + value if isinstance(previous, list) and isinstance(value, list) else value
    return merged
