"""Coalesced writes (``rillet._coalescing``): what one event-loop round writes leaves in one
send — a streamed answer's head and first token reach the client together (``rillet
serve``'s HTTP protocol), and the upstream request's head and body leave together."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gateway_support import HELLO, SSE, answer, chunk, running_gateway, upstream  # noqa: F401 (upstream: a fixture)
from loopback import LoopbackServer, Reply

from rillet._coalescing import COALESCE_BYTES, CoalescingTransport


class RecordingTransport:
    """Stands in for a socket transport: records each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 8000) if name == "sockname" else None


def run(body: Any) -> Any:
    async def main() -> Any:
        socket = RecordingTransport()
        return socket, await body(socket, CoalescingTransport(socket))  # type: ignore[arg-type]

    return asyncio.run(main())


def test_writes_of_one_loop_round_leave_as_one_write_at_its_end() -> None:
    async def body(socket: RecordingTransport, transport: CoalescingTransport) -> list[bytes]:
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(memoryview(b"data: 1\n\n"))
        held = list(socket.writes)
        await asyncio.sleep(0)
        return held

    socket, held = run(body)
    assert held == []
    assert socket.writes == [b"HTTP/1.1 200 OK\r\n\r\ndata: 1\n\n"]


def test_a_large_write_leaves_at_once_with_what_was_held() -> None:
    async def body(socket: RecordingTransport, transport: CoalescingTransport) -> list[int]:
        transport.write(b"head")
        transport.write(b"x" * COALESCE_BYTES)
        return [len(data) for data in socket.writes]

    _, at_once = run(body)
    assert at_once == [COALESCE_BYTES + 4]


def test_closing_sends_what_is_held_first_and_the_rest_is_the_transports_own() -> None:
    async def body(socket: RecordingTransport, transport: CoalescingTransport) -> Any:
        transport.write(b"last")
        transport.close()
        transport.write(b"too late")
        await asyncio.sleep(0)
        return transport.get_extra_info("sockname")

    socket, address = run(body)
    assert socket.writes == [b"last"] and socket.closed  # nothing written after the close
    assert address == ("127.0.0.1", 8000)


def test_a_streamed_answers_head_and_first_token_leave_in_one_send(upstream: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sends: list[bytes] = []
    flush = CoalescingTransport.flush

    def recording_flush(self: CoalescingTransport) -> None:
        sends.append(b"".join(self._held))
        flush(self)

    monkeypatch.setattr(CoalescingTransport, "flush", recording_flush)

    upstream.queue(Reply(headers=SSE, body=[chunk("", role=True), chunk("Hel"), 0.3, *answer("lo")[1:]]))
    with running_gateway() as url:
        with httpx.stream("POST", url + "/v1/chat/completions", json={"model": "openai/m", "stream": True, "messages": HELLO}, timeout=30) as response:
            text = response.read().decode()
    assert '"Hel"' in text and '"lo"' in text
    # Both sides coalesce: the upstream request left in one send, head and JSON body …
    request = next(data for data in sends if data.startswith(b"POST "))
    assert request.endswith(b'"include_usage":true}}')
    # … and the client's answer: its head did not leave alone, the first token came with it.
    head = next(data for data in sends if data.startswith(b"HTTP/1.1 "))
    assert head.startswith(b"HTTP/1.1 200 OK") and b'"Hel"' in head
