"""The shared clients' HTTP/1.1 transport: connections kept and reused, closed when they
cannot be, errors as httpx's own, and what it leaves to httpcore."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import httpx
import pytest
from loopback import LoopbackServer, Reply

from rillet._clients import async_client, sync_client
from rillet._http_transport import Connection, IdleConnections

MODES = ["sync", "async"]


def get(mode: str, url: str, *, stop_after_first_chunk: bool = False, **options: Any) -> list[bytes]:
    """Stream ``url`` with the shared client of ``mode``: the body's chunks (only the first when asked)."""
    if mode == "sync":
        with sync_client().stream(options.pop("method", "GET"), url, **options) as response:
            chunks = []
            for chunk in response.iter_raw():
                chunks.append(chunk)
                if stop_after_first_chunk:
                    break
            return chunks

    async def main() -> list[bytes]:
        async with async_client().stream(options.pop("method", "GET"), url, **options) as response:
            chunks = []
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                if stop_after_first_chunk:
                    break
            return chunks

    return asyncio.run(main())


def twice(mode: str, first: dict[str, Any], second: dict[str, Any]) -> tuple[list[bytes], list[bytes]]:
    """Two requests one after the other on the same client (one event loop for async)."""
    if mode == "sync":
        return get("sync", **first), get("sync", **second)

    async def main() -> tuple[list[bytes], list[bytes]]:
        results = []
        for options in (first, second):
            options = dict(options)
            stop = options.pop("stop_after_first_chunk", False)
            async with async_client().stream("GET", options.pop("url"), **options) as response:
                chunks = []
                async for chunk in response.aiter_raw():
                    chunks.append(chunk)
                    if stop:
                        break
                results.append(chunks)
        return results[0], results[1]

    return asyncio.run(main())


@pytest.mark.parametrize("mode", MODES)
def test_streams_one_after_another_share_one_connection(mode: str) -> None:
    with LoopbackServer() as server:
        server.queue(Reply(body=[b"one"], keep_alive=True), Reply(body=[b"two"], keep_alive=True))
        first, second = twice(mode, {"url": server.url + "/a"}, {"url": server.url + "/b"})
        assert (b"".join(first), b"".join(second)) == (b"one", b"two")
        assert server.connections == 1 and [r[0].split()[1] for r in server.requests] == ["/a", "/b"]


@pytest.mark.parametrize("mode", MODES)
def test_a_response_closed_before_its_end_closes_its_connection(mode: str) -> None:
    with LoopbackServer() as server:
        server.queue(Reply(body=[b"first", 2.0, b"never read"], keep_alive=True), Reply(body=[b"again"], keep_alive=True))
        first, second = twice(mode, {"url": server.url, "stop_after_first_chunk": True}, {"url": server.url})
        assert first == [b"first"] and b"".join(second) == b"again"
        assert server.client_closed.wait(2) and server.connections == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_connection_the_server_said_it_would_close_is_not_reused(mode: str) -> None:
    with LoopbackServer() as server:
        server.queue(Reply(body=[b"one"]), Reply(body=[b"two"]))  # each with "connection: close"
        first, second = twice(mode, {"url": server.url}, {"url": server.url})
        assert (b"".join(first), b"".join(second)) == (b"one", b"two") and server.connections == 2


class RawServer:
    """A server that answers each connection's first request head with :meth:`answer`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                self.answer(conn)

    def answer(self, conn: socket.socket) -> None:
        raise NotImplementedError


class ClosesWhenIdle(RawServer):
    """Answers with a kept-alive response, then closes the connection 50 ms later (as a
    server's idle timeout does)."""

    def answer(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        time.sleep(0.05)


@pytest.mark.parametrize("mode", MODES)
def test_an_idle_connection_the_server_closed_is_not_reused(mode: str) -> None:
    server = ClosesWhenIdle()
    try:
        if mode == "sync":
            first = get("sync", server.url)
            time.sleep(0.3)
            second = get("sync", server.url)
        else:

            async def main() -> tuple[list[bytes], list[bytes]]:
                client = async_client()
                first = (await client.get(server.url)).content
                await asyncio.sleep(0.3)
                return [first], [(await client.get(server.url)).content]

            first, second = asyncio.run(main())
        assert (b"".join(first), b"".join(second)) == (b"ok", b"ok") and server.connections == 2
    finally:
        server.listener.close()


class RefusesLargeBodies(RawServer):
    """Answers 413 as soon as it has a request's head, and closes without reading the body
    (as servers with a body limit do; the kernel then resets the connection)."""

    def answer(self, conn: socket.socket) -> None:
        body = b'{"error": {"message": "request too large"}}'
        conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))


