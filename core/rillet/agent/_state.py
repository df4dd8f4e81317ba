"""The bookkeeping of one agent run, free of I/O: both drivers (``for`` and ``async for``)
feed it the model's events and the tools' outcomes and emit what it returns, so sync and
async runs cannot drift apart."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from .._aggregate import StreamAggregator
from .._events import EndEvent, ErrorEvent, Usage
from .._messages import Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from ._events import RunEndEvent, RunFinishReason, StepEndEvent, StepStartEvent, ToolResultEvent
from ._react import ReactParser, observation_text
from ._tools import FunctionTool, ToolOutcome

if TYPE_CHECKING:
    from .._request import ChatRequest
    from ._agent import Agent

__all__ = ["RunState", "add_usage"]

_USAGE_FIELDS = ("input_tokens", "output_tokens", "reasoning_tokens", "cache_read_tokens", "cache_write_tokens")


def add_usage(total: Usage | None, more: Usage | None) -> Usage | None:
    """The sum of two usages (a count stays ``None`` only if neither side reported it)."""
    if more is None:
        return total
    if total is None:
        return more
    summed: dict[str, Any] = {}
    for name in _USAGE_FIELDS:
        left, right = getattr(total, name), getattr(more, name)
        summed[name] = None if left is None and right is None else (left or 0) + (right or 0)
    return Usage(**summed, estimated=total.estimated or more.estimated)


class RunState:
    """One run: the history, the step in progress, the usage so far.

    A driver calls :meth:`begin_step` (``None`` when the run is over), passes every model
    event through :meth:`model_event`, stops reading early when :attr:`stop_reading` says
    so, then calls :meth:`model_done`, runs the calls it returns, hands each outcome to
    :meth:`tool_result` and finishes with :meth:`end_step`.
    """

    def __init__(self, agent: Agent, messages: list[Message]) -> None:
        self.agent = agent
        self.history = list(messages)
        self.added: list[Message] = []
        self.step = 0
        self.usage: Usage | None = None
        self.end: RunEndEvent | None = None
        self.cancelled = False
        self._aggregator = StreamAggregator()
        self._parser: ReactParser | None = None
        self._calls: list[ToolCallPart] = []
        self._results: dict[str, ToolResultPart] = {}
        self._step_end: EndEvent | None = None
        self._step_error: ErrorEvent | None = None
        self._phase: Literal["model", "tools", "idle"] = "idle"
        self._tools = {tool.name: tool for tool in agent.tools}

    @property
    def react(self) -> bool:
        """Whether the run uses the ReAct text protocol instead of native tool calls."""
        return self.agent.strategy == "react"

    # the model's turn ------------------------------------------------------------------

    def begin_step(self) -> tuple[StepStartEvent, ChatRequest] | None:
        """The next step's first event and request, or ``None`` when the run is over."""
        if self.end is not None:
            return None
        self.step += 1
        self._aggregator = StreamAggregator()
        self._parser = ReactParser(f"react_{self.step}") if self.react else None
        self._calls, self._results = [], {}
        self._step_end = self._step_error = None
        self._phase = "model"
        return StepStartEvent(step=self.step), self.agent.build_request(self.history)

    def model_event(self, event: Any) -> list[Any]:
        """The events to emit for one event of the model's stream."""
        parser = self._parser
        if parser is not None:
            if event.type == "token":
                return self._aggregate(parser.feed(event.text))
            if event.type == "end":
                return self._aggregate([*parser.finish(), self._react_end(event)])
        return self._aggregate([event])

    @property
    def stop_reading(self) -> bool:
        """Whether the model's stream should be closed now (a ReAct model began to invent
        the observation of its action)."""
        return self._parser is not None and self._parser.done

    def stopped_early(self) -> list[Any]:
        """The events that end a stream the run closed because of :attr:`stop_reading`."""
        assert self._parser is not None
        end = EndEvent(finish_reason="tool_calls", raw_finish_reason="react_observation")
        return self._aggregate([*self._parser.finish(), end])

    def _react_end(self, event: EndEvent) -> EndEvent:
        if self._parser is not None and self._parser.name is not None:
            return event.model_copy(update={"finish_reason": "tool_calls"})
        return event

    def _aggregate(self, events: list[Any]) -> list[Any]:
        for event in events:
            self._aggregator.add(event)
            if event.type == "end":
                self._step_end = event
            elif event.type == "error":
                self._step_error = event
        return events

    def model_done(self) -> list[ToolCallPart]:
        """Record the model's answer; the tool calls to run now (none ends the run)."""
        message = self._aggregator.message()
        if self._step_error is not None or self._step_end is None:
            self._phase = "idle"
            kept = [part for part in message.content if isinstance(part, (TextPart, ReasoningPart))]
            if kept:
                self._add(Message("assistant", kept))
            return []
        if self._parser is not None:
            self._add(Message.assistant(self._parser.text))
        else:
            self._add(message)
        self._calls = message.tool_calls
        self._phase = "tools" if self._calls else "idle"
        return list(self._calls)

    def _add(self, message: Message) -> None:
        self.history.append(message)
        self.added.append(message)

    # the tools' turn --------------------------------------------------------------------

    def resolve(self, call: ToolCallPart) -> tuple[FunctionTool, Any] | str:
        """The tool ``call`` names and its arguments, or the message telling the model what
        is wrong: no such tool, or argument text that is not JSON."""
        tool = self._tools.get(call.name)
        if tool is None:
            known = ", ".join(self._tools) or "none"
            return f"there is no tool named {call.name!r}; the tools are: {known}"
        arguments = call.arguments
        raw = call.raw_arguments.strip()
        if arguments is None and raw:
            try:
                arguments = json.loads(raw)
            except ValueError:
                return f"the arguments of {call.name} are not valid JSON: {raw[:200]}"
        return tool, arguments

    def tool_result(self, call: ToolCallPart, outcome: ToolOutcome) -> ToolResultEvent:
        """Record ``outcome`` of ``call``; the ``tool_result`` event to emit."""
        self._results[call.call_id] = ToolResultPart(
            call_id=call.call_id, name=call.name, content=outcome.content, is_error=outcome.is_error
        )
        return ToolResultEvent(
            step=self.step,
            call_id=call.call_id,
            name=call.name,
            content=outcome.content,
            is_error=outcome.is_error,
            duration=outcome.duration,
        )

    def end_step(self) -> list[Any]:
        """``step_end``, and ``run_end`` when this step was the last."""
        if self._calls:
            results = [self._results[call.call_id] for call in self._calls if call.call_id in self._results]
            if self.react:
                self._add(Message.user("\n".join(observation_text(r.content, is_error=r.is_error) for r in results)))
            else:
                self._add(Message("tool", results))
        self._phase = "idle"
        step_usage = self._aggregator.usage
        self.usage = add_usage(self.usage, step_usage)
        events: list[Any] = [
            StepEndEvent(step=self.step, finish_reason=self._aggregator.finish_reason, usage=step_usage)
        ]
        reason: RunFinishReason | None = None
        if self._step_error is not None or self._step_end is None:
            reason = "error"
        elif not self._calls:
            reason = "stop"
        elif self.step >= self.agent.max_steps:
            reason = "max_steps"
        if reason is not None:
            events.append(self._finish(reason))
        return events

    def _finish(self, reason: RunFinishReason) -> RunEndEvent:
        error = self._step_error
        if reason == "error" and error is None:
            error = ErrorEvent(code="truncated", message="the model's stream ended without an end event")
        self.end = RunEndEvent(
            finish_reason=reason,
            steps=self.step,
            usage=self.usage,
            message=self._aggregator.message(),
            messages=list(self.added),
            error=error,
        )
        return self.end

    def stopped(self) -> None:
        """The driver let go of the run: it was cancelled unless it had ended."""
        if self.end is None:
            self.cancelled = True

    # what a stopped run keeps -----------------------------------------------------------

    def partial_messages(self) -> list[Message]:
        """The messages of the run so far, for a run stopped before its end: the text of an
        unfinished answer is kept, tool calls left without results are dropped (so the
        history can be sent again)."""
        messages = list(self.added)
        if self.end is not None:
            return messages
        if self._phase == "model":
            if self._parser is not None:
                kept: list[Any] = [TextPart(text=self._parser.text)] if self._parser.text else []
            else:
                current = self._aggregator.message().content
                kept = [part for part in current if isinstance(part, (TextPart, ReasoningPart))]
        elif self._phase == "tools" and not self.react:
            kept = [part for part in messages.pop().content if not isinstance(part, ToolCallPart)]
        else:
            return messages
        if kept:
            messages.append(Message("assistant", kept))
        return messages
