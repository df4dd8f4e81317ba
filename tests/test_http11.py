"""HTTP/1.1 of the shared clients, sans-IO: the bytes of a request, and responses parsed
from whatever pieces the network delivers them in."""

from __future__ import annotations

import random
from typing import Any

import h11
import httpx
import pytest

from rillet._http11 import MAX_HEAD, InvalidRequest, ProtocolError, ResponseReader, request_bytes

CHUNKED = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    b"d\r\ndata: hello\n\n\r\n"
    b"e;name=value\r\ndata: world!\n\n\r\n"
    b"0\r\nx-trailer: yes\r\n\r\n"
)
SIZED = b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\ncontent-type: application/json\r\n\r\n{\"ok\":true}"


def read(pieces: list[bytes], method: bytes = b"POST") -> tuple[ResponseReader, list[bytes]]:
    """Feed ``pieces`` as successive network reads; the reader and the body each read gave."""
    reader = ResponseReader(method)
    bodies = []
    for piece in pieces:
        reader.feed(piece)
        bodies.append(reader.body())
    return reader, bodies


def every_split(data: bytes) -> list[list[bytes]]:
    return [[data[:cut], data[cut:]] for cut in range(1, len(data))] + [[data[i : i + 1] for i in range(len(data))]]


@pytest.mark.parametrize("response, body", [(CHUNKED, b"data: hello\n\ndata: world!\n\n"), (SIZED, b'{"ok":true}')])
def test_a_body_is_the_same_however_the_network_splits_it(response: bytes, body: bytes) -> None:
    for pieces in every_split(response):
        reader, bodies = read(pieces)
        assert reader.head is not None and reader.head.status == 200
        assert b"".join(bodies) == body, pieces
        assert reader.complete and reader.reusable


def test_every_chunk_one_read_brought_is_handed_on_together() -> None:
    reader, bodies = read([CHUNKED])
    assert bodies == [b"data: hello\n\ndata: world!\n\n"]


def test_the_head_keeps_its_status_reason_version_and_headers_in_order() -> None:
    reader, _ = read([b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nx-a: 1\r\nX-A: 2\r\ncontent-length: 0\r\n\r\n"])
    assert reader.head == (b"HTTP/1.1", 429, b"Too Many Requests", [(b"Retry-After", b"3"), (b"x-a", b"1"), (b"X-A", b"2"), (b"content-length", b"0")])
    assert reader.complete


def test_informational_answers_before_the_response_are_skipped() -> None:
    reader, bodies = read([b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n", SIZED])
    assert reader.head is not None and reader.head.status == 200 and b"".join(bodies) == b'{"ok":true}'


def test_a_body_without_length_or_chunks_ends_with_the_connection_which_is_then_not_reused() -> None:
    reader, bodies = read([b"HTTP/1.1 200 OK\r\n\r\npart one ", b"part two"])
    assert not reader.complete
    reader.feed_eof()
    assert b"".join(bodies) == b"part one part two" and reader.complete and not reader.reusable


@pytest.mark.parametrize(
    "head, method",
    [(b"HTTP/1.1 204 No Content\r\n\r\n", b"POST"), (b"HTTP/1.1 304 Not Modified\r\n\r\n", b"GET"), (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", b"HEAD")],
)
def test_answers_that_have_no_body_are_complete_with_their_head(head: bytes, method: bytes) -> None:
    reader, bodies = read([head], method)
    assert reader.complete and reader.reusable and bodies == [b""]


@pytest.mark.parametrize(
    "head, reusable",
    [
        (b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\ncontent-length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", True),
    ],
)
def test_a_connection_is_reused_only_when_the_server_keeps_it_open(head: bytes, reusable: bool) -> None:
    reader, _ = read([head])
    assert reader.complete and reader.reusable is reusable


def test_bytes_after_the_response_make_the_connection_unusable() -> None:
    reader, bodies = read([SIZED + b"HTTP/1.1 200 OK\r\n"])
    assert b"".join(bodies) == b'{"ok":true}' and reader.complete and not reader.reusable


def test_bare_line_feeds_are_accepted() -> None:
    reader, bodies = read([b"HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n5\nhello\n0\n\n"])
    assert b"".join(bodies) == b"hello" and reader.complete


def test_a_folded_header_line_joins_the_header_before_it() -> None:
    reader, _ = read([b"HTTP/1.1 200 OK\r\nx-long: one\r\n  two\r\ncontent-length: 0\r\n\r\n"])
    assert reader.head is not None and reader.head.headers[0] == (b"x-long", b"one two")


@pytest.mark.parametrize(
    "pieces, message",
    [
        ([], "disconnected without sending a response"),
        ([b"HTTP/1.1 200 OK\r\ncontent-"], "in the middle of the response head: b'HTTP/1.1 200 OK\\r\\ncontent-'"),
        ([SIZED[:-4]], "4 bytes before the end of the body"),
        ([CHUNKED[:120]], "in the middle of the chunked body"),
    ],
)
def test_a_connection_closed_before_the_response_ended_is_an_error_saying_where(pieces: list[bytes], message: str) -> None:
    reader, _ = read(pieces)
    with pytest.raises(ProtocolError, match=message.replace("\\", "\\\\").replace("(", r"\(").replace("[", r"\[")):
        reader.feed_eof()


def test_the_body_read_before_the_connection_broke_is_still_handed_over() -> None:
    reader, bodies = read([CHUNKED[:100]])
    assert b"".join(bodies) == b"data: hello\n\n"
    with pytest.raises(ProtocolError):
        reader.feed_eof()


@pytest.mark.parametrize(
    "response, message",
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "did not answer in HTTP/1.x: b'SSH-2.0-OpenSSH_9.6'"),
        (b"HTTP/1.1 2OO OK\r\n\r\n", "did not answer in HTTP/1.x"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line: b'no colon here'"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n", "invalid Content-Length: '3, 4'"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", "invalid Content-Length"),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "switched protocols"),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", "malformed chunk-size line: b'zz'"),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n", "longer than its size line said: b'c\\\\r\\\\n'"),
    ],
)
def test_a_malformed_response_is_an_error_quoting_what_was_wrong(response: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read([response])


def test_a_head_longer_than_the_limit_is_refused_before_it_ends() -> None:
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\n")
    with pytest.raises(ProtocolError, match=f"response head longer than {MAX_HEAD} bytes"):
        for _ in range(MAX_HEAD // 16 + 1):
            reader.feed(b"x-padding: 12345\r\n"[:16])


def written(request: httpx.Request) -> bytes:
    return request_bytes(request.method.encode(), request.url.raw_path, request.headers.raw, request.content)


def test_a_request_is_its_head_then_its_body() -> None:
    request = httpx.Request("POST", "http://example.test:8080/v1/chat?x=1", headers={"authorization": "Bearer k"}, content=b'{"a":1}')
    head, _, body = written(request).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/chat?x=1 HTTP/1.1"
    assert b"Host: example.test:8080" in lines and b"authorization: Bearer k" in lines and b"Content-Length: 7" in lines
    assert body == b'{"a":1}'


@pytest.mark.parametrize("headers", [{"x-evil": "a\r\nx-injected: 1"}, {"x-evil": "a\nb"}, {"bad name": "v"}, {"x:y": "v"}])
def test_a_header_that_would_break_the_request_head_is_refused(headers: dict[str, str]) -> None:
    request = httpx.Request("GET", "http://example.test/", headers=headers)
    with pytest.raises(InvalidRequest):
        written(request)


# What h11 makes of the same bytes: the reader must agree with it on every shape a server
# may send (chunked with extensions and trailers, 1xx, 204, HEAD, Content-Length, cut,
# malformed), however the network splits the bytes.

POST = (b"POST", [("host", "x"), ("content-length", "2")])
HEAD = (b"HEAD", [("host", "x")])


def chunked(body_parts: list[bytes], *, extensions: bool = False, trailers: bytes = b"") -> bytes:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x%s\r\n%s\r\n" % (len(part), b";name=value" if extensions else b"", part) for part in body_parts)
    return head + chunks + b"0\r\n" + trailers + b"\r\n"


def by_h11(request: tuple[bytes, list[tuple[str, str]]], reads: list[bytes]) -> tuple[Any, ...]:
    """``("ok", status, headers, body)``, or ``("failed", body so far)``, as h11 reads it."""
    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method=request[0], target=b"/", headers=request[1]))
    if request[0] == b"POST":
        connection.send(h11.Data(data=b"{}"))
    connection.send(h11.EndOfMessage())
    head, body = None, b""
    try:
        for data in [*reads, b""]:
            connection.receive_data(data)
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    break
                if isinstance(event, h11.Response):
                    head = (event.status_code, [(name.lower(), value) for name, value in event.headers])
                elif isinstance(event, h11.Data):
                    body += bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    assert head is not None
                    return ("ok", *head, body)
    except h11.RemoteProtocolError:
        pass
    return ("failed", body)


def by_reader(request: tuple[bytes, list[tuple[str, str]]], reads: list[bytes]) -> tuple[Any, ...]:
    reader, body = ResponseReader(request[0]), b""
    try:
        for data in reads:
            reader.feed(data)
            body += reader.body()
            if reader.complete:
                break
        else:
            reader.feed_eof()
            body += reader.body()
    except ProtocolError:
        return ("failed", body + reader.body())
    assert reader.head is not None
    return ("ok", reader.head.status, [(name.lower(), value) for name, value in reader.head.headers], body)


def splits(data: bytes, rng: random.Random) -> list[bytes]:
    """``data`` cut into reads at random places (single bytes, big blocks, everything between)."""
    reads, position = [], 0
    while position < len(data):
        size = rng.choice([1, 2, 3, 7, 50, 300, 5000, 65536])
        reads.append(data[position : position + size])
        position += size
    return reads


def random_exchange(rng: random.Random) -> tuple[tuple[bytes, list[tuple[str, str]]], bytes]:
    parts = [b'data: {"n": %d, "t": "%s"}\n\n' % (n, b"x" * rng.randrange(0, 40)) for n in range(rng.randrange(1, 40))]
    kind = rng.choice(["chunked", "extensions", "trailers", "continue", "length", "no-content", "head", "empty", "cut", "broken"])
    if kind == "extensions":
        return POST, chunked(parts, extensions=True)
    if kind == "trailers":
        return POST, chunked(parts, trailers=b"x-trailer: yes\r\n")
    if kind == "continue":
        return POST, b"HTTP/1.1 100 Continue\r\n\r\n" + chunked(parts)
    if kind == "length":
        body = b"".join(parts)
        return POST, b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    if kind == "no-content":
        return POST, b"HTTP/1.1 204 No Content\r\n\r\n"
    if kind == "head":
        return HEAD, b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    if kind == "empty":
        return POST, chunked([])
    whole = chunked(parts)
    if kind == "cut":
        return POST, whole[: rng.randrange(1, len(whole) - 1)]
    if kind == "broken":
        at = rng.randrange(100, len(whole) - 1)
        return POST, whole[:at] + rng.choice([b"zz\r\n", b"-5\r\n", b"XX", b"1" * 5000])
    return POST, whole


@pytest.mark.parametrize("seed", range(400))
def test_a_response_of_any_shape_reads_as_h11_reads_it_however_it_is_split(seed: int) -> None:
    rng = random.Random(seed)
    request, data = random_exchange(rng)
    reads = splits(data, rng)
    assert by_reader(request, reads) == by_h11(request, reads)


def test_a_spoiled_connection_is_not_reused_after_a_complete_response() -> None:
    reader, _ = read([SIZED])
    assert reader.reusable
    reader.spoil()
    assert reader.complete and not reader.reusable