@pytest.mark.parametrize("mode", MODES)
def test_an_answer_sent_before_the_body_was_taken_is_read_not_lost_to_the_write_error(mode: str) -> None:
    server = RefusesLargeBodies()
    large = b"x" * (16 * 1024 * 1024)
    try:
        if mode == "sync":
            response = sync_client().post(server.url, content=large)
        else:

            async def main() -> httpx.Response:
                return await async_client().post(server.url, content=large)

            response = asyncio.run(main())
        assert response.status_code == 413 and response.json() == {"error": {"message": "request too large"}}
    finally:
        server.listener.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_body_cut_short_is_httpx_remote_protocol_error_after_the_bytes_that_came(mode: str) -> None:
    with LoopbackServer() as server:
        server.queue(Reply(body=[b"partial"], complete=False))
        chunks: list[bytes] = []

        def stream() -> None:
            if mode == "sync":
                with sync_client().stream("GET", server.url) as response:
                    for chunk in response.iter_raw():
                        chunks.append(chunk)
                return

            async def main() -> None:
                async with async_client().stream("GET", server.url) as response:
                    async for chunk in response.aiter_raw():
                        chunks.append(chunk)

            asyncio.run(main())

        with pytest.raises(httpx.RemoteProtocolError, match="closed the connection in the middle of the chunked body"):
            stream()
        assert chunks == [b"partial"]


@pytest.mark.parametrize("mode", MODES)
def test_a_body_that_is_not_in_memory_is_sent_by_httpcore_whole(mode: str) -> None:
    with LoopbackServer() as server:
        server.queue(Reply(body=[b"received"]))
        if mode == "sync":
            body = get("sync", server.url, method="POST", content=iter([b"part one, ", b"part two"]))
        else:

            async def parts() -> Any:
                yield b"part one, "
                yield b"part two"

            body = get("async", server.url, method="POST", content=parts())
        assert b"".join(body) == b"received"
        assert server.requests[0][1]["transfer-encoding"] == "chunked" and server.requests[0][2] == b"part one, part two"


@pytest.mark.parametrize("mode", MODES)
def test_a_header_that_would_inject_another_is_refused_before_connecting(mode: str) -> None:
    with LoopbackServer() as server:
        with pytest.raises(httpx.LocalProtocolError, match="line break"):
            get(mode, server.url, headers={"x-note": "hi\r\nx-injected: 1"})
        assert server.connections == 0


def test_the_response_records_version_reason_and_its_connection() -> None:
    with LoopbackServer() as server:
        server.queue(Reply(status=201, body=[b"made"]))
        response = sync_client().get(server.url)
        assert (response.status_code, response.http_version, response.reason_phrase) == (201, "HTTP/1.1", "X")
        assert isinstance(response.extensions["network_stream"], Connection) and response.text == "made"


class FakeStream:
    def __init__(self, readable: bool = False) -> None:
        self.readable = readable

    def get_extra_info(self, info: str) -> Any:
        return self.readable if info == "is_readable" else None


def idle_pool(most: int | None = 2, expiry: float | None = 30.0) -> IdleConnections:
    return IdleConnections(httpx.Limits(max_keepalive_connections=most, keepalive_expiry=expiry))


A = (b"http", b"a.test", 80)
B = (b"https", b"b.test", 443)


def test_idle_connections_are_taken_newest_first_per_origin() -> None:
    pool = idle_pool()
    older, newer, other = Connection(FakeStream(), A), Connection(FakeStream(), A), Connection(FakeStream(), B)
    assert pool.give_back(older) == [] and pool.give_back(newer) == []
    assert pool.take(A) == (newer, [])
    pool.give_back(newer)
    assert pool.give_back(other) == [older]  # past two idle in all: the longest idle goes
    assert pool.take(A) == (newer, []) and pool.take(A) == (None, []) and pool.take(B) == (other, [])


