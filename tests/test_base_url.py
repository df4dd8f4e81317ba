"""Base URLs and answers that are not what a stream expects: a query string to keep, a URL
that cannot work, a redirect, a body in another format, a Retry-After that is no number."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from loopback import LoopbackServer, Reply, collect

import rillet
from rillet._http_errors import parse_retry_after
from rillet._urls import join_url

pytestmark = pytest.mark.usefixtures("fake_plugin")

TOKENS = [b'{"t": "Hel", "id": "r1"}\n', b'{"t": "lo"}\n']
DONE = b'{"done": "stop"}\n'
both = pytest.mark.parametrize("mode", ["sync", "async"])


def start(model: rillet.StreamingChatModel, mode: str) -> Any:
    """Call ``stream_tokens`` / ``astream_tokens`` (the call itself, not the iteration)."""
    return model.stream_tokens("hi") if mode == "sync" else model.astream_tokens("hi")


def fake(base_url: str, options: rillet.StreamOptions, **kwargs: Any) -> rillet.StreamingChatModel:
    return rillet.get_model("fake/fake-1", base_url=base_url, options=options, **kwargs)


# a query string in the base URL ---------------------------------------------------------


@both
def test_the_query_of_the_base_url_is_kept_and_the_path_goes_before_it(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    events = collect(fake(f"{server.url}/openai/deployments/d1?api-version=2024-10-21", fast_options).stream_tokens("hi"), mode)
    assert events[-1].type == "end"
    assert server.requests[0][0] == "POST /openai/deployments/d1/chat?api-version=2024-10-21 HTTP/1.1"


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("openai/gpt-4o", "https://x.example/openai/deployments/d1/chat/completions?api-version=2024-10-21"),
        ("openai-responses/gpt-5", "https://x.example/openai/deployments/d1/responses?api-version=2024-10-21"),
        ("anthropic/claude-sonnet-4-5", "https://x.example/openai/deployments/d1/v1/messages?api-version=2024-10-21"),
        ("gemini/gemini-2.5-flash", "https://x.example/openai/deployments/d1/models/gemini-2.5-flash:streamGenerateContent?api-version=2024-10-21&alt=sse"),
        ("ollama/llama3.1", "https://x.example/openai/deployments/d1/api/chat?api-version=2024-10-21"),
    ],
)
def test_every_shipped_plugin_keeps_the_query_of_the_base_url(model_id: str, expected: str) -> None:
    model = rillet.get_model(model_id, key="sk-test-0123456789", base_url="https://x.example/openai/deployments/d1?api-version=2024-10-21")
    assert str(model.stream_tokens("hi").request.url) == expected


def test_a_host_the_plugin_fills_in_is_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", ":11434")  # the ollama CLI's spelling of 127.0.0.1:11434
    assert str(rillet.get_model("ollama/llama3.1").stream_tokens("hi").request.url) == "http://127.0.0.1:11434/api/chat"


def test_join_url_merges_the_two_queries_and_ignores_slashes() -> None:
    assert join_url("http://h/v1/?a=1", "/chat?b=2") == "http://h/v1/chat?a=1&b=2"
    assert join_url("http://h", "chat") == "http://h/chat"


# base URLs that cannot work --------------------------------------------------------------

BAD_URLS = ["http://[::1", "http://127.0.0.1:99999", "http://127.0.0.1:0", "ftp://127.0.0.1", "http://", "http://127.0.0.1:port"]


@both
@pytest.mark.parametrize("base_url", BAD_URLS)
def test_a_bad_base_url_is_a_configuration_error_naming_it_before_anything_is_sent(
    server: LoopbackServer, fast_options: Any, base_url: str, mode: str
) -> None:
    with pytest.raises(rillet.ConfigurationError) as raised:
        start(fake(base_url, fast_options), mode)
    assert f"invalid base URL {base_url!r}" in str(raised.value)
    assert server.requests == []


@both
def test_a_bad_url_in_a_plugin_built_request_is_refused_too(fast_options: Any, mode: str) -> None:
    model = fake("http://127.0.0.1:1", fast_options)
    with pytest.raises(rillet.ConfigurationError, match="99999"):
        rillet.TokenStream(model, httpx.Request("POST", "http://127.0.0.1:99999/chat"), lambda: None)  # type: ignore[arg-type,return-value]


def test_a_bad_base_url_does_not_break_the_model_repr(fast_options: Any) -> None:
    assert "http://[::1" in repr(fake("http://[::1", fast_options))


@both
def test_connection_refused_names_the_url_it_tried(fast_options: Any, mode: str) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    events = collect(fake(f"http://127.0.0.1:{port}/v1", rillet.StreamOptions(max_retries=0)).stream_tokens("hi"), mode)
    assert events[-1].code == "connection"
    assert f"could not connect to http://127.0.0.1:{port}/v1/chat:" in events[-1].message


# answers that are not a stream -----------------------------------------------------------


@both
@pytest.mark.parametrize(
    ("location", "shown"),
    [("https://api.example.com/v1/chat", "https://api.example.com/v1/chat"), ("/v2/chat", "{server}/v2/chat")],
)
def test_a_redirect_says_the_server_redirected_and_where_to(
    server: LoopbackServer, fast_options: Any, mode: str, location: str, shown: str
) -> None:
    server.queue(Reply(status=301, headers={"location": location}, body=[b"moved"]))
    events = collect(fake(server.url, fast_options).stream_tokens("hi"), mode)
    error = events[-1]
    assert error.type == "error" and error.code == "transport" and error.status_code == 301 and not error.retryable
    assert f"the server redirected (HTTP 301) to {shown.format(server=server.url)};" in error.message
    assert "truncated" not in error.message and "retry" not in error.message
    assert len(server.requests) == 1


HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in to the Wi-Fi</title></head><body>...</body></html>\n"


@both
def test_an_html_page_with_status_200_is_a_protocol_error_quoting_it(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(headers={"content-type": "text/html; charset=utf-8"}, body=[HTML]))
    events = collect(fake(server.url, fast_options).stream_tokens("hi"), mode)
    error = events[-1]
    assert [event.type for event in events] == ["start", "error"]
    assert error.code == "protocol" and not error.retryable and error.status_code == 200
    assert "text/html" in error.message and "<!DOCTYPE html>\\n<html><head><title>Sign in to the Wi-Fi" in error.message
    assert len(server.requests) == 1  # not retried


@pytest.mark.parametrize("model_id", ["openai/gpt-4o", "openai-responses/gpt-5", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash", "ollama/llama3.1"])
def test_every_shipped_plugin_reports_an_html_page_as_protocol(server: LoopbackServer, fast_options: Any, model_id: str) -> None:
    server.queue(Reply(headers={"content-type": "text/html"}, body=[HTML]))
    model = rillet.get_model(model_id, key="sk-test-0123456789", base_url=server.url, options=fast_options)
    error = list(model.stream_tokens("hi"))[-1]
    assert error.code == "protocol" and "<!DOCTYPE html>" in error.message


OLLAMA_LINES = [
    b'{"model":"llama3.1","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi"},"done":false}\n',
    b'{"model":"llama3.1","created_at":"2025-01-01T00:00:01Z","message":{"role":"assistant","content":""},"done":true}\n',
]


@both
def test_the_openai_plugin_pointed_at_an_ndjson_server_names_what_arrived(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(headers={"content-type": "application/x-ndjson"}, body=OLLAMA_LINES))
    model = rillet.get_model("openai/llama3.1", key="sk-test-0123456789", base_url=server.url, options=fast_options)
    error = collect(model.stream_tokens("hi"), mode)[-1]
    assert error.code == "protocol"
    assert "application/x-ndjson where text/event-stream was asked for" in error.message
    assert '{"model":"llama3.1"' in error.message
    assert len(server.requests) == 1


@both
def test_an_event_stream_cut_inside_its_first_frame_is_still_truncated(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    cut = b'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi'
    server.queue(*[Reply(headers={"content-type": "text/event-stream"}, body=[cut])] * 3)
    model = rillet.get_model("openai/gpt-4o", key="sk-test-0123456789", base_url=server.url, options=fast_options)
    error = collect(model.stream_tokens("hi"), mode)[-1]
    assert error.code == "truncated" and error.retryable


# Retry-After that is not a number of seconds ---------------------------------------------


@both
def test_a_retry_after_of_nan_or_inf_counts_as_absent(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    busy = b'{"error": {"message": "slow down"}}'
    server.queue(
        Reply(status=429, headers={"retry-after": "nan"}, body=[busy]),
        Reply(status=429, headers={"retry-after": "inf"}, body=[busy]),
        Reply(body=[*TOKENS, DONE]),
    )
    events = collect(fake(server.url, fast_options).stream_tokens("hi"), mode)
    assert events[-1].type == "end"  # retried with the normal backoff, not given up at once
    assert len(server.requests) == 3


@both
def test_a_surfaced_rate_limit_with_retry_after_inf_has_no_retry_after(server: LoopbackServer, mode: str) -> None:
    server.queue(Reply(status=429, headers={"retry-after": "inf", "retry-after-ms": "nan"}, body=[b'{"error": {"message": "slow down"}}']))
    events = collect(fake(server.url, rillet.StreamOptions(max_retries=0)).stream_tokens("hi"), mode)
    assert events[-1].code == "rate_limit" and events[-1].retry_after is None


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity"])
def test_parse_retry_after_ignores_numbers_that_are_not_finite(value: str) -> None:
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None
