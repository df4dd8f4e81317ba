"""A whole JSON body: the answer to a non-streaming request (``stream: false``)."""

from __future__ import annotations

import json
from typing import Any

from .._errors import LocalProtocolError, RemoteProtocolError, TruncatedStreamError
from ._ndjson import quote_bytes

__all__ = ["JSONBodyParser"]


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
