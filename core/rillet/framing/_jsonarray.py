"""A JSON array streamed element by element (Gemini's ``streamGenerateContent`` without SSE)."""

from __future__ import annotations

import json
import re
from typing import Any

from .._errors import LocalProtocolError, MalformedFrameError, RemoteProtocolError, TruncatedStreamError
from ._ndjson import json_error_reason, quote_bytes

_SIGNIFICANT = re.compile(rb'[\[\]{}"\\]')


class JSONArrayParser:
    """Incremental parser for ``[ value , value , … ]`` (sans-IO).

    Each element is returned as soon as its closing bracket arrives. Only the structure is
    scanned incrementally; each element is decoded once with ``json.loads``. A body that
    ends before ``]`` raises ``TruncatedStreamError``; bytes that cannot be an array raise
    ``RemoteProtocolError`` — from the *next* ``feed()`` or ``close()``, so the elements
    completed before the bad bytes are returned first whatever the chunking.
    """

    __slots__ = ("_buffer", "_scan", "_depth", "_in_string", "_escape", "_start", "_state", "_closed", "_error")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scan = 0  # next offset of _buffer to scan
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._start = -1  # offset where the current element began
        self._state = "before"  # before → inside → after
        self._closed = False
        self._error: RemoteProtocolError | None = None

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return the elements they complete."""
        if self._closed:
            raise LocalProtocolError("feed() called after close(); create a new parser for a new stream")
        if self._error is not None:
            raise self._error
        self._buffer += data
        values: list[Any] = []
        try:
            self._scan_into(values)
        except RemoteProtocolError as error:
            self._error = error
        return values

    def _scan_into(self, values: list[Any]) -> None:
        buffer = self._buffer
        position = self._scan
        while position < len(buffer):
            if self._state == "before":
                stripped = bytes(buffer[position:]).lstrip(b" \t\r\n\xef\xbb\xbf")
                if not stripped:
                    position = len(buffer)
                    break
                position = len(buffer) - len(stripped)
                if buffer[position : position + 1] != b"[":
                    raise RemoteProtocolError(f"expected a JSON array, got {quote_bytes(stripped)}")
                self._state = "inside"
                position += 1
                continue
            if self._state == "after":
                if bytes(buffer[position:]).strip():
                    raise RemoteProtocolError(
                        f"data after the end of the JSON array: {quote_bytes(bytes(buffer[position:]))}"
                    )
                position = len(buffer)
                break
            if self._depth == 0:
                # Between elements: skip separators, find the next element or the end.
                byte = buffer[position]
                if byte in b" \t\r\n,":
                    position += 1
                    continue
                if byte == ord("]"):
                    self._state = "after"
                    position += 1
                    continue
                if byte not in b"{[":
                    raise RemoteProtocolError(
                        f"expected an object or array element, got {quote_bytes(bytes(buffer[position:]))}"
                    )
                self._start = position
                self._depth = 1
                position += 1
                continue
            if self._escape:  # the byte after a backslash that ended the last chunk
                self._escape = False
                position += 1
                continue
            match = _SIGNIFICANT.search(buffer, position)
            if match is None:
                position = len(buffer)
                break
            position = match.end()
            char = match.group()
            if self._in_string:
                if char == b"\\":
                    self._escape = True  # skip the escaped byte, even if it is a quote
                elif char == b'"':
                    self._in_string = False
                continue
            if char == b'"':
                self._in_string = True
            elif char in (b"{", b"["):
                self._depth += 1
            elif char in (b"}", b"]"):
                self._depth -= 1
                if self._depth == 0:
                    element = bytes(buffer[self._start : position])
                    try:
                        values.append(json.loads(element))
                    except ValueError as exc:
                        raise RemoteProtocolError(
                            f"malformed JSON element ({json_error_reason(exc)}): {quote_bytes(element)}"
                        ) from None
        if self._depth == 0:
            del buffer[:position]
            position = 0
        self._scan = position

    def close(self) -> list[Any]:
        """End of input: raise ``TruncatedStreamError`` unless the array was closed."""
        if self._closed:
            return []
        self._closed = True
        if self._error is not None:  # a whole bad frame, found before the end: not a cut
            raise MalformedFrameError(self._error.message) from None
        if self._state != "after":
            raise TruncatedStreamError("the body ended before the JSON array was closed with ']'")
        return []
