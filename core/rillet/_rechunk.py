"""Chunked response bodies re-framed as one chunk per network read, before h11 parses them.

Streaming APIs send one HTTP chunk per event, often a few dozen bytes each, and h11 spends
about 5 µs on every chunk (a state machine step, an event object, httpcore's exception
mapping around it) — more than rillet spends decoding the event inside. Chunk boundaries
carry no meaning in HTTP (an intermediary may re-chunk a body freely), so the connections
of rillet's shared clients rewrite, on the way in, every run of chunks that one read
brought into a single chunk holding the same bytes. h11 still parses a valid body, checks
its end and keeps the connection reusable; it only has fewer pieces to handle.

:class:`Rechunker` is sans-IO, shared by the sync and async network streams. It follows
the connection: each request written makes it expect a response head, which it hands on
untouched; a ``Transfer-Encoding: chunked`` body is re-framed up to its last chunk, after
which the rest (trailers, the final blank line) is handed on as it came. Anything it does
not expect — a head too large, a malformed chunk line, not HTTP/1.x — is handed on as it
came too, for h11 to judge. Data is never held back: only an unfinished head, chunk-size
line or CRLF waits for the next read, none of which h11 could use yet either.
"""

from __future__ import annotations

__all__ = ["Rechunker"]

_MAX_HEAD = 65536  # a longer response head is left to h11 (which refuses it)
_MAX_SIZE_LINE = 1024  # a longer chunk-size line (extensions included) is left to h11

_IDLE = 0  # handing bytes on as they come (no request yet, a body not re-framed, after the last chunk)
_HEAD = 1  # reading a response head
_SIZE = 2  # at a chunk-size line
_DATA = 3  # inside a chunk's data
_CRLF = 4  # at the CRLF after a chunk's data


class Rechunker:
    """Re-frames the chunked response bodies read off one HTTP/1.1 connection."""

    __slots__ = ("_state", "_pending", "_left", "_head_request")

    def __init__(self) -> None:
        self._state = _IDLE
        self._pending = b""  # an unfinished head, chunk-size line or CRLF, not handed on yet
        self._left = 0  # data bytes left in the current chunk
        self._head_request = False

    def sent(self, data: bytes) -> None:
        """Note bytes written to the connection: a new request's response comes next."""
        if self._state == _IDLE:
            self._state = _HEAD
            self._head_request = data[:5] == b"HEAD "

    def received(self, data: bytes) -> bytes:
        """The bytes to hand to h11 for ``data`` (not empty) read off the connection, or
        ``b""`` when all of it waits for more: read again (at the end of the connection,
        :meth:`flush` hands on what waited)."""
        if self._state == _IDLE:
            return data
        if self._pending:
            data, self._pending = self._pending + data, b""
        out: list[bytes] = []
        body: list[bytes] = []  # chunk data of this read, handed on as one chunk
        state = self._state
        position, end = 0, len(data)
        while position < end:
            if state == _DATA:
                take = self._left if self._left < end - position else end - position
                body.append(data[position : position + take])
                position += take
                self._left -= take
                if not self._left:
                    state = _CRLF
            elif state == _SIZE:
                line_end = data.find(b"\r\n", position)
                if line_end < 0:
                    state = self._wait(data[position:], _MAX_SIZE_LINE, state, out, body)
                    break
                size = _chunk_size(data[position:line_end])
                if size is None:
                    state = _give_up(out, body, data[position:])
                    break
                if size == 0:  # the last chunk: trailers and the end follow as they are
                    state = _give_up(out, body, data[position:])
                    break
                self._left = size
                position = line_end + 2
                state = _DATA
            elif state == _CRLF:
                if end - position < 2:
                    if data[position:] != b"\r"[: end - position]:
                        state = _give_up(out, body, data[position:])
                    else:
                        self._pending = data[position:]
                    break
                if data[position : position + 2] != b"\r\n":
                    state = _give_up(out, body, data[position:])
                    break
                position += 2
                state = _SIZE
            else:  # _HEAD
                head_end = data.find(b"\r\n\r\n", position)
                if head_end < 0:
                    state = self._wait(data[position:], _MAX_HEAD, state, out, body)
                    break
                head_end += 4
                out.append(data[position:head_end])
                state = self._after_head(data[position:head_end])
                position = head_end
                if state == _IDLE:
                    out.append(data[position:])
                    break
        self._state = state
        _flush(out, body)
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)

    def _wait(self, rest: bytes, limit: int, state: int, out: list[bytes], body: list[bytes]) -> int:
        """Keep ``rest``, an unfinished line, for the next read — or past ``limit`` bytes
        hand it on and stop re-framing."""
        if len(rest) > limit:
            return _give_up(out, body, rest)
        self._pending = rest
        return state

    def _after_head(self, head: bytes) -> int:
        """What follows a response head: another head (1xx), a chunked body, or anything else."""
        if not head.startswith(b"HTTP/1."):
            return _IDLE
        status = head[9:12]
        if status[:1] == b"1" and status != b"101":
            return _HEAD  # informational: the real response follows
        if self._head_request or status in (b"204", b"304") or status[:1] == b"1":
            return _IDLE
        for line in head.split(b"\r\n")[1:]:
            name, colon, value = line.partition(b":")
            if colon and name.strip().lower() == b"transfer-encoding":
                return _SIZE if value.lower().rsplit(b",", 1)[-1].strip() == b"chunked" else _IDLE
        return _IDLE

    def flush(self) -> bytes:
        """What waits for more, handed on as it came (the connection ended)."""
        pending, self._pending = self._pending, b""
        self._state = _IDLE
        return pending


def _give_up(out: list[bytes], body: list[bytes], rest: bytes) -> int:
    """Hand the data gathered and then ``rest`` on untouched; stop re-framing."""
    _flush(out, body)
    out.append(rest)
    return _IDLE


def _chunk_size(line: bytes) -> int | None:
    """The size on a chunk-size line (extensions ignored), or ``None`` if it is not one."""
    digits = line.split(b";", 1)[0].strip(b" \t")
    if not digits or len(digits) > 16 or digits.strip(b"0123456789abcdefABCDEF"):
        return None
    return int(digits, 16)


def _flush(out: list[bytes], body: list[bytes]) -> None:
    """Append the chunk data gathered in ``body`` to ``out`` as one chunk."""
    if body:
        data = body[0] if len(body) == 1 else b"".join(body)
        body.clear()
        if data:
            out.append(b"%x\r\n%b\r\n" % (len(data), data))
