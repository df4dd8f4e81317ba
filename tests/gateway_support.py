"""A real gateway on 127.0.0.1: uvicorn in a thread, for tests that use real clients."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import uvicorn
from loopback import LoopbackServer

from rillet.serve import GatewayConfig, create_app
from rillet.serve._uvicorn import HTTPProtocol

REPO = Path(__file__).resolve().parents[1]
CASSETTES = REPO / "cassettes"
HELLO = [{"role": "user", "content": "hi"}]


@pytest.fixture(autouse=True)
def fast_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replays play as fast as the gateway reads them (import it into a test module)."""
    monkeypatch.setattr("rillet._replay.DEFAULT_TOKENS_PER_SECOND", 0.0)


@contextmanager
def running_gateway(config: GatewayConfig | None = None) -> Iterator[str]:
    """Serve ``config`` on a free loopback port, as ``rillet serve`` does (its HTTP protocol);
    yield the base URL (``http://127.0.0.1:N``)."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=0, log_level="warning", lifespan="off", http=HTTPProtocol)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


# an OpenAI-compatible upstream on loopback ----------------------------------------------

SSE = {"content-type": "text/event-stream"}


def chunk(content: str | None = None, finish: str | None = None, role: bool = False) -> bytes:
    delta: dict[str, Any] = {"role": "assistant"} if role else {}
    if content is not None:
        delta["content"] = content
    body = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def answer(*words: str) -> list[bytes | float]:
    return [chunk("", role=True), *(chunk(word) for word in words), chunk(finish="stop"), b"data: [DONE]\n\n"]


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """An OpenAI-compatible loopback server that ``openai/…`` models reach."""
    with LoopbackServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream-secret-key")
        yield server
