"""True pass-through: each upstream event reaches the client as it is decoded; a slow first
token gets keep-alives or a fallback; a client that hangs up closes the upstream; hundreds
of concurrent clients and two worker processes."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from gateway_support import HELLO, SSE, answer, chunk, running_gateway, upstream  # noqa: F401 (upstream: a fixture)
from loopback import LoopbackServer, Reply

from rillet.serve import GatewayConfig

def stream_lines(url: str, body: dict[str, Any]) -> Iterator[str]:
    with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        yield from response.iter_lines()


def test_the_first_token_reaches_the_client_while_the_upstream_is_still_sending(upstream: LoopbackServer) -> None:
    upstream.queue(Reply(headers=SSE, body=[chunk("", role=True), chunk("Hel"), 5.0, chunk("lo"), chunk(finish="stop"), b"data: [DONE]\n\n"]))
    with running_gateway() as url:
        lines = stream_lines(url, {"model": "openai/m", "stream": True, "messages": HELLO})
        for line in lines:
            if '"Hel"' in line:
                break
        # The upstream is in its 5 s pause: the token came through before the rest was sent.
        assert upstream.open_connections == 1 and not upstream.client_closed.is_set()
        lines.close()  # the client hangs up mid-answer …
        # … and the gateway closes the upstream connection (measured: well under 500 ms).
        assert upstream.client_closed.wait(timeout=2.0)


def test_a_slow_first_token_gets_keep_alive_comments(upstream: LoopbackServer) -> None:
    upstream.queue(Reply(headers=SSE, body=[1.0, *answer("ok")]))
    with running_gateway(GatewayConfig(keep_alive=0.2)) as url:
        lines = [line for line in stream_lines(url, {"model": "openai/m", "stream": True, "messages": HELLO}) if line]
    first_data = next(i for i, line in enumerate(lines) if line.startswith("data:"))
    assert first_data >= 1 and all(line.startswith(":") for line in lines[:first_data])
    assert lines[-1] == "data: [DONE]"


def test_a_first_token_timeout_falls_back_to_the_next_model(upstream: LoopbackServer) -> None:
    upstream.queue(Reply(headers=SSE, body=[3.0, *answer("late")]))
    config = GatewayConfig(routes={"quick": ("openai/slow", "replay/demo")}, first_token_timeout=0.3)
    with running_gateway(config) as url:
        response = httpx.post(url + "/v1/chat/completions", json={"model": "quick", "messages": HELLO}, timeout=30)
    assert response.status_code == 200
    assert "sky" in response.json()["choices"][0]["message"]["content"]  # the demo answered
    assert upstream.client_closed.wait(timeout=2.0)  # and the slow model's connection was closed


def anthropic_event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


MESSAGE_START = anthropic_event("message_start", {"type": "message_start", "message": {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x", "content": [],
    "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 12, "output_tokens": 1}}})
PING = anthropic_event("ping", {"type": "ping"})
OVERLOADED = anthropic_event("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})


@pytest.fixture
def anthropic_upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A loopback server that ``anthropic/…`` models reach."""
    with LoopbackServer() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-upstream")
        yield server


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize(
    "after_message_start",
    [[OVERLOADED], [PING, 3.0, PING]],
    ids=["overloaded-before-any-token", "silent-past-the-first-token-timeout"],
)
def test_anthropics_message_start_is_not_the_first_token(anthropic_upstream: LoopbackServer, after_message_start: list[Any], stream: bool) -> None:
    # message_start brings `start` and the prompt's `usage` before any token: an overload or
    # a silence after it is still "before the first token", so the route falls back.
    anthropic_upstream.queue(Reply(headers=SSE, body=[MESSAGE_START, *after_message_start]))
    config = GatewayConfig(routes={"quick": ("anthropic/claude-x", "replay/demo")}, first_token_timeout=0.5, keep_alive=0.1)
    with running_gateway(config) as url:
        body = {"model": "quick", "messages": HELLO, "stream": stream}
        if stream:
            lines = list(stream_lines(url, body))
            text = "".join(json.loads(line[6:])["choices"][0]["delta"].get("content") or "" for line in lines
                           if line.startswith("data: {") and json.loads(line[6:])["choices"])
        else:
            response = httpx.post(url + "/v1/chat/completions", json=body, timeout=30)
            assert response.status_code == 200 and response.headers["content-type"] == "application/json"
            text = response.json()["choices"][0]["message"]["content"]
    assert "sky" in text  # the demo answered: nothing of the first model reached the client
    assert "Overloaded" not in text


