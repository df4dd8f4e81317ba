"""Split a byte stream into lines ending in LF, CR or CRLF, across chunk boundaries."""

from __future__ import annotations

from .._errors import LocalProtocolError

_BOM = b"\xef\xbb\xbf"


class LineSplitter:
    """Incremental line splitter (sans-IO).

    ``feed`` returns the complete lines (without their terminator) found so far; ``close``
    returns the last, unterminated line if there is one. A CR at the end of a chunk ends a
    line at once; an LF starting the next chunk is then taken as the rest of that CRLF.
    A UTF-8 byte-order mark at the very start is dropped when ``strip_bom`` is set.
    """

    __slots__ = ("_fragments", "_skip_lf", "_bom_pending", "_closed")

    def __init__(self, *, strip_bom: bool = True) -> None:
        self._fragments: list[bytes] = []
        self._skip_lf = False
        self._bom_pending = strip_bom
        self._closed = False

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the lines they complete."""
        if self._closed:
            raise LocalProtocolError("feed() called after close(); create a new parser for a new stream")
        if self._bom_pending:
            data = self._strip_bom(data)
            if self._bom_pending:  # still undecided: fewer than three bytes seen
                return []
        if self._skip_lf and data:
            self._skip_lf = False
            if data[:1] == b"\n":
                data = data[1:]
        has_cr = b"\r" in data
        if not has_cr and b"\n" not in data:
            if data:
                self._fragments.append(data)
            return []
        if self._fragments:
            self._fragments.append(data)
            data = b"".join(self._fragments)
            self._fragments = []
        if has_cr:
            if data.endswith(b"\r"):
                self._skip_lf = True
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        rest = lines.pop()
        if rest:
            self._fragments.append(rest)
        return lines

    @property
    def at_line_start(self) -> bool:
        """Whether the next byte fed starts a fresh line (nothing pending, not closed)."""
        return not (self._fragments or self._skip_lf or self._bom_pending or self._closed)

    def close(self) -> list[bytes]:
        """End of input: return the unterminated last line, if any."""
        if self._closed:
            return []
        self._closed = True
        rest = b"".join(self._fragments)
        self._fragments = []
        if self._bom_pending:
            rest = rest[3:] if rest.startswith(_BOM) else rest
        return [rest] if rest else []

    def _strip_bom(self, data: bytes) -> bytes:
        head = b"".join(self._fragments) + data
        if len(head) < 3 and _BOM.startswith(head):
            self._fragments = [head] if head else []
            return b""
        self._bom_pending = False
        self._fragments = []
        return head[3:] if head.startswith(_BOM) else head
