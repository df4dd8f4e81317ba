"""Terminal output of event streams: frame-capped flushing and readable rendering.

* On a TTY every token is shown as it arrives, but flushes are capped at
  :data:`MAX_FLUSHES_PER_SECOND`: a very fast stream is coalesced into frames instead of
  one ``write``+``flush`` system call per token. A background timer flushes what is
  pending once the frame is over, so a token is never held back after the stream pauses.
* When piped, text is written to the (buffered) stream and flushed at each line end
  (``--render line``), or per token like a TTY (``--render char``).
* :class:`Renderer` turns events into text: answer text on one writer, reasoning (dimmed
  on a TTY), tool calls, finish reason and usage on the other. ``rillet chat`` sends the
  answer to stdout and the rest to stderr; ``rillet replay`` sends all of it to stdout with
  labels. The output never depends on how the text was split into tokens.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, TextIO

__all__ = [
    "MAX_FLUSHES_PER_SECOND",
    "RENDER_MODES",
    "FrameWriter",
    "Renderer",
    "format_usage",
    "is_tty",
    "terminal_renderer",
    "use_color",
]

#: ``--render``: ``char`` flushes every token (frame-capped), ``line`` each line end,
#: ``auto`` is ``char`` on a terminal and ``line`` in a pipe.
RENDER_MODES = ("auto", "char", "line")
_RESULT_WIDTH = 200
_AGENT_EVENTS = frozenset({"step_start", "tool_result", "step_end", "run_end"})

#: The most flushes per second a TTY gets from a fast stream.
MAX_FLUSHES_PER_SECOND = 60.0

DIM = "\x1b[2m"
RESET = "\x1b[0m"


def is_tty(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def use_color(stream: Any) -> bool:
    """Whether to style ``stream``: a TTY, and ``NO_COLOR`` is not set."""
    return is_tty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


class FrameWriter:
    """Writes text to ``stream``; on a ``live`` stream, flushes at most ``max_fps`` times a second.

    ``live=False`` (a pipe): text goes to the stream's own buffer, flushed by :meth:`close`,
    and at each line end when ``lines`` is set.
    ``live=True`` (a TTY): the first write of a frame is flushed at once; later writes in the
    same frame are held and flushed together when the frame ends (by the next write, or by
    a background thread if no write comes). ``background=False`` turns that thread off
    (tests drive ``clock`` by hand).
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        max_fps: float = MAX_FLUSHES_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
        lines: bool = False,
    ) -> None:
        self.stream = stream
        self.live = live
        self.lines = lines
        self.interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self.clock = clock
        self.flushes = 0
        self.at_line_start = True
        self.wrote = False
        self._pending: list[str] = []
        self._next_flush = float("-inf")
        self._condition = threading.Condition()
        self._background = background and live and self.interval > 0
        self._thread: threading.Thread | None = None
        self._closed = False

    def write(self, text: str) -> None:
        """Write ``text`` (shown within one frame on a live stream)."""
        if not text:
            return
        self.wrote = True
        self.at_line_start = text.endswith("\n")
        if not self.live:
            end = text.rfind("\n") + 1 if self.lines else 0
            if end:  # line mode: whole lines go out now, the rest waits for its line end
                self.stream.write(text[:end])
                self.stream.flush()
            self.stream.write(text[end:])
            return
        with self._condition:
            self._pending.append(text)
            if self.clock() >= self._next_flush:
                self._flush_locked()
            elif self._background:
                self._start_thread()
                self._condition.notify()

    def ensure_newline(self) -> None:
        """End the current line if something was written on it."""
        if not self.at_line_start:
            self.write("\n")

    def flush(self) -> None:
        """Write out everything pending now."""
        if not self.live:
            self.stream.flush()
            return
        with self._condition:
            if self._pending:
                self._flush_locked()

    def close(self) -> None:
        """Flush and stop the background thread."""
        with self._condition:
            self._closed = True
            self._condition.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.live:
            self.flush()
        else:
            try:
                self.stream.flush()
            except ValueError:  # closed by the caller already
                pass

    def _flush_locked(self) -> None:
        data, self._pending = "".join(self._pending), []
        self.stream.write(data)
        self.stream.flush()
        self.flushes += 1
        self._next_flush = self.clock() + self.interval

    def _start_thread(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name="rillet-frame-flusher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with self._condition:
            while not self._closed:
                if not self._pending:
                    self._condition.wait()
                    continue
                delay = self._next_flush - self.clock()
                if delay > 0:
                    self._condition.wait(delay)
                    continue
                try:
                    self._flush_locked()
                except (OSError, ValueError):  # the terminal went away; the main thread reports it
                    self._pending = []


def format_usage(usage: Any, timing: Any = None) -> str:
    """``12 input · 85 output (40 reasoning) tokens · first token 0.21s · 2.30s · 41.2 tokens/s``."""
    parts: list[str] = []
    if usage is not None:
        counts = []
        if usage.input_tokens is not None:
            counts.append(f"{usage.input_tokens} input")
        if usage.output_tokens is not None:
            output = f"{usage.output_tokens} output"
            if usage.reasoning_tokens:
                output += f" ({usage.reasoning_tokens} reasoning)"
            counts.append(output)
        if usage.cache_read_tokens:
            counts.append(f"{usage.cache_read_tokens} cache read")
        if usage.cache_write_tokens:
            counts.append(f"{usage.cache_write_tokens} cache write")
        if counts:
            parts.append(" · ".join(counts) + " tokens" + (" (estimated)" if usage.estimated else ""))
    if not parts:
        parts.append("usage not reported")
    if timing is not None:
        first, duration = timing.time_to_first_token, timing.duration
        if first is not None:
            parts.append(f"first token {first:.2f}s")
        if duration is not None:
            parts.append(f"{duration:.2f}s")
        output_tokens = getattr(usage, "output_tokens", None)
        if output_tokens and duration is not None:
            generating = duration - (first or 0.0)
            if generating > 0:
                parts.append(f"{output_tokens / generating:.1f} tokens/s")
    return " · ".join(parts)


class Renderer:
    """Renders events readably: answer text on ``text``, everything else on ``side``.

    ``dim``: reasoning and notes are dimmed with ANSI codes. ``labels``: every non-text
    part is introduced by a ``[label]`` (``rillet replay``); without labels only what a
    reader of a chat needs is shown (reasoning, tool calls, an unusual finish reason).
    ``text`` and ``side`` may be the same writer.
    """

    def __init__(
        self,
        text: FrameWriter,
        side: FrameWriter,
        *,
        show_reasoning: bool = True,
        dim: bool = False,
        labels: bool = False,
    ) -> None:
        self.text = text
        self.side = side
        self.show_reasoning = show_reasoning
        self.dim = dim
        self.labels = labels
        self.usage: Any = None
        self.timing: Any = None
        self._mode: str | None = None
        self._alternatives: dict[int, list[str]] = {}  # text of choices > 0 (n > 1), shown at the end

    # modes: "text" (answer on self.text), "reasoning" (on self.side), None (between parts)

    def _enter(self, mode: str | None) -> None:
        if mode == self._mode:
            return
        if self._mode == "reasoning":
            if self.dim:
                self.side.write(RESET)
            self.side.ensure_newline()
        elif self._mode == "text" and (self.labels or self.text is self.side or (self.text.live and self.side.live)):
            self.text.ensure_newline()  # on one screen: do not start a note mid-line
        # keep the terminal in order: what went to the other stream shows first
        if mode == "text":
            self.side.flush()
        else:
            self.text.flush()
        self._mode = mode
        if mode == "reasoning":
            if self.labels:
                self.side.write(self._style("[reasoning] "))
            if self.dim:
                self.side.write(DIM)

    def _style(self, text: str) -> str:
        return f"{DIM}{text}{RESET}" if self.dim else text

    def note(self, line: str) -> None:
        """A line on the side writer, outside any text or reasoning."""
        self._enter(None)
        self.side.ensure_newline()
        self.side.write(self._style(line) + "\n")

    def handle(self, event: Any) -> None:
        """Render one event."""
        kind = event.type
        if getattr(event, "choice", 0):
            if kind == "token":
                self._alternatives.setdefault(event.choice, []).append(event.text)
            return
        if kind == "token":
            if event.text:
                self._enter("text")
                self.text.write(event.text)
        elif kind == "reasoning":
            if self.show_reasoning and event.text:
                self._enter("reasoning")
                self.side.write(event.text)
            elif self.labels and event.redacted:
                self.note("[reasoning] (redacted)")
        elif kind == "tool_call":
            arguments = event.raw_arguments or json.dumps(event.arguments, ensure_ascii=False)
            broken = " (arguments are not valid JSON)" if event.arguments_error else ""
            self.note(f"[tool call] {event.name}({arguments}) id={event.call_id}{broken}")
        elif kind == "server_tool":
            if event.kind == "call":
                self.note(f"[server tool] {event.name}({json.dumps(event.arguments, ensure_ascii=False)}) id={event.call_id}")
            else:
                self.note(f"[server tool result] {event.name} for {event.call_id}")
        elif kind == "usage":
            self.usage = event.usage
        elif kind in _AGENT_EVENTS:
            self._agent_event(event)
        elif kind == "start":
            if self.labels:
                described = "/".join(part for part in (event.provider, event.model) if part)
                self.note(f"[start] {described}" + (f" id={event.response_id}" if event.response_id else ""))
                for warning in event.warnings:
                    self.note(f"[warning] {warning}")
        elif kind in ("end", "error"):
            self._terminal(event)

    def _terminal(self, event: Any) -> None:
        """The ``end`` or ``error`` event, after the alternative answers (``n > 1``) if any."""
        for number, pieces in sorted(self._alternatives.items()):
            self.note(f"[choice {number}] {''.join(pieces)}")
        self._alternatives.clear()
        kind = event.type
        if kind == "end":
            self.usage = event.usage or self.usage
            self.timing = event.timing
            raw = f" ({event.raw_finish_reason})" if event.raw_finish_reason else ""
            if self.labels:
                if self.usage is not None:
                    self.note(f"[usage] {format_usage(self.usage)}")
                self.note(f"[end] {event.finish_reason}{raw}")
            elif event.finish_reason not in ("stop", "tool_calls"):
                self.note(f"[finished: {event.finish_reason}{raw}]")
            else:
                self._enter(None)
        elif kind == "error":
            if self.labels:
                if self.usage is not None:
                    self.note(f"[usage] {format_usage(self.usage)}")
                self.note(f"[error] {event.code}: {event.message}")
            else:
                self._enter(None)

    def _agent_event(self, event: Any) -> None:
        """An agent run's own events: tool results, step ends, the step limit."""
        kind = event.type
        if kind == "tool_result":
            content = " ".join(event.content.split())
            if len(content) > _RESULT_WIDTH:
                content = content[: _RESULT_WIDTH - 1] + "…"
            self.note(f"[tool {'error' if event.is_error else 'result'}] {event.name}: {content}")
        elif kind == "step_end":
            self._enter(None)
            self.text.ensure_newline()  # the next step's text starts on a line of its own
        elif kind == "run_end" and event.finish_reason == "max_steps":
            self.note(f"[stopped: the step limit ({event.steps}) was reached]")

    def finish(self) -> None:
        """End the current part: reset styles and end its line; the writers stay open."""
        self._enter(None)
        self.text.ensure_newline()
        self.side.ensure_newline()

    def close(self) -> None:
        """Finish the output: reset styles, end the last line, flush both writers."""
        self._enter(None)
        self.text.ensure_newline()
        self.text.close()
        if self.side is not self.text:
            self.side.close()


def _writer(stream: TextIO, render: str, no_stream: bool) -> FrameWriter:
    tty = is_tty(stream)
    if no_stream:
        return FrameWriter(stream, live=False)
    if render == "auto":
        render = "char" if tty else "line"
    return FrameWriter(stream, live=render == "char", lines=render == "line")


def terminal_renderer(stdout: TextIO, stderr: TextIO, *, render: str = "auto", no_stream: bool = False, show_reasoning: bool = True) -> Renderer:
    """The renderer of ``rillet chat``: the answer on ``stdout``, the rest dimmed on ``stderr``."""
    return Renderer(
        _writer(stdout, render, no_stream),
        _writer(stderr, render, no_stream),
        show_reasoning=show_reasoning,
        dim=use_color(stderr),
    )
