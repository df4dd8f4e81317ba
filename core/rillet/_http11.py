"""HTTP/1.1 for the shared clients' connections, sans-IO: a request's bytes, and a response
parsed from the bytes read off its connection.

:mod:`rillet._http_transport` runs it over sockets, sync and async alike. It does what a
streaming client needs and no more: the request is written whole (its body is in memory),
the response head is parsed once, and the body — ``Content-Length``, chunked or until the
connection closes — is decoded a network read at a time, so all the bytes one read
brought are handed on together. What is malformed or cut short raises
:class:`ProtocolError` naming what was wrong.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import httpcore

__all__ = ["MAX_HEAD", "InvalidRequest", "ProtocolError", "ResponseHead", "ResponseReader", "request_bytes"]

MAX_HEAD = 65536
"""The longest response head accepted (status line and headers)."""

_MAX_LINE = 4096  # the longest chunk-size or trailer line accepted
_HEADER_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_valid_names: set[bytes] = set()  # header names already checked (a process sends few distinct ones)


class ProtocolError(httpcore.RemoteProtocolError):
    """The server broke HTTP/1.1, or closed the connection in the middle of a response
    (httpcore's error, which httpx raises as ``httpx.RemoteProtocolError``)."""


class InvalidRequest(httpcore.LocalProtocolError):
    """A request that cannot be written (httpx raises it as ``httpx.LocalProtocolError``)."""


class ResponseHead(NamedTuple):
    """A response's status line and headers."""

    version: bytes
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]


