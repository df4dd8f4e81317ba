"""The events an agent run adds to the model's: ``step_start``, ``tool_result``,
``step_end`` and the run's terminal ``run_end``.

An agent stream is: for each step, ``step_start``, the model's whole stream for that
step (``start`` … ``end`` or ``error``), one ``tool_result`` per tool call the model
made, ``step_end``; then exactly one ``run_end``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .._events import ErrorEvent, Event, FinishReason, Usage
from .._messages import Message

__all__ = [
    "AgentEvent",
    "RunEndEvent",
    "RunFinishReason",
    "StepEndEvent",
    "StepStartEvent",
    "ToolResultEvent",
    "agent_event_from_json",
]

#: Why a run ended: the model answered without calling a tool (``stop``), the step limit
#: was reached (``max_steps``), or a model stream failed (``error``).
RunFinishReason = Literal["stop", "max_steps", "error"]

_frozen = ConfigDict(frozen=True)


class StepStartEvent(BaseModel):
    """Step ``step`` (from 1) begins: the model is asked again, with the history so far."""

    model_config = _frozen
    type: Literal["step_start"] = "step_start"
    step: int


class ToolResultEvent(BaseModel):
    """A tool call has been run. ``content`` is what goes back to the model: the result
    as text (JSON for anything but a string), or the error when ``is_error``; ``duration``
    is in seconds."""

    model_config = _frozen
    type: Literal["tool_result"] = "tool_result"
    step: int
    call_id: str
    name: str
    content: str
    is_error: bool = False
    duration: float = 0.0


class StepEndEvent(BaseModel):
    """Step ``step`` is over: the model's ``finish_reason`` (``None`` when its stream failed)
    and the step's ``usage`` as the provider reported it."""

    model_config = _frozen
    type: Literal["step_end"] = "step_end"
    step: int
    finish_reason: FinishReason | None = None
    usage: Usage | None = None


class RunEndEvent(BaseModel):
    """The run is over; always the last event.

    ``finish_reason``: ``stop`` (a final answer), ``max_steps`` (the limit was reached
    while the model still called tools; their results are in ``messages``) or ``error``
    (``error`` says what failed; ``messages`` keep the partial run). ``usage`` sums the
    steps' usage; ``message`` is the last step's assistant message as streamed (for ReAct:
    its reasoning and final answer); ``messages`` are all the messages the run added to the
    conversation (assistant turns and tool results, as they are sent back).
    """

    model_config = _frozen
    type: Literal["run_end"] = "run_end"
    finish_reason: RunFinishReason
    steps: int
    usage: Usage | None = None
    message: Message | None = None
    messages: list[Message] = Field(default_factory=list)
    error: ErrorEvent | None = None

    @property
    def text(self) -> str:
        """The final answer text."""
        return self.message.text if self.message is not None else ""


#: Any event of an agent stream: a model event or one of the agent's own.
AgentEvent = Annotated[
    Union[Event, StepStartEvent, ToolResultEvent, StepEndEvent, RunEndEvent],
    Field(discriminator="type"),
]

_agent_event_adapter: TypeAdapter[AgentEvent] = TypeAdapter(AgentEvent)


def agent_event_from_json(data: str | bytes | dict[str, Any]) -> AgentEvent:
    """Parse one agent-stream event (a model event or an agent one) from its JSON form."""
    if isinstance(data, dict):
        return _agent_event_adapter.validate_python(data)
    return _agent_event_adapter.validate_json(data)
