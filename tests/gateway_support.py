"""A real gateway on 127.0.0.1: uvicorn in a thread, for tests that use real clients."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn

from rillet.serve import GatewayConfig, create_app

REPO = Path(__file__).resolve().parents[1]
CASSETTES = REPO / "cassettes"
HELLO = [{"role": "user", "content": "hi"}]


@pytest.fixture(autouse=True)
def fast_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replays play as fast as the gateway reads them (import it into a test module)."""
    monkeypatch.setattr("rillet._replay.DEFAULT_TOKENS_PER_SECOND", 0.0)


@contextmanager
def running_gateway(config: GatewayConfig | None = None) -> Iterator[str]:
    """Serve ``config`` on a free loopback port; yield the base URL (``http://127.0.0.1:N``)."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
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