def test_an_answer_sent_whole_never_gets_keep_alives_even_when_a_timer_fires_early(upstream: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # uvloop's timers may end a wait a hair before the deadline: a request without `stream`
    # must then get its fallback (or a JSON error), never a committed SSE answer.
    from rillet.serve import _relay

    take = _relay._EventQueue.take
    fired_early: list[float] = []

    async def early(self: Any, timeout: float | None = None) -> Any:
        if timeout is not None and not self.items and not fired_early:
            fired_early.append(timeout)
            return None  # the timer fired before anything came, and before the deadline
        return await take(self, timeout)

    monkeypatch.setattr(_relay._EventQueue, "take", early)
    upstream.queue(Reply(headers=SSE, body=[3.0, *answer("late")]))
    config = GatewayConfig(routes={"quick": ("openai/slow", "replay/demo")}, first_token_timeout=5.0, keep_alive=0.05)
    with running_gateway(config) as url:
        response = httpx.post(url + "/v1/chat/completions", json={"model": "quick", "messages": HELLO}, timeout=30)
    assert fired_early and response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert "sky" in response.json()["choices"][0]["message"]["content"]


def test_provider_keys_never_reach_the_client_or_the_logs(upstream: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    upstream.queue(Reply(status=401, headers={"content-type": "application/json"}, body=[b'{"error": {"message": "Incorrect API key provided: sk-upstream-secret-key"}}']))
    with running_gateway() as url:
        response = httpx.post(url + "/v1/chat/completions", json={"model": "openai/m", "messages": HELLO}, timeout=30)
    assert response.status_code == 401
    assert "sk-upstream-secret-key" not in response.text
    assert "sk-upstream-secret-key" not in caplog.text


def test_a_missing_provider_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("RILLET_HOME", "/nonexistent-rillet-home")
    with running_gateway() as url:
        response = httpx.post(url + "/v1/messages", json={"model": "anthropic/claude-x", "max_tokens": 5, "messages": HELLO}, timeout=30)
    assert response.status_code >= 400 and "ANTHROPIC_API_KEY" in response.json()["error"]["message"]


def _text_of(response: httpx.Response) -> str:
    """The answer's text, from a streamed or a whole Chat Completions response."""
    if not response.headers["content-type"].startswith("text/event-stream"):
        return str(response.json()["choices"][0]["message"]["content"])
    chunks = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("late_end", [0.0, 0.05], ids=["body-ends-at-once", "body-ends-50ms-after-DONE"])
def test_requests_one_after_another_share_one_upstream_connection(upstream: LoopbackServer, stream: bool, late_end: float) -> None:
    # The gateway lets the upstream body end after the answer is sent (within 0.1 s), so
    # the connection goes back to the pool rather than being closed.
    upstream.queue(*[Reply(headers=SSE, body=[*answer("ok", str(n)), *([late_end] if late_end else [])], keep_alive=True) for n in range(3)])
    with running_gateway() as url:
        for n in range(3):
            response = httpx.post(url + "/v1/chat/completions", json={"model": "openai/m", "stream": stream, "messages": HELLO}, timeout=30)
            assert response.status_code == 200
            assert _text_of(response) == f"ok{n}"
            time.sleep(late_end * 4)  # a request sent sooner would find the connection still busy
    assert len(upstream.requests) == 3
    assert upstream.connections == 1


def test_five_hundred_concurrent_streaming_clients(upstream: LoopbackServer) -> None:
    clients = 500
    upstream.queue(*(Reply(headers=SSE, body=answer("one", " two", " three")) for _ in range(clients)))

    async def one(client: httpx.AsyncClient, url: str) -> str:
        async with client.stream("POST", url + "/v1/chat/completions", json={"model": "openai/m", "stream": True, "messages": HELLO}) as response:
            assert response.status_code == 200
            data = [line[6:] async for line in response.aiter_lines() if line.startswith("data: ")]
        assert data[-1] == "[DONE]"
        return "".join(json.loads(d)["choices"][0]["delta"].get("content") or "" for d in data[:-1] if json.loads(d)["choices"])

    async def run(url: str) -> list[str]:
        limits = httpx.Limits(max_connections=clients)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            return await asyncio.gather(*(one(client, url) for _ in range(clients)))

    with running_gateway() as url:
        texts = asyncio.run(run(url))
    assert texts == ["one two three"] * clients
    deadline = time.monotonic() + 5
    while upstream.open_connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.open_connections == 0  # no upstream connection leaked


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_worker_processes_serve_one_port(tmp_path: Any) -> None:
    port = _free_port()
    env = {**os.environ, "RILLET_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "rillet"), "serve", "--port", str(port), "--workers", "2", "--log-level", "info"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "the gateway did not start"
            time.sleep(0.2)
        answers = [
            httpx.post(url + "/v1/chat/completions", json={"model": "replay/demo", "messages": HELLO}, timeout=30)
            for _ in range(6)
        ]
        assert all(a.status_code == 200 and a.json()["choices"][0]["message"]["content"] for a in answers)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert output.count("Started server process") == 2, output
