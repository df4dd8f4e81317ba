"""Newline-delimited JSON: one JSON value per line."""

from __future__ import annotations

import json
from typing import Any

from .._errors import MalformedFrameError, RemoteProtocolError, TruncatedStreamError
from ._lines import LineSplitter


def quote_bytes(data: bytes, limit: int = 200) -> str:
    """Render ``data`` for an error message, cut to ``limit`` bytes."""
    shown = data[:limit].decode("utf-8", "replace")
    return repr(shown) + (f" … ({len(data)} bytes)" if len(data) > limit else "")


def json_error_reason(error: ValueError) -> str:
    """Why ``json.loads`` refused its input: the syntax error, or the bytes not being UTF-8."""
    return error.msg if isinstance(error, json.JSONDecodeError) else str(error)


class NDJSONParser:
    """Incremental NDJSON parser (sans-IO). Blank lines are skipped.

    A line that is not JSON raises ``RemoteProtocolError`` quoting it — from the *next*
    ``feed()`` or ``close()``, so the values of the lines before it are returned first
    whatever the chunking. At ``close()`` an unterminated last line is parsed too; if it is
    not complete JSON the body was cut, so ``TruncatedStreamError`` is raised.
    """

    __slots__ = ("_lines", "_error")

    def __init__(self) -> None:
        self._lines = LineSplitter()
        self._error: RemoteProtocolError | None = None

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return the JSON values of the lines they complete."""
        if self._error is not None:
            raise self._error
        values = []
        for line in self._lines.feed(data):
            if line.strip():
                try:
                    values.append(_parse(line))
                except RemoteProtocolError as error:
                    self._error = error
                    break
        return values

    def close(self) -> list[Any]:
        """End of input: return the last value if its line had no newline."""
        if self._error is not None:  # a whole bad frame, found before the end: not a cut
            raise MalformedFrameError(self._error.message) from None
        values = []
        for line in self._lines.close():
            if line.strip():
                try:
                    values.append(json.loads(line))
                except ValueError:
                    raise TruncatedStreamError(
                        f"the body ended inside a JSON line: {quote_bytes(line)}"
                    ) from None
        return values


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise RemoteProtocolError(f"malformed JSON line ({json_error_reason(exc)}): {quote_bytes(line)}") from None
