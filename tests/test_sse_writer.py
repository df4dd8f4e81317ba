"""SSE writing (``rillet.framing.encode_sse_event`` / ``encode_sse_comment``): what is
written, the SSE reader reads back the same."""

from __future__ import annotations

import pytest

from rillet import LocalProtocolError
from rillet.framing import SSEParser, encode_sse_comment, encode_sse_event


@pytest.mark.parametrize(
    ("data", "event", "id"),
    [("{}", None, None), ("a\nb", "message_start", "7"), ("x\r\ny\rz", "e", None), ("", None, None), ("é ✓", None, None)],
)
def test_what_is_written_reads_back(data: str, event: str | None, id: str | None) -> None:
    frame = encode_sse_event(data, event=event, id=id)
    parsed = SSEParser().feed(frame)
    expected = data.replace("\r\n", "\n").replace("\r", "\n")
    assert [(item.event, item.data, item.id) for item in parsed] == [(event or "message", expected, id)] or (
        data == "" and parsed == []  # an empty data field dispatches nothing (WHATWG)
    )
    assert frame.endswith(b"\n\n")


def test_a_single_line_event_is_the_usual_frame() -> None:
    assert encode_sse_event('{"a":1}', event="ping") == b'event: ping\ndata: {"a":1}\n\n'


@pytest.mark.parametrize("field", ["event", "id"])
def test_a_line_break_in_a_field_is_refused(field: str) -> None:
    with pytest.raises(LocalProtocolError, match=field):
        encode_sse_event("{}", **{field: "a\ndata: injected"})


def test_a_comment_is_skipped_by_the_reader() -> None:
    parser = SSEParser()
    assert encode_sse_comment("keep\nalive") == b": keep\n: alive\n\n"
    assert encode_sse_comment() == b":\n\n"
    assert parser.feed(encode_sse_comment("x") + encode_sse_event("1")) == [("message", "1", None, None)]
