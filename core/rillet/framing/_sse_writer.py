"""Server-sent events, written: the inverse of :class:`SSEParser` (WHATWG §9.2)."""

from __future__ import annotations

from .._errors import LocalProtocolError

__all__ = ["encode_sse_comment", "encode_sse_event"]


def encode_sse_event(data: str, *, event: str | None = None, id: str | None = None) -> bytes:
    """One complete SSE event, ready to write and flush.

    ``data`` may hold line breaks: each line becomes its own ``data:`` field, so a reader
    joins them back with LF. ``event`` and ``id`` are single-line; a line break in them
    raises ``LocalProtocolError`` (it would inject a field).
    """
    head = ""
    for name, value in (("event", event), ("id", id)):
        if value is not None:
            if "\n" in value or "\r" in value:
                raise LocalProtocolError(f"an SSE {name} cannot contain a line break: {value!r}")
            head += f"{name}: {value}\n"
    if "\n" in data or "\r" in data:
        lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        body = "".join(f"data: {line}\n" for line in lines)
    else:
        body = f"data: {data}\n"
    return f"{head}{body}\n".encode()


def encode_sse_comment(text: str = "") -> bytes:
    """An SSE comment (``: text``), which readers skip: the keep-alive of a quiet stream."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return ("".join(f": {line}\n" if line else ":\n" for line in lines) + "\n").encode()
