"""What the gateway answers when something is wrong: the client's own format, the right
status before the first byte, an in-band error after it, never a clean end for a cut stream."""

from __future__ import annotations

import json
from typing import Any, Iterator

import httpx
import pytest
from gateway_support import CASSETTES, HELLO, fast_replay, running_gateway  # noqa: F401 (fast_replay: autouse)

from rillet.serve import GatewayConfig

RATE_LIMITED = "replay/openai/responses_http_errors.yaml#1"  # 429, Retry-After: 20
UNAUTHORIZED = "replay/openai/responses_http_errors.yaml#0"  # 401
TRUNCATED = "replay/anthropic/anthropic_truncated_body.yaml"
OVERLOADED_MIDSTREAM = "replay/anthropic/anthropic_overloaded_midstream.yaml"


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    config = GatewayConfig(
        replay_dir=str(CASSETTES),
        routes={
            "steady": (RATE_LIMITED, "replay/openai/openai_chat_scenario_text.yaml"),
            "late-failure": (OVERLOADED_MIDSTREAM, "replay/openai/openai_chat_scenario_text.yaml"),
        },
        max_body_bytes=10_000,
    )
    with running_gateway(config) as url:
        yield url


def post(gateway: str, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(gateway + path, content=content, headers={"content-type": "application/json"}, timeout=30, **kwargs)


def sse_data(response: httpx.Response) -> list[str]:
    return [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]


# before the first byte: an HTTP status in the client's format -----------------------------


@pytest.mark.parametrize(
    ("path", "error_of"),
    [
        ("/v1/chat/completions", lambda body: body["error"]),
        ("/v1/responses", lambda body: body["error"]),
        ("/v1/messages", lambda body: body["type"] == "error" and body["error"]),
    ],
)
def test_bad_json_is_a_400_in_the_clients_format(gateway: str, path: str, error_of: Any) -> None:
    response = post(gateway, path, b"{not json")
    assert response.status_code == 400
    assert "not JSON" in error_of(response.json())["message"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_nan_and_infinity_are_not_json(gateway: str, constant: str) -> None:
    # Python's json reads them; a provider would refuse the request they went into.
    body = b'{"model": "replay/demo", "messages": [{"role": "user", "content": "hi"}], "temperature": %s}' % constant.encode()
    response = post(gateway, "/v1/chat/completions", body)
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]["message"] and constant.lstrip("-") in response.json()["error"]["message"]


@pytest.mark.parametrize(("field", "value"), [("max_tokens", 0), ("max_completion_tokens", -5)])
def test_a_token_limit_below_one_is_a_400_naming_it(gateway: str, field: str, value: int) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": "replay/demo", "messages": HELLO, field: value})
    assert response.status_code == 400 and response.json()["error"]["message"].startswith(f"{field}: must be at least 1")


@pytest.mark.parametrize(
    ("method", "path", "status", "error_of"),
    [
        ("POST", "/v1/embeddings", 404, lambda body: body["error"]),
        ("GET", "/v1/responses/resp_1", 404, lambda body: body["error"]),
        ("POST", "/v1/messages/count_tokens", 404, lambda body: body["type"] == "error" and body["error"]),
        ("GET", "/v1/chat/completions", 405, lambda body: body["error"]),
    ],
)
def test_a_path_or_method_not_served_is_a_json_error_saying_what_is(gateway: str, method: str, path: str, status: int, error_of: Any) -> None:
    response = httpx.request(method, gateway + path, timeout=30)
    assert response.status_code == status and response.headers["content-type"] == "application/json"
    message = error_of(response.json())["message"]
    assert f"{method} {path}" in message and "POST /v1/chat/completions" in message
    if "/v1/messages" not in path:  # OpenAI answers an unknown URL with no code (not model_not_found)
        assert response.json()["error"]["code"] is None
    if status == 405:
        assert response.headers["allow"] == "POST"


def test_whole_answers_and_errors_carry_their_length(gateway: str) -> None:
    # An HTTP/1.0 client (or a proxy that buffers) reads a body by its Content-Length.
    whole = post(gateway, "/v1/chat/completions", {"model": "replay/demo", "messages": HELLO})
    error = post(gateway, "/v1/chat/completions", {"model": UNAUTHORIZED, "messages": HELLO})
    for response in (whole, error):
        assert "transfer-encoding" not in response.headers
        assert int(response.headers["content-length"]) == len(response.content) > 0


def test_a_client_gone_before_its_body_arrived_is_no_server_error(gateway: str, caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import socket
    import time
    from urllib.parse import urlsplit

    address = urlsplit(gateway)
    errors = logging.getLogger("uvicorn.error")
    errors.addHandler(caplog.handler)
    try:
        with socket.create_connection((address.hostname, address.port)) as sock:
            sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"model\": \"rep")
        time.sleep(0.3)
        assert post(gateway, "/v1/chat/completions", {"model": "replay/demo", "messages": HELLO}).status_code == 200
    finally:
        errors.removeHandler(caplog.handler)
    assert "Exception in ASGI application" not in caplog.text


def test_an_invalid_body_names_the_field(gateway: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": "replay/demo", "messages": "hi"})
    assert response.status_code == 400 and "messages" in response.json()["error"]["message"]


def test_an_unknown_model_is_a_404(gateway: str) -> None:
    response = post(gateway, "/v1/messages", {"model": "nosuch/model", "max_tokens": 5, "messages": HELLO})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error" and "nosuch/model" in response.json()["error"]["message"]


def test_an_upstream_429_keeps_its_status_and_retry_after(gateway: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": RATE_LIMITED, "stream": True, "messages": HELLO})
    assert response.status_code == 429 and response.headers["retry-after"] == "20"
    assert response.json()["error"]["type"] == "rate_limit_error" or response.json()["error"]["code"] == "rate_limit_exceeded"


def test_an_upstream_401_is_reported_without_any_key(gateway: str) -> None:
    response = post(gateway, "/v1/messages", {"model": UNAUTHORIZED, "max_tokens": 5, "messages": HELLO, "stream": True})
    assert response.status_code == 401 and response.json()["error"]["type"] == "authentication_error"


def test_a_body_over_the_limit_is_a_413_before_it_is_read(gateway: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": "replay/demo", "messages": [{"role": "user", "content": "x" * 20_000}]})
    assert response.status_code == 413 and "10000 bytes" in response.json()["error"]["message"]


# after the first byte: the format's in-band error ---------------------------------------


def test_a_truncated_upstream_never_reaches_an_openai_client_as_done(gateway: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": TRUNCATED, "stream": True, "messages": HELLO})
    assert response.status_code == 200
    frames = sse_data(response)
    assert "[DONE]" not in frames
    assert "ended" in json.loads(frames[-1])["error"]["message"] or "truncated" in frames[-1]


def test_a_truncated_upstream_is_an_anthropic_error_event_not_message_stop(gateway: str) -> None:
    response = post(gateway, "/v1/messages", {"model": TRUNCATED, "max_tokens": 5, "stream": True, "messages": HELLO})
    events = [line.removeprefix("event: ") for line in response.text.splitlines() if line.startswith("event: ")]
    assert events[-1] == "error" and "message_stop" not in events


def test_a_truncated_upstream_is_response_failed(gateway: str) -> None:
    response = post(gateway, "/v1/responses", {"model": TRUNCATED, "stream": True, "input": "hi"})
    types = [json.loads(frame)["type"] for frame in sse_data(response)]
    assert types[-1] == "response.failed" and "response.completed" not in types


# fallback: only before the first token ----------------------------------------------------


def test_a_route_falls_back_on_a_retryable_failure_before_the_first_token(gateway: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": "steady", "stream": True, "messages": HELLO})
    frames = sse_data(response)
    assert response.status_code == 200 and frames[-1] == "[DONE]"
    assert all(json.loads(f)["model"] == "steady" for f in frames[:-1])


def test_a_route_never_falls_back_after_the_first_token(gateway: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": "late-failure", "stream": True, "messages": HELLO})
    frames = sse_data(response)
    texts = "".join(
        json.loads(f)["choices"][0]["delta"].get("content") or "" for f in frames if '"choices"' in f and json.loads(f).get("choices")
    )
    assert texts  # the first model's tokens reached the client …
    assert "error" in json.loads(frames[-1]) and "[DONE]" not in frames  # … and its failure too


def test_a_plugin_bug_mid_stream_is_logged_and_reaches_the_client_as_an_error(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from rillet import StartEvent, TokenEvent
    from rillet.serve import _relay

    class BuggyStream:
        async def __aenter__(self) -> BuggyStream:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

        async def __aiter__(self) -> Any:
            yield StartEvent(provider="buggy", model="m")
            yield TokenEvent(text="Hel")
            raise KeyError("choices")

    class BuggyModel:
        def astream_tokens(self, *args: Any, **kwargs: Any) -> BuggyStream:
            return BuggyStream()

    monkeypatch.setattr(_relay, "open_model", lambda model_id, config: BuggyModel())
    with running_gateway(GatewayConfig()) as url:
        response = post(url, "/v1/chat/completions", {"model": "buggy/m", "stream": True, "messages": HELLO})
    frames = sse_data(response)
    assert response.status_code == 200 and "[DONE]" not in frames
    assert json.loads(frames[-2])["choices"][0]["delta"]["content"] == "Hel"
    error = json.loads(frames[-1])["error"]
    assert "failed while reading the upstream (KeyError)" in error["message"]
    assert any(record.name == "rillet.serve" and record.exc_info for record in caplog.records)


# the replay fence -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "replay/../pyproject.toml",
        "replay/../../shared/cassettes/anthropic/simonw_anthropic_text_stream.yaml",
        f"replay/{CASSETTES / 'openai' / 'openai_chat_scenario_text.yaml'}",
        "replay//etc/passwd",
    ],
)
def test_replay_never_reads_outside_the_replay_dir(gateway: str, model: str) -> None:
    response = post(gateway, "/v1/chat/completions", {"model": model, "messages": HELLO})
    assert response.status_code == 404, response.text


def test_without_a_replay_dir_only_the_bundled_demos_play() -> None:
    with running_gateway(GatewayConfig()) as url:
        demo = post(url, "/v1/chat/completions", {"model": "replay/demo", "messages": HELLO})
        cassette = post(url, "/v1/chat/completions", {"model": f"replay/{CASSETTES / 'openai' / 'openai_chat_scenario_text.yaml'}", "messages": HELLO})
    assert demo.status_code == 200 and demo.json()["choices"][0]["message"]["content"]
    assert cassette.status_code == 404 and "--replay-dir" in cassette.json()["error"]["message"]


# the gateway key ----------------------------------------------------------------------------


def test_a_gateway_key_is_required_when_set() -> None:
    with running_gateway(GatewayConfig(api_key="s3cret-gateway-key")) as url:
        body = {"model": "replay/demo", "messages": HELLO}
        missing = post(url, "/v1/chat/completions", body)
        wrong = httpx.post(url + "/v1/chat/completions", json=body, headers={"authorization": "Bearer wrong"}, timeout=30)
        bearer = httpx.post(url + "/v1/chat/completions", json=body, headers={"authorization": "Bearer s3cret-gateway-key"}, timeout=30)
        anthropic_style = httpx.post(
            url + "/v1/messages", json={**body, "max_tokens": 5}, headers={"x-api-key": "s3cret-gateway-key"}, timeout=30
        )
        models = httpx.get(url + "/v1/models", timeout=30)
    assert missing.status_code == 401 and wrong.status_code == 401 and models.status_code == 401
    assert "s3cret" not in missing.text + wrong.text
    assert bearer.status_code == 200 and anthropic_style.status_code == 200


def test_cors_is_off_unless_configured() -> None:
    preflight = {"origin": "http://app.example", "access-control-request-method": "POST"}
    with running_gateway(GatewayConfig()) as url:
        closed = httpx.options(url + "/v1/chat/completions", headers=preflight, timeout=30)
    with running_gateway(GatewayConfig(cors_origins=("http://app.example",))) as url:
        opened = httpx.options(url + "/v1/chat/completions", headers=preflight, timeout=30)
    assert "access-control-allow-origin" not in closed.headers
    assert opened.headers["access-control-allow-origin"] == "http://app.example"


def test_a_recording_that_cannot_be_played_is_named_as_the_client_named_it(tmp_path: Any) -> None:
    (tmp_path / "broken.yaml").write_text("not: a cassette\n")
    with running_gateway(GatewayConfig(replay_dir=str(tmp_path))) as url:
        response = post(url, "/v1/chat/completions", {"model": "replay/broken.yaml", "messages": HELLO})
    assert response.status_code == 404 and "replay/broken.yaml" in response.json()["error"]["message"]
    assert str(tmp_path) not in response.text  # the server's own paths stay on the server
