"""Framing layers plugins compose: SSE, NDJSON, a streaming JSON array and a whole JSON body;
and SSE writing.

Each parser is sans-IO: ``feed(bytes)`` returns the complete items found so far and keeps
the rest; ``close()`` says the input ended and returns what was pending. Chunks may split
anywhere — inside a UTF-8 character, a line or a CRLF — without changing the result.
"""

from ._jsonarray import JSONArrayParser
from ._jsonbody import BodyKind, JSONBodyParser
from ._lines import LineSplitter
from ._ndjson import NDJSONParser, quote_bytes
from ._sse import ServerSentEvent, SSEParser
from ._sse_writer import encode_sse_comment, encode_sse_event

__all__ = [
    "BodyKind",
    "JSONArrayParser",
    "JSONBodyParser",
    "LineSplitter",
    "NDJSONParser",
    "SSEParser",
    "ServerSentEvent",
    "encode_sse_comment",
    "encode_sse_event",
    "quote_bytes",
]
