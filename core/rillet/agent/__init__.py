"""Agents: the tool loop, tool schemas and ReAct, on top of the public model API.

``rillet.Agent(model, tools=[functions])`` streams one event stream per run: the model's
events as they arrive, then per tool call a ``tool_result``, with ``step_start`` /
``step_end`` around each step and one ``run_end`` last (see ``docs/events.md``).
"""

from __future__ import annotations

from ._agent import Agent, Strategy
from ._events import (
    AgentEvent,
    RunEndEvent,
    RunFinishReason,
    StepEndEvent,
    StepStartEvent,
    ToolResultEvent,
    agent_event_from_json,
)
from ._run import AgentRun
from ._tools import FunctionTool, ToolOutcome

__all__ = [
    "Agent",
    "AgentEvent",
    "AgentRun",
    "FunctionTool",
    "RunEndEvent",
    "RunFinishReason",
    "StepEndEvent",
    "StepStartEvent",
    "Strategy",
    "ToolOutcome",
    "ToolResultEvent",
    "agent_event_from_json",
]
