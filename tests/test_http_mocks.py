"""Users mock provider calls in their own tests with respx or pytest-httpx: rillet's shared
clients must go through what those tools patch, sync and async alike."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from loopback import LoopbackServer, Reply, collect

import rillet

pytestmark = pytest.mark.usefixtures("fake_plugin")

BODY = b'{"t": "mock", "id": "r1"}\n{"t": "ed"}\n{"done": "stop"}\n'
BASE = "http://mocked.provider.test"

both = pytest.mark.parametrize("mode", ["sync", "async"])


def text(mode: str, base_url: str = BASE) -> str:
    model = rillet.get_model("fake/fake-1", base_url=base_url, options=rillet.StreamOptions(max_retries=0))
    events = collect(model.stream_tokens("hi"), mode)
    assert events[-1].type == "end", events[-1]
    return "".join(e.text for e in events if e.type == "token")


@both
@pytest.mark.parametrize("mocker", ["httpcore", "httpx"])
def test_a_stream_answered_by_respx_reads_the_mocked_body(mode: str, mocker: str) -> None:
    with respx.mock(using=mocker, assert_all_called=True) as router:
        route = router.post(url__startswith=BASE).mock(return_value=httpx.Response(200, content=BODY))
        assert text(mode) == "mocked"
        assert route.call_count == 1 and route.calls.last.request.headers["authorization"].startswith("Bearer ")


@both
def test_after_respx_the_shared_clients_reach_the_server_again(mode: str, server: LoopbackServer) -> None:
    server.queue(Reply(body=[b'{"t": "ser", "id": "r2"}\n', b'{"t": "ved"}\n', b'{"done": "stop"}\n']))
    with respx.mock(using="httpcore") as router:
        router.post(url__startswith=server.url).mock(return_value=httpx.Response(200, content=BODY))
        assert text(mode, server.url) == "mocked" and server.requests == []
    assert text(mode, server.url) == "served" and len(server.requests) == 1


@both
def test_a_stream_answered_by_pytest_httpx_reads_the_mocked_body(mode: str, httpx_mock: Any) -> None:
    httpx_mock.add_response(method="POST", content=BODY)
    assert text(mode) == "mocked"
    assert len(httpx_mock.get_requests()) == 1
