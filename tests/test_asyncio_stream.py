"""Async streams on asyncio's transports: reads, writes, waits, flow control — and the
same streams under uvloop and under trio (which keeps httpcore's anyio backend)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any, Awaitable, Callable

import anyio
import httpcore
import pytest
from loopback import LoopbackServer, Reply

import rillet
from rillet._asyncio_stream import HIGH_WATER, AsyncioBackend, AsyncioStream
from rillet._coalescing import COALESCE_BYTES

pytestmark = pytest.mark.usefixtures("fake_plugin")

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def with_server(handler: Handler, client: Callable[[int], Awaitable[Any]]) -> Any:
    """Run ``client(port)`` against an asyncio server answering each connection with ``handler``."""

    async def main() -> Any:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        try:
            return await client(server.sockets[0].getsockname()[1])
        finally:
            server.close()

    return asyncio.run(main())


async def connect(port: int) -> AsyncioStream:
    return await AsyncioBackend().connect_tcp("127.0.0.1", port, 2.0)


def test_a_read_returns_what_arrived_and_the_end_is_empty_bytes() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    async def client(port: int) -> list[bytes]:
        stream = await connect(port)
        reads = [await stream.read(65536, timeout=2.0)]
        while reads[-1]:
            reads.append(await stream.read(65536, timeout=2.0))
        await stream.aclose()
        return reads

    assert with_server(handler, client) == [b"hello", b""]


def test_a_read_takes_at_most_max_bytes_and_keeps_the_rest() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"abcdefgh")
        await writer.drain()
        await reader.read()  # until the client closes

    async def client(port: int) -> list[bytes]:
        stream = await connect(port)
        parts = [await stream.read(3, timeout=2.0)]
        while sum(map(len, parts)) < 8:
            parts.append(await stream.read(3, timeout=2.0))
        await stream.aclose()
        return parts

    parts = with_server(handler, client)
    assert b"".join(parts) == b"abcdefgh"
    assert all(len(part) <= 3 for part in parts)


def first_four_bytes_into(received: list[bytes]) -> Handler:
    """A server that records the first four bytes it receives, then waits for the close."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readexactly(4))
        await reader.read()

    return handler


def test_a_silent_server_is_a_read_timeout_and_a_write_reaches_it() -> None:
    received: list[bytes] = []

    async def client(port: int) -> str:
        stream = await connect(port)
        await stream.write(b"ping", timeout=2.0)
        try:
            await stream.read(100, timeout=0.05)
        except httpcore.ReadTimeout as error:
            return str(error)
        finally:
            await stream.aclose()
        return "no timeout"

    assert with_server(first_four_bytes_into(received), client) == "timed out waiting for the server"
    assert received == [b"ping"]


def test_a_wake_up_meant_for_the_writer_does_not_end_a_read() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.1)
        writer.write(b"late")
        await writer.drain()
        await reader.read()

    async def client(port: int) -> bytes:
        stream = await connect(port)
        asyncio.get_running_loop().call_later(0.02, stream._protocol.resume_writing)
        data = await stream.read(100, timeout=2.0)
        await stream.aclose()
        return data

    assert with_server(handler, client) == b"late"  # not b"": the end of the body


def test_an_unread_flood_stops_reading_the_socket_until_it_is_read() -> None:
    sent = 8 * HIGH_WATER

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"x" * sent)
        await writer.drain()
        writer.close()

    async def client(port: int) -> tuple[int, bool, int]:
        stream = await connect(port)
        protocol = stream._protocol
        for _ in range(200):  # let the transport read what the socket lets it
            await asyncio.sleep(0.005)
        buffered, paused = protocol.buffered, protocol.reading_paused
        total = 0
        while data := await stream.read(65536, timeout=2.0):
            total += len(data)
        await stream.aclose()
        return buffered, paused, total

    buffered, paused, total = with_server(handler, client)
    assert paused and HIGH_WATER < buffered < 2 * HIGH_WATER  # held back, not all 2 MiB
    assert total == sent  # and nothing lost once read


def spy_on_sends(stream: AsyncioStream) -> list[bytes]:
    """What the stream hands its transport, write by write (the transport still sends it)."""
    sends: list[bytes] = []
    transport = stream._transport
    send = transport.write

    def write(data: Any) -> None:
        sends.append(bytes(data))
        send(data)

    transport.write = write  # type: ignore[method-assign]
    return sends


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


def test_writes_made_one_after_another_leave_in_one_send_before_the_read() -> None:
    async def client(port: int) -> tuple[list[bytes], list[bytes], bytes]:
        stream = await connect(port)
        sends = spy_on_sends(stream)
        await stream.write(b"HEAD ", timeout=2.0)
        await stream.write(b"BODY", timeout=2.0)
        held = list(sends)
        echoed = b""
        while len(echoed) < 9:
            echoed += await stream.read(100, timeout=2.0)
        await stream.aclose()
        return held, sends, echoed

    held, sends, echoed = with_server(echo, client)
    assert held == []  # nothing sent between the head and the body
    assert sends == [b"HEAD BODY"]  # one send: the server wakes once for the whole request
    assert echoed == b"HEAD BODY"


