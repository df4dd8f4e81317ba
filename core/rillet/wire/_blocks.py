"""The event walk shared by the formats that stream one content block at a time.

Anthropic Messages and OpenAI Responses both write a sequence of blocks (content blocks,
output items), each opened, filled with deltas and closed before the next one opens, and
a closed block never reopens. rillet events name their block by kind and ``index`` and
may switch between blocks at any time — the argument deltas of parallel tool calls
interleaved 0, 1, 0, 1, text between two deltas of an unfinished call, reasoning after
text — so :class:`BlockEncoder` keeps one block open and follows this rule:

- an event of the open block is written at once;
- text or reasoning may close at any time: an event of another block closes it and opens
  its own (text that comes back to a closed block continues in a new block: the joined
  text is the same);
- a tool call's block closes only with its ``tool_call`` event (or the stream's end or
  error): until then, every event of another block is held, in arrival order, and
  written — in that order — as soon as the call's block closes; an event held again (a
  second unfinished call) keeps its place behind the others. What is held is at most
  the answer itself, and nothing that can be written now waits;
- an ``end`` or ``error`` writes everything held first (the partial answer is kept);
  argument deltas for a call whose ``tool_call`` came already are dropped (the block is
  closed and the call is whole).

Each format supplies what each step writes.
"""

from __future__ import annotations

from typing import Any

from .._events import Usage
from ._common import StreamEncoder, is_refusal

__all__ = ["BlockEncoder"]

#: The kind of block each content event belongs to.
_BLOCK_KINDS = {
    "token": "text",
    "reasoning": "reasoning",
    "tool_call_start": "tool",
    "tool_call_delta": "tool",
    "tool_call": "tool",
}


def _block_of(event: Any) -> tuple[str, int]:
    """The block ``(kind, index)`` of a content event; OpenAI's refusal text (see
    :func:`~rillet.wire._common.is_refusal`) is a ``refusal`` block of its own."""
    kind = _BLOCK_KINDS[event.type]
    if kind == "text" and is_refusal(event.provider_metadata):
        kind = "refusal"
    return kind, event.index


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
        self._tools_seen: set[int] = set()  # calls whose block was opened
        self._tools_done: set[int] = set()  # calls whose ``tool_call`` was written
        self._held: list[Any] = []  # events of other blocks, while a call's block is open
        self._ending = False  # an end or error came: every block may close

    def encode(self, event: Any) -> bytes:
        """The SSE frames for ``event`` (``b""`` when it writes none, as ``usage`` does, or
        when it is held until an open tool call's block closes)."""
        if self.finished or getattr(event, "choice", 0) != 0:  # one answer: alternatives (n > 1) have no place
            return b""
        kind = event.type
        if kind == "start":
            return self._begin_once(event)
        if kind == "usage":  # no frame of its own: usage given before ``start`` goes into the start frame
            self.usage = event.usage
            return b""
        frames = self._begin_once(None)
        if kind == "end":
            if event.usage is not None:
                self.usage = event.usage
            frames += self._end()
            self.finished = True
            frames += self._leave() + self._finish(event)
        elif kind == "error":
            frames += self._end()
            self.finished = True
            frames += self._fail(event)
        elif kind in _BLOCK_KINDS:
            frames += self._place(event) + self._release()
        return frames

    def _begin_once(self, start: Any) -> bytes:
        if self._begun:
            return b""
        self._begun = True
        return self._begin(start)

    def _place(self, event: Any) -> bytes:
        """Write ``event`` now, or hold it when it belongs to another block than the open
        one and that block may not close, or events held before it must go first."""
        block = _block_of(event)
        if self._block != block and (self._held or not self._closable()):
            self._held.append(event)
            return b""
        return self._write(event)

    def _closable(self) -> bool:
        """Whether the open block may close: it is text or reasoning, or its call is whole."""
        if self._block is None or self._ending:
            return True
        kind, index = self._block
        return kind != "tool" or index in self._tools_done

    def _release(self) -> bytes:
        """Write the held events the open block no longer blocks, in their order."""
        frames = b""
        while self._held and self._closable():
            held, self._held = self._held, []
            for event in held:
                frames += self._place(event)
        return frames

    def _end(self) -> bytes:
        """Write everything held, before an ``end`` or ``error``: each block may close now."""
        self._ending = True
        return self._release()

    def _write(self, event: Any) -> bytes:
        """The frames of one content event, its block entered first."""
        kind, frames = event.type, b""
        if kind == "token":
            if event.text:
                frames += self._enter(*_block_of(event)) + self._text(event.text)
        elif kind == "reasoning":
            if event.text or event.signature:
                frames += self._enter("reasoning", event.index)
                if event.text:
                    frames += self._reasoning_text(event.text)
                if event.signature:
                    frames += self._signature(event.signature)
            if event.data:
                frames += self._reasoning_data(event)
        elif event.index in self._tools_done:
            pass  # the call is whole and its block closed: nothing may follow it
        elif kind == "tool_call_start":
            frames += self._enter("tool", event.index, event.call_id, event.name)
        elif kind == "tool_call_delta":
            frames += self._enter("tool", event.index) + self._arguments(event.arguments_delta)
        else:  # tool_call
            if event.index not in self._tools_seen:
                frames += self._enter("tool", event.index, event.call_id, event.name)
                frames += self._arguments(event.raw_arguments)
            self._tools_done.add(event.index)
            if self._block == ("tool", event.index):
                frames += self._leave()
        return frames

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
