"""ReAct for models without native tool calling: the tool protocol goes in the system
prompt, and the model's ``Action:`` / ``Action Input:`` lines are parsed as they stream
into the same ``tool_call_start`` / ``tool_call_delta`` / ``tool_call`` events a native
tool call gives; ``Thought:`` text streams as ``reasoning``, the ``Final Answer:`` as
``token`` events."""

from __future__ import annotations

import json
from typing import Any, Sequence

from .._events import ReasoningEvent, TokenEvent, ToolCallDeltaEvent, ToolCallEvent, ToolCallStartEvent
from ._tools import FunctionTool

__all__ = ["ReactParser", "observation_text", "react_instructions"]

THOUGHT = "Thought:"
ACTION = "Action:"
ACTION_INPUT = "Action Input:"
OBSERVATION = "Observation:"
FINAL_ANSWER = "Final Answer:"


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
    """Fed the model's text as it streams; gives reasoning, token and tool-call events.

    ``Thought:`` sections stream as ``reasoning``, a ``Final Answer:`` (without its marker)
    and any text before the first marker as ``token`` events; ``Action:`` and ``Action
    Input:`` lines become the tool call. A line is held back only while it could still be
    a marker; anything else is passed on at once. :attr:`done` turns true when the model
    starts an ``Observation:`` line after its action (it is inventing the result: stop
    reading).
    """

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.raw: list[str] = []  # everything the model wrote, for the history
        self.name: str | None = None
        self.arguments: list[str] = []
        self.done = False
        self._line = ""  # the current line, held while it may be a marker
        self._holding = True  # at a line start, still matching a marker
        self._skip_space = False  # drop the space that follows a marker
        self._mode = "text"  # text, thought, answer (flowing); name, input (the call's lines)

    def feed(self, text: str) -> list[Any]:
        """Events for the next piece of model text."""
        pieces: list[Any] = []  # events, and (type, text) pieces of flowing text
        for character in text:
            if self.done:
                break
            self.raw.append(character)
            self._step(character, pieces)
        return _merged(pieces)

    def _flow(self, text: str, pieces: list[Any]) -> None:
        if self._skip_space:
            self._skip_space = False
            text = text[1:] if text.startswith(" ") else text
        if text:
            pieces.append(("reasoning" if self._mode == "thought" else "token", text))

    def _step(self, character: str, pieces: list[Any]) -> None:
        if self._mode in _FLOWING:
            if not self._holding:
                self._flow(character, pieces)
                self._holding = character == "\n"
                return
            self._line += character
            marker = _MARKER_MODES.get(self._line)
            if marker is not None:
                self._mode, self._line, self._skip_space = marker, "", True
            elif not any(known.startswith(self._line) for known in _MARKER_MODES):
                line, self._line = self._line, ""
                self._flow(line, pieces)
                self._holding = character == "\n"
            return
        if character != "\n":
            self._line += character
            if self._mode == "input" and self._line.lstrip().startswith(OBSERVATION):
                self.done = True  # the model is making up the result: stop here
                del self.raw[len(self.raw) - len(self._line) :]
                self._line = ""
            return
        line, self._line = self._line, ""
        self._end_line(line, pieces)

    def _end_line(self, line: str, events: list[Any]) -> None:
        if self._mode == "name":
            self.name = line.strip()
            events.append(ToolCallStartEvent(index=0, call_id=self.call_id, name=self.name))
            self._mode, self._holding = "text", True
        elif self._mode == "input":
            piece = line.lstrip() if not self.arguments else "\n" + line
            self.arguments.append(piece)
            events.append(ToolCallDeltaEvent(index=0, arguments_delta=piece))

    def finish(self) -> list[Any]:
        """The events left at the end of the model's text: the finished call, if any."""
        pieces: list[Any] = []
        if self._mode in ("name", "input") and self._line and not self.done:
            self._end_line(self._line, pieces)
        elif self._mode in _FLOWING and self._line:
            self._flow(self._line, pieces)
        self._line = ""
        events = _merged(pieces)
        if self.name is None:
            return events
        raw = "".join(self.arguments).strip()  # text that is not JSON is marked, reported to the model
        events.append(ToolCallEvent.finished(index=0, call_id=self.call_id, name=self.name, raw_arguments=raw))
        return events

    @property
    def text(self) -> str:
        """Everything the model wrote (up to a made-up ``Observation:``)."""
        return "".join(self.raw)


_FLOWING = ("text", "thought", "answer")
_MARKER_MODES = {THOUGHT: "thought", ACTION: "name", ACTION_INPUT: "input", FINAL_ANSWER: "answer"}


def _merged(pieces: list[Any]) -> list[Any]:
    """Events, with each run of flowing text pieces of one type made one event."""
    events: list[Any] = []
    for piece in pieces:
        if not isinstance(piece, tuple):
            events.append(piece)
            continue
        kind, text = piece
        if events and events[-1].type == kind:
            events[-1] = events[-1].model_copy(update={"text": events[-1].text + text})
        else:
            events.append(ReasoningEvent(text=text) if kind == "reasoning" else TokenEvent(text=text))
    return events
