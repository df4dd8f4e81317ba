"""The event walk shared by the formats that stream one content block at a time.

Anthropic Messages and OpenAI Responses both write a sequence of blocks (content blocks,
output items), each opened, filled with deltas and closed before the next one opens.
rillet events name their block by kind and ``index`` and may switch between blocks at
any time, so :class:`BlockEncoder` keeps one block open and closes it when an event
belongs elsewhere; each format supplies what each step writes. Text or reasoning that
comes back to a closed block continues in a new block (the joined text is the same); a
tool call's block closes with its ``tool_call`` event or when another block opens, so
the argument deltas of parallel calls must not interleave (no provider sends them so).
"""

from __future__ import annotations

from typing import Any

from .._events import Usage
from ._common import StreamEncoder

__all__ = ["BlockEncoder"]


class BlockEncoder(StreamEncoder):
    """Walks rillet events as a sequence of blocks: ``text``, ``reasoning`` and ``tool``.

    Subclasses write the frames: :meth:`_begin` (the stream's first frames),
    :meth:`_open` / :meth:`_close` (a block), :meth:`_text`, :meth:`_reasoning_text`,
    :meth:`_signature`, :meth:`_arguments` (deltas), :meth:`_reasoning_data` (opaque
    reasoning), :meth:`_finish` (an ``end`` event) and :meth:`_fail` (an ``error``).
    """

    def __init__(self) -> None:
        self.finished = False
        self.usage: Usage | None = None
        self._begun = False
        self._block: tuple[str, int] | None = None  # the open block: (kind, rillet index)
        self._tools_seen: set[int] = set()

    def encode(self, event: Any) -> bytes:
        """The SSE frames for ``event`` (``b""`` when it writes none, as ``usage`` does)."""
        if self.finished or getattr(event, "choice", 0) != 0:  # one answer: alternatives (n > 1) have no place
            return b""
        kind = event.type
        if kind == "start":
            return self._begin_once(event)
        frames = self._begin_once(None)
        if kind == "token":
            if event.text:
                frames += self._enter("text", event.index) + self._text(event.text)
        elif kind == "reasoning":
            if event.text or event.signature:
                frames += self._enter("reasoning", event.index)
                if event.text:
                    frames += self._reasoning_text(event.text)
                if event.signature:
                    frames += self._signature(event.signature)
            if event.data:
                frames += self._reasoning_data(event)
        elif kind == "tool_call_start":
            frames += self._enter("tool", event.index, event.call_id, event.name)
        elif kind == "tool_call_delta":
            frames += self._enter("tool", event.index) + self._arguments(event.arguments_delta)
        elif kind == "tool_call":
            if event.index not in self._tools_seen:
                frames += self._enter("tool", event.index, event.call_id, event.name)
                frames += self._arguments(event.raw_arguments)
            if self._block == ("tool", event.index):
                frames += self._leave()
        elif kind == "usage":
            self.usage = event.usage
        elif kind == "end":
            if event.usage is not None:
                self.usage = event.usage
            self.finished = True
            frames += self._leave() + self._finish(event)
        elif kind == "error":
            self.finished = True
            frames += self._fail(event)
        return frames

    def _begin_once(self, start: Any) -> bytes:
        if self._begun:
            return b""
        self._begun = True
        return self._begin(start)

    def _enter(self, kind: str, index: int, call_id: str = "", name: str = "") -> bytes:
        """Make ``(kind, index)`` the open block, closing the one open before."""
        if self._block == (kind, index):
            return b""
        frames = self._leave()
        if kind == "tool":
            self._tools_seen.add(index)
        self._block = (kind, index)
        return frames + self._open(kind, call_id, name)

    def _leave(self) -> bytes:
        """Close the open block, if any."""
        if self._block is None:
            return b""
        self._block = None
        return self._close()

    # what a format writes ---------------------------------------------------------------

    def _begin(self, start: Any) -> bytes:
        raise NotImplementedError

    def _open(self, kind: str, call_id: str, name: str) -> bytes:
        raise NotImplementedError

    def _close(self) -> bytes:
        raise NotImplementedError

    def _text(self, text: str) -> bytes:
        raise NotImplementedError

    def _reasoning_text(self, text: str) -> bytes:
        raise NotImplementedError

    def _signature(self, signature: str) -> bytes:
        raise NotImplementedError

    def _arguments(self, arguments: str) -> bytes:
        raise NotImplementedError

    def _reasoning_data(self, event: Any) -> bytes:
        raise NotImplementedError

    def _finish(self, end: Any) -> bytes:
        raise NotImplementedError

    def _fail(self, error: Any) -> bytes:
        raise NotImplementedError
