"""The interactive ``rillet chat`` session: history across turns, multi-line input,
``/`` commands, and Ctrl-C that stops an answer without ending the session."""

from __future__ import annotations

import sys
from typing import Any, Callable, TextIO

import click

from .output import Renderer

__all__ = ["HELP", "Session", "read_message"]

HELP = """\
/exit, /quit      end the session (or Ctrl-D, or Ctrl-C at the prompt)
/reset            forget the conversation so far
/model ID         go on with another model (e.g. /model anthropic/claude-haiku-4-5)
/history          show the conversation so far
/help             this list
A line ending in \\ goes on on the next line; so does everything between two lines of \"\"\".
Ctrl-C during an answer stops it; what was already written stays in the conversation."""


def read_message(read_line: Callable[[str], str], prompt: str = "> ", more: str = ". ") -> str:
    """One message: a line, lines joined by a trailing ``\\``, or a ``\"\"\"`` block.

    Raises ``EOFError`` (Ctrl-D) or ``KeyboardInterrupt`` (Ctrl-C) from ``read_line``.
    """
    line = read_line(prompt)
    if line.strip() == '"""':
        lines: list[str] = []
        while (line := read_line(more)).strip() != '"""':
            lines.append(line)
        return "\n".join(lines)
    lines = []
    while line.endswith("\\"):
        lines.append(line[:-1])
        line = read_line(more)
    lines.append(line)
    return "\n".join(lines)


class Session:
    """A conversation in the terminal.

    ``make_agent(model_id)`` gives the agent for a model (the tools and options of the
    command line); ``make_renderer()`` a renderer for one answer.
    """

    def __init__(
        self,
        model_id: str,
        make_agent: Callable[[str], Any],
        make_renderer: Callable[[], Renderer],
        *,
        read_line: Callable[[str], str] = input,
        out: TextIO | None = None,
    ) -> None:
        self.model_id = model_id
        self.agent = make_agent(model_id)
        self.make_agent = make_agent
        self.make_renderer = make_renderer
        self.read_line = read_line
        self.out = out or sys.stderr
        self.history: list[Any] = []

    def say(self, text: str) -> None:
        """A line for the user (on stderr, so stdout keeps only answers)."""
        self.out.write(text + "\n")
        self.out.flush()

    def run(self) -> None:
        """Read, answer, repeat, until ``/exit``, Ctrl-D or Ctrl-C at the prompt."""
        if self.read_line is input:
            try:
                import readline  # noqa: F401 - line editing and history for input()
            except ImportError:  # pragma: no cover - not on every platform
                pass
        self.say(f"Chatting with {self.model_id}. /help for commands, /exit or Ctrl-D to leave.")
        while True:
            try:
                text = read_message(self.read_line)
            except (EOFError, KeyboardInterrupt):
                self.say("")
                return
            if not text.strip():
                continue
            if text.strip().startswith("/"):
                if not self.command(text.strip()):
                    return
                continue
            self.answer(text)

    def command(self, text: str) -> bool:
        """Run a ``/`` command; ``False`` ends the session."""
        name, _, argument = text.partition(" ")
        if name in ("/exit", "/quit"):
            return False
        if name == "/reset":
            self.history = []
            self.say("(the conversation is forgotten)")
        elif name == "/model":
            self.switch(argument.strip())
        elif name == "/history":
            for message in self.history:
                shown = message.text or ", ".join(f"{part.type}" for part in message.content)
                self.say(f"{message.role}: {shown}")
        elif name == "/help":
            self.say(HELP)
        else:
            self.say(f"unknown command {name}; /help lists them")
        return True

    def switch(self, model_id: str) -> None:
        """Go on with ``model_id`` (the conversation is kept)."""
        if not model_id:
            self.say(f"the model is {self.model_id}; /model PROVIDER/MODEL changes it")
            return
        from .. import RilletError

        try:
            self.agent = self.make_agent(model_id)
        except RilletError as exc:
            self.say(f"Error: {exc.message}")
            return
        self.model_id = model_id
        self.say(f"(now chatting with {model_id})")

    def answer(self, text: str) -> None:
        """Stream one answer; Ctrl-C stops it and keeps what was written."""
        from .. import Message, RilletError

        renderer = self.make_renderer()
        run = self.agent.stream(text, history=self.history)
        interrupted = False
        try:
            for event in run:
                renderer.handle(event)
        except KeyboardInterrupt:
            interrupted = True
        except RilletError as exc:
            renderer.finish()
            self.say(f"Error: {exc.message}")
        finally:
            run.close()  # closes the connection of an answer cut short
            renderer.close()
        end = run.end
        if end is not None and end.error is not None:
            self.say(f"Error: {end.error.message}")
        if interrupted:
            self.say("[stopped]")
        added = run.messages
        if added:  # a turn that produced nothing (stopped at once, failed) is not kept
            self.history = [*self.history, Message.user(text), *added]