def request_bytes(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A request as written on the connection: its head (``headers`` include ``Host`` and
    the body's length) and its body.

    Raises :class:`InvalidRequest` for a header that would break the head (a line break in
    a value, a name that is not a token).
    """
    parts = [method, b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        if name not in _valid_names:
            if not _HEADER_NAME.fullmatch(name):
                raise InvalidRequest(f"invalid header name {name!r}")
            if len(_valid_names) < 1024:
                _valid_names.add(name)
        if b"\n" in value or b"\r" in value or b"\0" in value:
            raise InvalidRequest(f"the value of header {name.decode('latin-1')!r} has a line break")
        parts += (name, b": ", value, b"\r\n")
    parts += (b"\r\n", body)
    return b"".join(parts)


# body states
_HEAD = 0  # reading the head
_LENGTH = 1  # a Content-Length body: ``_left`` bytes to go
_SIZE = 2  # a chunked body, at a chunk-size line
_DATA = 3  # inside a chunk: ``_left`` bytes to go
_CHUNK_END = 4  # at the line break after a chunk's data
_TRAILERS = 5  # after the last chunk: trailer lines until an empty one
_UNTIL_CLOSE = 6  # a body that ends with the connection
_DONE = 7  # the response is complete


class ResponseReader:
    """One response, fed the bytes read off its connection.

    :attr:`head` is set once the head is complete (informational ``1xx`` answers before it
    are skipped); :meth:`body` hands over the body bytes decoded so far; :attr:`complete`
    says the body ended, and :attr:`reusable` whether the connection may carry another
    request after it.

    Args:
        method: the request's method (a ``HEAD`` request's answer has no body).
    """

    __slots__ = ("head", "complete", "_state", "_pending", "_left", "_body", "_keep_alive", "_extra", "_head_request")

    def __init__(self, method: bytes = b"GET") -> None:
        self.head: ResponseHead | None = None
        self.complete = False
        self._state = _HEAD
        self._pending = b""  # an unfinished head or line, kept for the next read
        self._left = 0
        self._body: list[bytes] = []
        self._keep_alive = False
        self._extra = False  # bytes came after the response: the connection is not reusable
        self._head_request = method == b"HEAD"

    @property
    def reusable(self) -> bool:
        """Whether the connection may carry the next request (the response is complete, the
        server keeps the connection open and sent nothing after it)."""
        return self.complete and self._keep_alive and not self._extra

    def spoil(self) -> None:
        """The connection cannot carry another request after this response (writing the
        request to it failed)."""
        self._extra = True

    def body(self) -> bytes:
        """The body bytes decoded since the last call."""
        body = self._body
        if not body:
            return b""
        data = body[0] if len(body) == 1 else b"".join(body)
        body.clear()
        return data

    def feed(self, data: bytes) -> None:
        """Parse ``data``, the next bytes read off the connection."""
        if self._pending:
            data, self._pending = self._pending + data, b""
        state = self._state
        position, end = 0, len(data)
        while position < end:
            if state == _DATA or state == _LENGTH:
                take = self._left if self._left < end - position else end - position
                self._body.append(data[position : position + take] if take < end or position else data)
                position += take
                self._left -= take
                if not self._left:
                    state = _CHUNK_END if state == _DATA else self._finish()
            elif state == _SIZE:
                line_end = data.find(b"\n", position)
                if line_end < 0:
                    self._wait(data[position:], _MAX_LINE, "a chunk-size line")
                    break
                self._left = _chunk_size(data[position:line_end])
                position = line_end + 1
                state = _DATA if self._left else _TRAILERS
            elif state == _CHUNK_END:
                if data[position : position + 2] == b"\r\n":
                    position += 2
                elif data[position : position + 1] == b"\n":
                    position += 1
                elif data[position:] == b"\r":
                    self._pending = b"\r"
                    break
                else:
                    raise ProtocolError(f"a chunk of the body is longer than its size line said: {_quote(data[position:])}")
                state = _SIZE
            elif state == _UNTIL_CLOSE:
                self._body.append(data[position:] if position else data)
                break
            elif state == _HEAD:
                position, state = self._read_head(data, position)  # (an unfinished head waits: position is the end)
            elif state == _TRAILERS:
                line_end = data.find(b"\n", position)
                if line_end < 0:
                    self._wait(data[position:], _MAX_LINE, "a trailer line")
                    break
                line = data[position:line_end]
                position = line_end + 1
                if line in (b"", b"\r"):
                    state = self._finish()
            else:  # _DONE: a server that sends more than its response
                self._extra = True
                break
        self._state = state

    def feed_eof(self) -> None:
        """The server closed the connection: the end of a body read until then, an error
        for a response not complete."""
        state = self._state
        if state == _DONE:
            return
        if state == _UNTIL_CLOSE:
            self._keep_alive = False
            self._state = self._finish()
            return
        if state == _HEAD:
            if self._pending:
                raise ProtocolError(f"the server closed the connection in the middle of the response head: {_quote(self._pending)}")
            raise ProtocolError("the server disconnected without sending a response")
        if state == _LENGTH:
            raise ProtocolError(f"the server closed the connection {self._left} bytes before the end of the body")
        raise ProtocolError("the server closed the connection in the middle of the chunked body")

    def _finish(self) -> int:
        self.complete = True
        return _DONE

    def _wait(self, rest: bytes, limit: int, what: str) -> None:
        """Keep ``rest`` (an unfinished head or line) for the next read, unless it is too long."""
        if len(rest) > limit:
            raise ProtocolError(f"{what} longer than {limit} bytes: {_quote(rest)}")
        self._pending = rest

    def _read_head(self, data: bytes, position: int) -> tuple[int, int]:
        """Parse a head at ``position``: where the rest starts and the next state."""
        head_end = data.find(b"\r\n\r\n", position)
        skip = 4
        if head_end < 0:
            head_end, skip = data.find(b"\n\n", position), 2
            if head_end < 0:
                self._wait(data[position:], MAX_HEAD, "a response head")
                return len(data), _HEAD
        lines = data[position:head_end].replace(b"\r\n", b"\n").split(b"\n")
        head = _parse_head(lines)
        position = head_end + skip
        if 100 <= head.status < 200:
            if head.status == 101:
                raise ProtocolError("the server switched protocols (101), which was not asked for")
            return position, _HEAD  # informational: the response follows
        self.head = head
        return position, self._body_state(head)

    def _body_state(self, head: ResponseHead) -> int:
        """How the body of ``head`` is framed."""
        connection = b""
        transfer_encoding = None
        lengths: set[bytes] = set()
        for name, value in head.headers:
            lowered = name.lower()
            if lowered == b"content-length":
                lengths.update(part.strip() for part in value.split(b","))
            elif lowered == b"transfer-encoding":
                transfer_encoding = value.lower()
            elif lowered == b"connection":
                connection += b"," + value.lower()
        tokens = {token.strip() for token in connection.split(b",")}
        self._keep_alive = b"close" not in tokens if head.version == b"HTTP/1.1" else b"keep-alive" in tokens
        if self._head_request or head.status in (204, 304):
            return self._finish()
        if transfer_encoding is not None:
            if transfer_encoding.rsplit(b",", 1)[-1].strip() == b"chunked":
                return _SIZE
            self._keep_alive = False
            return _UNTIL_CLOSE
        if lengths:
            if len(lengths) > 1 or not all(length.isdigit() for length in lengths):
                raise ProtocolError(f"the response has an invalid Content-Length: {b', '.join(sorted(lengths)).decode('latin-1')!r}")
            self._left = int(lengths.pop())
            return _LENGTH if self._left else self._finish()
        self._keep_alive = False
        return _UNTIL_CLOSE


def _parse_head(lines: list[bytes]) -> ResponseHead:
    """A head's status line and header lines, parsed."""
    status_line = lines[0]
    version, _, rest = status_line.partition(b" ")
    status, _, reason = rest.partition(b" ")
    if not version.startswith(b"HTTP/1.") or len(status) != 3 or not status.isdigit():
        raise ProtocolError(f"the server did not answer in HTTP/1.x: {_quote(status_line)}")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:  # an obsolete folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip(b" \t"))
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _HEADER_NAME.fullmatch(name):
            raise ProtocolError(f"the response has a malformed header line: {_quote(line)}")
        headers.append((name, value.strip(b" \t")))
    return ResponseHead(version, int(status), reason, headers)


def _chunk_size(line: bytes) -> int:
    """The size on a chunk-size line (extensions ignored)."""
    digits = line.split(b";", 1)[0].strip(b" \t\r")
    if not digits or len(digits) > 16 or digits.strip(b"0123456789abcdefABCDEF"):
        shown = _quote(line.rstrip(b"\r"))
        raise ProtocolError(f"the chunked body has a malformed chunk-size line: {shown}")
    return int(digits, 16)


def _quote(data: bytes) -> str:
    """``data`` for an error message (its first 60 bytes)."""
    return repr(data[:60]) + ("…" if len(data) > 60 else "")
