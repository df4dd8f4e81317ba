"""Folding events into a message: ``StreamAggregator`` and the final ``ChatResult``."""

from __future__ import annotations

from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field

from ._events import EndEvent, ErrorEvent, Event, FinishReason, ReasoningEvent, ServerToolEvent, Timing, ToolCallEvent, Usage
from ._messages import Message, Part, ReasoningPart, ServerToolPart, TextPart, ToolCallPart

__all__ = ["ChatResult", "StreamAggregator"]


class ChatResult(BaseModel):
    """The outcome of a whole stream.

    ``error`` is set when the stream ended with an ``error`` event; ``message`` then holds
    the partial result. ``message`` is choice 0; when a request asked for several
    alternative answers (``n > 1``), ``choices`` holds every one in order (``choices[0]``
    is ``message``) — alternatives are never joined into one message.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    message: Message
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


class _PartBuilder:
    __slots__ = (
        "kind", "chunks", "call_id", "name", "signature", "redacted", "data", "metadata", "finished", "server_tool",
    )

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
        self.server_tool: ServerToolPart | None = None

    def build(self) -> Part:
        text = "".join(self.chunks)
        if self.kind == "text":
            return TextPart(text=text, provider_metadata=self.metadata)
        if self.kind == "server_tool" and self.server_tool is not None:
            return self.server_tool
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
                arguments_error=done.arguments_error,
                provider_metadata=done.provider_metadata,
            )
        return ToolCallPart(call_id=self.call_id, name=self.name, raw_arguments=text)


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
        self.response_id: str | None = None
        self.usage: Usage | None = None
        self.finish_reason: FinishReason | None = None
        self.raw_finish_reason: str | None = None
        self.timing: Timing | None = None
        self.error: ErrorEvent | None = None
        self.provider_metadata: dict[str, Any] | None = None
        self.ended = False

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
            part.chunks.append(event.text)
            if event.provider_metadata:
                part.metadata = _merge_metadata(part.metadata, event.provider_metadata)
        elif event.type == "reasoning":
            self._add_reasoning(event)
        elif event.type == "tool_call_delta":
            self._part("tool", event.index, event.choice).chunks.append(event.arguments_delta)
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

    def _add_server_tool(self, event: ServerToolEvent) -> None:
        fields = {name: getattr(event, name) for name in ServerToolPart.model_fields if name != "type"}
        self._part("server_tool", event.index).server_tool = ServerToolPart(**fields)

    def _add_reasoning(self, event: ReasoningEvent) -> None:
        part = self._part("reasoning", event.index, event.choice)
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

    def _part(self, kind: str, index: int, choice: int = 0) -> _PartBuilder:
        key = (choice, kind, index)
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = _PartBuilder(kind)
        return part

    def message(self, choice: int = 0) -> Message:
        """The assistant message as aggregated so far (of alternative ``choice``)."""
        return Message("assistant", [part.build() for key, part in self._parts.items() if key[0] == choice])

    def choices(self) -> list[Message]:
        """Every alternative answer so far, in choice order (one unless ``n > 1``)."""
        last = max((key[0] for key in self._parts), default=0)
        return [self.message(number) for number in range(last + 1)]

    def result(self) -> ChatResult:
        """The outcome so far, as a :class:`ChatResult`."""
        choices = self.choices()
        return ChatResult(
            message=choices[0],
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
