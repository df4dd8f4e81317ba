"""Bounded memory on hostile input: a line or frame that never ends is a ``protocol``
error once ``StreamOptions.max_frame_bytes`` bytes produced no event, in a stream (sync and
async) as in a sans-IO decode."""

from __future__ import annotations

import asyncio
import tracemalloc
from typing import Any, Iterator

import pytest
from fake_provider import FakeDecoder
from loopback import LoopbackServer, Reply

import rillet
from rillet._decoding import DEFAULT_MAX_FRAME_BYTES, decode_chunks

pytestmark = pytest.mark.usefixtures("fake_plugin")

HEL, DONE = b'{"t": "Hel", "id": "r1"}\n', b'{"t": "lo"}\n{"done": "stop"}\n'
MIB = 1024 * 1024

both = pytest.mark.parametrize("mode", ["sync", "async"])


def collect(url: str, options: rillet.StreamOptions, mode: str) -> list[Any]:
    stream = rillet.get_model("fake/fake-1", base_url=url, options=options).stream_tokens("hi")
    if mode == "sync":
        return list(stream)

    async def gather() -> list[Any]:
        return [event async for event in stream]

    return asyncio.run(gather())


@both
def test_an_endless_line_is_a_protocol_error_naming_the_limit(server: LoopbackServer, mode: str) -> None:
    endless = [b"x" * MIB] * 48  # 48 MiB without a newline, then more data the client must not wait for
    server.queue(Reply(body=[HEL, *endless, DONE]))
    events = collect(server.url, rillet.StreamOptions(max_retries=0), mode)
    error = events[-1]
    assert (error.type, error.code) == ("error", "protocol"), error
    assert "max_frame_bytes" in error.message and f"{DEFAULT_MAX_FRAME_BYTES:,}" in error.message
    assert error.partial.text == "Hel"
    assert server.client_closed.wait(5), "the client read on past the limit instead of closing the connection"


@both
def test_the_limit_is_an_option(server: LoopbackServer, mode: str) -> None:
    long_token = b'{"t": "' + b"y" * (2 * MIB) + b'"}\n'
    server.queue(Reply(body=[HEL, long_token, DONE]), Reply(body=[HEL, long_token, DONE]))
    tight = collect(server.url, rillet.StreamOptions(max_retries=0, max_frame_bytes=MIB), mode)
    assert tight[-1].code == "protocol" and f"{MIB:,} bytes" in tight[-1].message
    roomy = collect(server.url, rillet.StreamOptions(max_retries=0), mode)
    assert roomy[-1].type == "end"
    assert "".join(event.text for event in roomy if event.type == "token") == "Hel" + "y" * (2 * MIB) + "lo"


def test_a_sans_io_decode_holds_at_most_about_the_limit() -> None:
    def endless() -> Iterator[bytes]:
        yield HEL
        piece = b"z" * (64 * 1024)
        for _ in range(40 * 16):  # 40 MiB without a newline
            yield piece

    tracemalloc.start()
    try:
        events = decode_chunks(FakeDecoder(), endless(), provider="fake")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert events[-1].code == "protocol" and events[-1].partial.text == "Hel"
    assert peak < DEFAULT_MAX_FRAME_BYTES + 4 * MIB, f"peak {peak / MIB:.1f} MiB"
