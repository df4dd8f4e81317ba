"""Server-sent events, parsed as the WHATWG HTML standard says (§9.2 "event stream")."""

from __future__ import annotations

from typing import NamedTuple

from ._lines import LineSplitter


class ServerSentEvent(NamedTuple):
    """One dispatched event: ``event`` defaults to ``"message"``; ``data`` lines are joined
    with LF; ``id`` is the last event id seen; ``retry`` the reconnection time, if sent."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


def _new_event(fields: tuple[str, str, str | None, int | None]) -> ServerSentEvent:
    """A ServerSentEvent built at C speed (NamedTuple's own ``__new__`` is Python code)."""
    return tuple.__new__(ServerSentEvent, fields)


class SSEParser:
    """Incremental SSE parser (sans-IO).

    LF, CR and CRLF line ends; ``:`` comment lines (keep-alives) are skipped; ``event``,
    ``data`` (several lines joined with LF), ``id`` (ignored when it holds NUL) and ``retry``
    (digits only) fields; a leading BOM is dropped; unknown fields are ignored.

    Two deliberate departures from the standard, the same for every provider:

    * an event whose data is blank (empty or only whitespace, e.g. ``data:`` alone) is not
      dispatched, whatever its ``event`` name: it carries nothing, servers send it as a
      keep-alive, and a decoder would only choke on it;
    * at ``close()`` an event whose blank line never came is still dispatched, because real
      servers end bodies with ``data: [DONE]\\n`` alone. Whether the stream was complete is
      the provider decoder's judgement (its terminal condition).
    """

    __slots__ = ("_lines", "_data", "_event", "_last_id", "_retry")

    def __init__(self) -> None:
        self._lines = LineSplitter()
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Add bytes; return the events they complete."""
        if data[:6] == b"data: " and data[-2:] == b"\n\n" and not self._data and not self._event:
            # Fast path for the common chunk: exactly one single-line `data:` event, as most
            # servers flush them. Same result as the line-by-line path below.
            value = data[6:-2]
            if b"\n" not in value and b"\r" not in value and self._lines.at_line_start:
                if not value or value.isspace():
                    return []
                return [_new_event(("message", value.decode("utf-8", "replace"), self._last_id, self._retry))]
        return self._process(self._lines.feed(data))

    def close(self) -> list[ServerSentEvent]:
        """End of input: return the last event, if one was pending."""
        events = self._process(self._lines.close())
        if self._data:
            self._dispatch(events)
        return events

    def _process(self, lines: list[bytes]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        for line in lines:
            if line.startswith(b"data:"):
                value = line[6:] if line[5:6] == b" " else line[5:]
                self._data.append(value.decode("utf-8", "replace"))
            elif not line:
                if self._data:
                    self._dispatch(events)
                else:
                    self._event = ""
            elif line[:1] != b":":
                self._field(line.decode("utf-8", "replace"))
        return events

    def _field(self, line: str) -> None:
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self._retry = int(value)

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
        if data and not data.isspace():
            events.append(_new_event((self._event or "message", data, self._last_id, self._retry)))
        self._data = []
        self._event = ""