def test_held_writes_leave_at_the_end_of_the_event_loop_round_without_a_read() -> None:
    received: list[bytes] = []

    async def client(port: int) -> None:
        stream = await connect(port)
        await stream.write(b"ping", timeout=2.0)
        for _ in range(100):  # a writer that goes on to wait for something else, not a read
            if received:
                break
            await asyncio.sleep(0.01)
        await stream.aclose()

    with_server(first_four_bytes_into(received), client)
    assert received == [b"ping"]


def test_a_large_write_goes_to_the_transport_at_once() -> None:
    async def client(port: int) -> tuple[int, list[int]]:
        stream = await connect(port)
        sends = spy_on_sends(stream)
        await stream.write(b"x" * 10, timeout=2.0)
        await stream.write(b"y" * COALESCE_BYTES, timeout=2.0)
        sent_at_once = [len(data) for data in sends]
        total = 0
        while total < COALESCE_BYTES + 10:
            total += len(await stream.read(1 << 20, timeout=2.0))
        await stream.aclose()
        return total, sent_at_once

    total, sent_at_once = with_server(echo, client)
    assert sent_at_once == [COALESCE_BYTES + 10]  # the small write held before it went with it
    assert total == COALESCE_BYTES + 10


def test_closing_sends_what_is_held_first() -> None:
    received: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read())  # everything, until the client closes

    async def client(port: int) -> None:
        stream = await connect(port)
        await stream.write(b"last words", timeout=2.0)
        await stream.aclose()
        await asyncio.sleep(0.2)

    with_server(handler, client)
    assert received == [b"last words"]


def test_writing_to_a_closed_connection_is_a_write_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def client(port: int) -> str:
        stream = await connect(port)
        assert await stream.read(10, timeout=2.0) == b""
        await stream.aclose()
        with pytest.raises(httpcore.WriteError) as caught:
            await stream.write(b"late", timeout=1.0)
        return str(caught.value)

    assert "closed" in with_server(handler, client)


def test_an_idle_connection_the_server_closed_reads_as_readable() -> None:
    hang_up = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hang_up.wait()
        writer.close()

    async def client(port: int) -> tuple[bool, bool]:
        stream = await connect(port)
        await asyncio.sleep(0.05)
        before = stream.get_extra_info("is_readable")
        hang_up.set()
        for _ in range(100):
            if stream._protocol.eof:
                break
            await asyncio.sleep(0.01)
        after = stream.get_extra_info("is_readable")
        await stream.aclose()
        return before, after

    assert with_server(handler, client) == (False, True)


def test_the_socket_and_addresses_are_what_httpcore_asks_for() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def client(port: int) -> tuple[Any, ...]:
        stream = await connect(port)
        info = tuple(stream.get_extra_info(name) for name in ("socket", "server_addr", "ssl_object", "unknown"))
        nodelay = info[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        await stream.aclose()
        return (*info[1:], bool(nodelay), port)

    server_addr, ssl_object, unknown, nodelay, port = with_server(handler, client)
    assert server_addr == ("127.0.0.1", port)
    assert ssl_object is None and unknown is None
    assert nodelay  # small writes leave at once


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: refused
        with pytest.raises(httpcore.ConnectError):
            asyncio.run(connect(port))


TOKENS = [b'{"t": "Hel", "id": "r1"}\n', b'{"t": "lo"}\n', b'{"done": "stop"}\n']


async def _stream_text(url: str, options: rillet.StreamOptions) -> str:
    model = rillet.get_model("fake/fake-1", base_url=url, options=options)
    async with model.astream_tokens("hi") as stream:
        return "".join([event.text async for event in stream if event.type == "token"])


@pytest.mark.parametrize("runner", ["uvloop", "trio"])
def test_streams_run_under_uvloop_and_trio(server: LoopbackServer, fast_options: Any, runner: str) -> None:
    for _ in range(2):
        server.replies.append(Reply(body=list(TOKENS), keep_alive=True))
    if runner == "uvloop":
        import uvloop

        texts = [uvloop.run(_stream_text(server.url, fast_options)) for _ in range(2)]
    else:
        texts = [anyio.run(_stream_text, server.url, fast_options, backend="trio") for _ in range(2)]
    assert texts == ["Hello", "Hello"]


@pytest.mark.parametrize("runner", ["uvloop", "trio"])
def test_a_silent_server_times_out_the_same_under_uvloop_and_trio(server: LoopbackServer, runner: str) -> None:
    server.replies.append(Reply(body=[2.0], hold=1.0))
    options = rillet.StreamOptions(first_token_timeout=0.2, max_retries=0)

    async def first_error() -> Any:
        model = rillet.get_model("fake/fake-1", base_url=server.url, options=options)
        async with model.astream_tokens("hi") as stream:
            return [event async for event in stream if event.type == "error"][0]

    if runner == "uvloop":
        import uvloop

        error = uvloop.run(first_error())
    else:
        error = anyio.run(first_error, backend="trio")
    assert (error.code, error.phase) == ("timeout", "first_token")
