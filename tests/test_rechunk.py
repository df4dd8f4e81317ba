"""Chunked bodies re-framed one chunk per read: h11 must see the same responses — heads,
body bytes, trailers, ends, errors — as from the bytes that arrived, however they were
split into reads, over a connection that serves several responses in turn."""

from __future__ import annotations

import random
from typing import Any, Iterator

import h11
import pytest

from rillet._rechunk import Rechunker

REQUEST = b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"
HEAD_REQUEST = b"HEAD /v1/models HTTP/1.1\r\nhost: x\r\n\r\n"


def chunked(body_parts: list[bytes], *, extensions: bool = False, trailers: bytes = b"", status: bytes = b"200 OK") -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\ncontent-type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x%s\r\n%s\r\n" % (len(part), b";name=value" if extensions else b"", part) for part in body_parts)
    return head + chunks + b"0\r\n" + trailers + b"\r\n"


def parse(exchanges: list[tuple[bytes, list[bytes]]], *, rechunk: bool) -> list[Any]:
    """What h11 makes of each exchange (request bytes, response reads), as plain values."""
    connection = h11.Connection(h11.CLIENT)
    rechunker = Rechunker()
    seen: list[Any] = []
    for request, reads in exchanges:
        method = b"HEAD" if request.startswith(b"HEAD") else b"POST"
        target = b"/v1/models" if method == b"HEAD" else b"/v1/chat/completions"
        headers = [("host", "x")] if method == b"HEAD" else [("host", "x"), ("content-length", "2")]
        connection.send(h11.Request(method=method, target=target, headers=headers))
        if method == b"POST":
            connection.send(h11.Data(data=b"{}"))
        connection.send(h11.EndOfMessage())
        if rechunk:
            rechunker.sent(request)
        body = b""
        ended = False
        try:
            for data, after_end in _handed_to_h11(reads, rechunker if rechunk else None):
                if after_end and not ended:  # recorded: h11 wanted more once the reads had run out
                    ended = True
                    seen.append(("needed the end of the connection",))
                connection.receive_data(data)
                while True:
                    event = connection.next_event()
                    if event is h11.NEED_DATA or event is h11.PAUSED:
                        break
                    if isinstance(event, (h11.Response, h11.InformationalResponse)):
                        seen.append(("head", event.status_code, list(event.headers)))
                    elif isinstance(event, h11.Data):
                        body += bytes(event.data)
                    elif isinstance(event, h11.EndOfMessage):
                        seen.append(("end", body, list(event.headers)))
                        body = b""
                if connection.their_state is h11.DONE:
                    break
        except h11.RemoteProtocolError as error:
            seen.append(("error", body, type(error).__name__))
            return seen
        if connection.their_state is not h11.DONE:
            seen.append(("cut", body))
            return seen
        connection.start_next_cycle()
    return seen


def _handed_to_h11(reads: list[bytes], rechunker: Rechunker | None) -> Iterator[tuple[bytes, bool]]:
    """What h11 is given for ``reads``, then — if it still wants more — what the rechunker
    held and the end of the connection (``b""``), each with whether the reads had run out.
    Lazily, as on a real connection: bytes held back until the connection ends would stall
    a real client, so a response that needs them shows up in the comparison with h11 alone."""
    for data in reads:
        handed = rechunker.received(data) if rechunker is not None else data
        if handed:
            yield handed, False
    rest = rechunker.flush() if rechunker is not None else b""
    if rest:
        yield rest, True
    yield b"", True


def splits(data: bytes, rng: random.Random) -> list[bytes]:
    """``data`` cut into reads at random places (single bytes, big blocks, everything between)."""
    reads, position = [], 0
    while position < len(data):
        size = rng.choice([1, 2, 3, 7, 50, 300, 5000, 65536])
        reads.append(data[position : position + size])
        position += size
    return reads


def events(rng: random.Random, count: int) -> list[bytes]:
    return [b'data: {"n": %d, "t": "%s"}\n\n' % (n, b"x" * rng.randrange(0, 40)) for n in range(count)]


def response(rng: random.Random) -> tuple[bytes, bytes]:
    """A request and a response of a random shape, as a server might send them."""
    kind = rng.choice(["chunked", "chunked", "chunked", "extensions", "trailers", "continue", "length", "no-content", "head", "empty"])
    parts = events(rng, rng.randrange(1, 40))
    if kind == "extensions":
        return REQUEST, chunked(parts, extensions=True)
    if kind == "trailers":
        return REQUEST, chunked(parts, trailers=b"x-trailer: yes\r\n")
    if kind == "continue":
        return REQUEST, b"HTTP/1.1 100 Continue\r\n\r\n" + chunked(parts)
    if kind == "length":
        body = b"".join(parts)
        return REQUEST, b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    if kind == "no-content":
        return REQUEST, b"HTTP/1.1 204 No Content\r\n\r\n"
    if kind == "head":
        return HEAD_REQUEST, b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    if kind == "empty":
        return REQUEST, chunked([])
    return REQUEST, chunked(parts)


def both(exchanges: list[tuple[bytes, list[bytes]]]) -> tuple[list[Any], list[Any]]:
    return parse(exchanges, rechunk=False), parse(exchanges, rechunk=True)


@pytest.mark.parametrize("seed", range(300))
def test_a_connection_of_random_responses_parses_the_same_however_it_is_read(seed: int) -> None:
    rng = random.Random(seed)
    exchanges = []
    for _ in range(rng.randrange(1, 5)):
        request, data = response(rng)
        exchanges.append((request, splits(data, rng)))
    plain, rechunked = both(exchanges)
    assert rechunked == plain
    assert all(item[0] in ("head", "end") for item in plain)


def test_the_chunks_of_one_read_reach_h11_as_one_chunk() -> None:
    rechunker = Rechunker()
    rechunker.sent(REQUEST)
    head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    handed = rechunker.received(head + b"5\r\nhello\r\n6\r\n world\r\n")
    assert handed == head + b"b\r\nhello world\r\n"
    assert rechunker.received(b"1\r\n!\r\n0\r\n\r\n") == b"1\r\n!\r\n0\r\n\r\n"


@pytest.mark.parametrize(
    "broken",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # a chunk size that is not hex
        b"5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n",  # no CRLF after the data
        b"5\r\nhello\r\n" + b"1" * 2000,  # a chunk-size line without end
        b"-5\r\nhello\r\n0\r\n\r\n",  # a negative size
    ],
)
@pytest.mark.parametrize("read_size", [1, 3, 65536])
def test_a_malformed_body_fails_in_h11_as_it_would_have_without_rechunking(broken: bytes, read_size: int) -> None:
    data = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + broken
    reads = [data[i : i + read_size] for i in range(0, len(data), read_size)]
    plain, rechunked = both([(REQUEST, reads)])
    assert plain[-1][0] in ("error", "cut")
    assert rechunked[-1][0] == plain[-1][0]
    assert rechunked[-1][1] == plain[-1][1]  # the same body bytes arrived before the failure


@pytest.mark.parametrize("cut_at", [10, 60, 75, 80])
def test_a_body_cut_short_is_cut_short_for_h11_too(cut_at: int) -> None:
    data = chunked([b"hello", b" world"])[:cut_at]
    for read_size in (1, 4, 65536):
        reads = [data[i : i + read_size] for i in range(0, len(data), read_size)]
        plain, rechunked = both([(REQUEST, reads)])
        assert rechunked == plain and plain[-1][0] in ("cut", "error")
