"""ReAct for models without native tool calling: the tool protocol goes in the system
prompt, and the model's ``Action:`` / ``Action Input:`` lines are parsed as they stream
into the same ``tool_call_start`` / ``tool_call_delta`` / ``tool_call`` events a native
tool call gives. Every other line streams on as ``token`` events."""

from __future__ import annotations

import json
from typing import Any, Sequence

from .._events import TokenEvent, ToolCallDeltaEvent, ToolCallEvent, ToolCallStartEvent
from ._tools import FunctionTool

__all__ = ["ReactParser", "observation_text", "react_instructions"]

ACTION = "Action:"
ACTION_INPUT = "Action Input:"
OBSERVATION = "Observation:"
_MARKERS = (ACTION, ACTION_INPUT)


def react_instructions(tools: Sequence[FunctionTool]) -> str:
    """The system prompt part that teaches the model the tool protocol."""
    described = "\n".join(
        f"- {tool.name}: {tool.description or 'no description'} Arguments (JSON schema): {json.dumps(tool.schema)}"
        for tool in tools
    )
    names = ", ".join(tool.name for tool in tools)
    return (
        "You can use these tools:\n"
        f"{described}\n\n"
        "To use a tool, write exactly these lines, then stop and wait:\n"
        "Thought: what you are going to do and why\n"
        f"Action: the tool name, one of [{names}]\n"
        "Action Input: the arguments as one JSON object on one line\n\n"
        f'The result comes back in a message that starts with "{OBSERVATION}". Use one tool at a time.\n'
        "When you know the answer, write:\n"
        "Final Answer: the answer"
    )


def observation_text(content: str, *, is_error: bool) -> str:
    """The user message that carries a tool's result back to a ReAct model."""
    return f"{OBSERVATION} {'Error: ' if is_error else ''}{content}"


class ReactParser:
    """Fed the model's text as it streams; gives token and tool-call events.

    A line is held back only while it could still be an ``Action:`` or ``Action Input:``
    line; anything else is passed on at once. :attr:`done` turns true when the model starts
    an ``Observation:`` line after its action (it is inventing the result: stop reading).
    """

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.raw: list[str] = []  # everything the model wrote, for the history
        self.name: str | None = None
        self.arguments: list[str] = []
        self.done = False
        self._line = ""  # the current line, held while it may be a marker
        self._holding = True  # at a line start, still matching a marker
        self._mode = "text"  # "text", "name" (after Action:), "input" (after Action Input:)

    def feed(self, text: str) -> list[Any]:
        """Events for the next piece of model text."""
        events: list[Any] = []
        tokens: list[str] = []
        for character in text:
            if self.done:
                break
            self.raw.append(character)
            self._step(character, tokens, events)
        self._emit_tokens(tokens, events)
        return events

    def _emit_tokens(self, tokens: list[str], events: list[Any]) -> None:
        if tokens:
            events.append(TokenEvent(text="".join(tokens)))
            tokens.clear()

    def _step(self, character: str, tokens: list[str], events: list[Any]) -> None:
        if self._mode == "text":
            if not self._holding:
                tokens.append(character)
                if character == "\n":
                    self._holding = True
                return
            self._line += character
            if self._line in _MARKERS:
                self._emit_tokens(tokens, events)
                self._mode = "name" if self._line == ACTION else "input"
                self._line = ""
            elif not any(marker.startswith(self._line) for marker in _MARKERS):
                tokens.append(self._line)
                self._holding = character == "\n"
                self._line = ""
            return
        if character != "\n":
            self._line += character
            if self._mode == "input" and self._line.lstrip().startswith(OBSERVATION):
                self.done = True  # the model is making up the result: stop here
                del self.raw[len(self.raw) - len(self._line) :]
                self._line = ""
            return
        line, self._line = self._line, ""
        self._end_line(line, events)

    def _end_line(self, line: str, events: list[Any]) -> None:
        if self._mode == "name":
            self.name = line.strip()
            events.append(ToolCallStartEvent(index=0, call_id=self.call_id, name=self.name))
            self._mode, self._holding = "text", True
        elif self._mode == "input":
            piece = (line if not self.arguments else "\n" + line)
            self.arguments.append(piece)
            events.append(ToolCallDeltaEvent(index=0, arguments_delta=piece))

    def finish(self) -> list[Any]:
        """The events left at the end of the model's text: the finished call, if any."""
        events: list[Any] = []
        if self._mode in ("name", "input") and self._line and not self.done:
            self._end_line(self._line, events)
            self._line = ""
        elif self._mode == "text" and self._line:
            events.append(TokenEvent(text=self._line))
            self._line = ""
        if self.name is None:
            return events
        raw = "".join(self.arguments).strip()
        try:
            arguments = json.loads(raw) if raw else {}
        except ValueError:
            arguments = None  # reported to the model as invalid arguments
        events.append(
            ToolCallEvent(index=0, call_id=self.call_id, name=self.name, arguments=arguments, raw_arguments=raw)
        )
        return events

    @property
    def text(self) -> str:
        """Everything the model wrote (up to a made-up ``Observation:``)."""
        return "".join(self.raw)
