"""A whole JSON body: the answer to a non-streaming request (``stream: false``), and telling
such a body from an event stream by its first byte."""

from __future__ import annotations

import json
from typing import Any

from .._errors import LocalProtocolError, RemoteProtocolError, TruncatedStreamError
from ._ndjson import quote_bytes

__all__ = ["BodyKind", "JSONBodyParser"]

_BLANK = b" \t\r\n\xef\xbb\xbf"  # whitespace, and the bytes of a UTF-8 BOM
_EVENT_STREAM_STARTS = frozenset((b"d", b"e", b"i", b"r", b":"))  # data, event, id, retry, a comment


class BodyKind:
    """Tells one JSON value (``{`` or ``[`` first) from an event stream (a field name or
    ``:`` first) by the body's first byte that is not blank; any other byte (an HTML error
    page) leaves the guess as it was.

    ``json`` starts as the caller's guess (from the request's ``stream`` field, say) and is
    settled by the body itself, so a server that answers a streaming request with a JSON
    object (an error), or a recording whose request says nothing, still decodes. Feed every
    chunk through :meth:`feed` until :attr:`known`.
    """

    __slots__ = ("json", "known", "first", "_head")

    def __init__(self, json: bool = False) -> None:
        self.json = json
        self.known = False
        #: The body's first byte that is not blank (``b""`` until it arrives).
        self.first = b""
        self._head = b""

    def feed(self, data: bytes) -> bytes:
        """``data`` with the blank bytes held back before it, once the kind is known; ``b""`` before."""
        data = self._head + data
        first = data.lstrip(_BLANK)[:1]
        if not first:
            self._head = data
            return b""
        self._head = b""
        self.known = True
        self.first = first
        if first in (b"{", b"["):
            self.json = True
        elif first in _EVENT_STREAM_STARTS:
            self.json = False
        return data


class JSONBodyParser:
    """Collects a JSON body fed in chunks of any size; ``close()`` parses it once.

    ``close()`` raises ``TruncatedStreamError`` when the body stops before its JSON value
    is complete (the parser ran out of text), ``RemoteProtocolError`` when it is not JSON.
    """

    __slots__ = ("_buffer", "_closed")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._closed = False

    def feed(self, data: bytes) -> list[Any]:
        """Keep ``data``; a whole body has no items before its end."""
        if self._closed:
            raise LocalProtocolError("feed() called after close(); create a new parser for a new body")
        self._buffer += data
        return []

    def close(self) -> Any:
        """The parsed body (``None`` for an empty one)."""
        self._closed = True
        text = bytes(self._buffer).decode("utf-8", "replace").strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if _cut_short(text, exc):
                raise TruncatedStreamError(f"the JSON body ended before its value was complete ({exc.msg})") from None
            raise RemoteProtocolError(
                f"the body is not JSON ({exc.msg} at character {exc.pos}): {quote_bytes(bytes(self._buffer))}"
            ) from None


_TOKEN_ENDS = frozenset(" \t\r\n,:]}")


def _cut_short(text: str, error: json.JSONDecodeError) -> bool:
    """Whether ``text`` fails only because it stops early: the parser ran out of text, or
    what is left at the error is the start of a token the body ends inside (``tr``,
    ``"\\u00``, ``1.``)."""
    if error.msg.startswith("Unterminated") or error.pos >= len(text) - 1:
        return True
    rest = text[error.pos :]
    return len(rest) <= 6 and not _TOKEN_ENDS.intersection(rest)