def test_expired_idle_connections_and_ones_with_news_are_handed_back_to_close() -> None:
    pool = idle_pool(most=None, expiry=0.0)
    stale = Connection(FakeStream(), A)
    pool.give_back(stale)
    time.sleep(0.01)
    assert pool.take(A) == (None, [stale])
    closed_by_server = Connection(FakeStream(readable=True), A)
    pool = idle_pool(most=None)
    pool.give_back(closed_by_server)
    assert pool.take(A) == (None, [closed_by_server])


def test_clearing_hands_every_idle_connection_back_to_close() -> None:
    pool = idle_pool(most=None)
    connections = [Connection(FakeStream(), A), Connection(FakeStream(), B)]
    for connection in connections:
        pool.give_back(connection)
    assert sorted(map(id, pool.clear())) == sorted(map(id, connections)) and pool.take(A) == (None, [])



PROXIED_CLIENT = """
import asyncio, json, sys
import rillet
options = rillet.StreamOptions(max_retries=0, gap_timeout=0.5)
proxied = rillet.get_model("openai/m", base_url="http://provider.invalid/v1", key="sk-test", options=options)
direct = rillet.get_model("openai/m", base_url=sys.argv[1] + "/v1", key="sk-test", options=options)
async def gather(model):
    async with model.astream_tokens("hi") as stream:
        return [event async for event in stream]
def outcome(events):
    return "".join(e.text for e in events if e.type == "token") + ("" if events[-1].type == "end" else " / " + events[-1].code)
runs = [list(proxied.stream_tokens("hi")), asyncio.run(gather(proxied)), list(direct.stream_tokens("hi")), list(proxied.stream_tokens("hi"))]
print(json.dumps([outcome(events) for events in runs]))
"""

SSE_ANSWER = [
    b'data: {"id": "c1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "via "}, "finish_reason": null}]}\n\n',
    b'data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": "proxy"}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n',
]


def test_the_proxies_of_the_environment_carry_the_shared_clients_requests_within_their_deadlines(tmp_path: Any) -> None:
    import json
    import os
    import subprocess
    import sys

    sse = {"content-type": "text/event-stream"}
    with LoopbackServer() as proxy, LoopbackServer() as upstream:
        stalled = [SSE_ANSWER[0], 3.0, SSE_ANSWER[1]]  # silent past the 0.5 s gap timeout
        proxy.queue(Reply(headers=sse, body=list(SSE_ANSWER)), Reply(headers=sse, body=list(SSE_ANSWER)), Reply(headers=sse, body=stalled))
        upstream.queue(Reply(headers=sse, body=[SSE_ANSWER[0].replace(b"via ", b"no "), SSE_ANSWER[1]]))
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env.update(HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1", RILLET_HOME=str(tmp_path), RILLET_LOG="0")
        done = subprocess.run([sys.executable, "-c", PROXIED_CLIENT, upstream.url], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ["via proxy", "via proxy", "no proxy", "via  / timeout"]
        assert [request[0] for request in proxy.requests] == ["POST http://provider.invalid/v1/chat/completions HTTP/1.1"] * 3
        assert [request[0] for request in upstream.requests] == ["POST /v1/chat/completions HTTP/1.1"]


def test_the_sync_clients_idle_connections_are_closed_when_the_process_ends(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    code = "import sys, rillet\nm = rillet.get_model('openai/m', base_url=sys.argv[1] + '/v1', key='sk-test')\nprint([e.type for e in m.stream_tokens('hi')])"
    with LoopbackServer() as server:
        server.queue(Reply(headers={"content-type": "text/event-stream"}, body=list(SSE_ANSWER), keep_alive=True))
        env = {**os.environ, "RILLET_HOME": str(tmp_path), "RILLET_LOG": "0"}
        done = subprocess.run([sys.executable, "-W", "default::ResourceWarning", "-c", code, server.url], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.strip() == "['start', 'token', 'token', 'end']", done.stderr
    assert "ResourceWarning" not in done.stderr  # the kept-alive socket was closed, not left to the interpreter
