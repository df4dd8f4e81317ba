"""No key is echoed: not from a server that quotes it back, not from a URL that carries it."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import httpx
import pytest
from loopback import LoopbackServer, Reply

import rillet
from rillet._redaction import Redactor, redact_url

pytestmark = pytest.mark.usefixtures("fake_plugin")

KEY = "sk-fake-SECRET-123"  # the fake provider's key (conftest's FAKE_API_KEY)
DONE = b'{"done": "stop"}\n'
both = pytest.mark.parametrize("mode", ["sync", "async"])


def run(stream: Any, mode: str) -> tuple[list[Any], rillet.RilletError | None]:
    """The events of ``stream`` and the exception ``result()`` raises, driven sync or async."""
    if mode == "sync":
        events = list(stream)
        try:
            stream.result()
        except rillet.RilletError as error:
            return events, error
        return events, None

    async def gather() -> tuple[list[Any], rillet.RilletError | None]:
        events = [event async for event in stream]
        try:
            await stream.aresult()
        except rillet.RilletError as error:
            return events, error
        return events, None

    return asyncio.run(gather())


def everything_built(events: list[Any], error: rillet.RilletError | None) -> str:
    """All rillet built from the response: every event as JSON, the exception, its repr and raw."""
    assert error is not None
    return "\n".join([*(event.model_dump_json() for event in events), str(error), repr(error), json.dumps(error.raw)])


@both
def test_a_401_body_that_echoes_the_key_is_redacted(server: LoopbackServer, fast_plugin_model: Any, mode: str) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error", "code": "invalid_api_key"}}
    server.queue(Reply(status=401, headers={"content-type": "application/json"}, body=[json.dumps(body).encode()]))
    events, error = run(fast_plugin_model(server).stream_tokens("hi"), mode)
    assert events[-1].code == "authentication"
    assert "Incorrect API key provided: [redacted]" in events[-1].message
    assert events[-1].raw["error"]["message"] == "Incorrect API key provided: [redacted]"
    assert KEY not in everything_built(events, error)


@both
def test_an_in_band_error_frame_that_echoes_the_key_is_redacted(server: LoopbackServer, fast_plugin_model: Any, mode: str) -> None:
    server.queue(Reply(body=[b'{"t": "Hel"}\n', f'{{"error": "key {KEY} revoked", "code": "authentication"}}\n'.encode()]))
    events, error = run(fast_plugin_model(server).stream_tokens("hi"), mode)
    assert [event.type for event in events] == ["start", "token", "error"]
    assert events[-1].message == "key [redacted] revoked"
    assert events[-1].partial is not None and events[-1].partial.text == "Hel"  # the partial result is kept
    assert KEY not in everything_built(events, error)


@both
def test_a_malformed_frame_quoted_in_a_protocol_error_is_redacted(server: LoopbackServer, fast_plugin_model: Any, mode: str) -> None:
    server.queue(Reply(body=[b'{"t": "Hel"}\n', f'{{"t": "{KEY}\n'.encode(), DONE]))
    events, error = run(fast_plugin_model(server).stream_tokens("hi"), mode)
    assert events[-1].code == "protocol"
    assert "[redacted]" in events[-1].message
    assert KEY not in everything_built(events, error)


@both
def test_an_explicit_key_and_a_key_in_the_base_url_are_redacted(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    explicit, in_query = "sk-explicit-0123456789", "AIzaQUERY-0123456789"
    echo = {"error": {"message": f"bad keys: {explicit} and {in_query}"}}
    server.queue(Reply(status=400, body=[json.dumps(echo).encode()]))
    model = rillet.get_model("fake/fake-1", key=explicit, base_url=f"{server.url}?key={in_query}", options=fast_options)
    events, error = run(model.stream_tokens("hi"), mode)
    assert events[-1].message.startswith("fake answered HTTP 400: bad keys: [redacted] and [redacted]")
    built = everything_built(events, error)
    assert explicit not in built and in_query not in built


def test_url_credentials_are_hidden_in_reprs_and_httpx_log_lines(
    server: LoopbackServer, fast_options: Any, caplog: pytest.LogCaptureFixture
) -> None:
    host = server.url.removeprefix("http://")
    base_url = f"http://alice:pw-SECRET-9876@{host}/v1?api-version=2024-10-21&key=AIza-SECRET-5432"
    server.queue(Reply(body=[b'{"t": "hi"}\n', DONE]))
    caplog.set_level(logging.INFO, logger="httpx")
    model = rillet.get_model("fake/fake-1", base_url=base_url, options=fast_options)
    stream = model.stream_tokens("hi")
    events = list(stream)
    assert events[-1].type == "end"
    logged = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert any("HTTP Request: POST" in line for line in logged)
    shown = "\n".join([repr(model), repr(stream), *logged])
    assert "pw-SECRET-9876" not in shown and "AIza-SECRET-5432" not in shown and "alice" not in shown
    assert "api-version=2024-10-21" in repr(model)  # what is not a secret stays readable


def test_redact_url_hides_user_info_and_key_like_query_values() -> None:
    url = "https://user:pass@host:8443/v1beta?api-version=1&key=abc&API_KEY=def&token=ghi#frag"
    assert redact_url(url) == "https://[redacted]@host:8443/v1beta?api-version=1&key=[redacted]&API_KEY=[redacted]&token=[redacted]#frag"
    assert redact_url(httpx.URL("http://h/x?alt=sse")) == "http://h/x?alt=sse"
    assert redact_url("http://[::1") == "http://[::1"  # unparseable text is still handled


def test_the_redactor_collects_every_credential_header_of_the_request() -> None:
    request = httpx.Request(
        "POST",
        "http://u:p4ssword@h/x?key=qkey-1234",
        headers={"Authorization": "Bearer bearer-1234", "x-api-key": "xapi-1234", "x-goog-api-key": "goog-1234", "api-key": "azure-1234"},
    )
    redactor = Redactor.for_request(request, "explicit-1234")
    text = "bearer-1234 xapi-1234 goog-1234 azure-1234 p4ssword qkey-1234 explicit-1234 Bearer bearer-1234"
    assert redactor.text(text) == " ".join(["[redacted]"] * 8)
    assert redactor.value({"nested": ["xapi-1234", 3, None]}) == {"nested": ["[redacted]", 3, None]}


def test_placeholders_and_words_that_merely_contain_a_key_are_left_alone() -> None:
    redactor = Redactor(["EMP", "abcd1234"])
    assert redactor.text("EMP abcd12345 xabcd1234 abcd1234.") == "EMP abcd12345 xabcd1234 [redacted]."


def test_rillet_models_does_not_show_the_credentials_of_a_base_url() -> None:
    from cli_support import run as run_cli

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli("models", "--provider", "ollama", "--base-url", f"http://alice:pw-SECRET-9876@127.0.0.1:{port}?key=AIza-SECRET-5432")
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "pw-SECRET-9876" not in result.output + result.stderr and "AIza-SECRET-5432" not in result.output + result.stderr


@both
@pytest.mark.parametrize("model_id", ["openai/gpt-4o", "openai-responses/gpt-5", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash", "ollama/llama3.1"])
def test_every_shipped_plugin_gets_an_echoed_key_redacted(server: LoopbackServer, fast_options: Any, model_id: str, mode: str) -> None:
    key = "sk-shipped-0123456789abcdef"
    body = {"error": {"message": f"Incorrect API key provided: {key}", "type": "authentication_error", "code": 401}}
    server.queue(Reply(status=401, headers={"content-type": "application/json"}, body=[json.dumps(body).encode()]))
    model = rillet.get_model(model_id, key=key, base_url=server.url, options=fast_options)
    events, error = run(model.stream_tokens("hi"), mode)
    assert events[-1].code == "authentication" and "[redacted]" in events[-1].message
    assert key not in everything_built(events, error)
