"""The transport: retries, timeouts, truncation, cancellation — sync and async alike."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from loopback import LoopbackServer, Reply, collect

import rillet
from rillet._transport import map_httpx_error

pytestmark = pytest.mark.usefixtures("fake_plugin")

TOKENS = [b'{"t": "Hel", "id": "r1"}\n', b'{"t": "lo"}\n']
DONE = b'{"done": "stop"}\n'


def model(server: LoopbackServer, options: rillet.StreamOptions, **kwargs: Any) -> rillet.StreamingChatModel:
    return rillet.get_model("fake/fake-1", base_url=server.url, options=options, **kwargs)


both = pytest.mark.parametrize("mode", ["sync", "async"])


@both
def test_a_complete_stream_is_start_tokens_end(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    events = collect(model(server, fast_options).stream_tokens("hi"), mode)
    assert [e.type for e in events] == ["start", "token", "token", "end"]
    assert events[0].response_id == "r1"
    assert events[-1].finish_reason == "stop"
    assert events[-1].timing.duration >= events[-1].timing.time_to_first_token >= 0


@both
def test_server_errors_are_retried_before_the_first_event(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(
        Reply(status=503, body=[b'{"error": {"message": "busy"}}']),
        Reply(status=429, headers={"retry-after": "0"}, body=[b'{"error": {"message": "slow down"}}']),
        Reply(body=[*TOKENS, DONE]),
    )
    events = collect(model(server, fast_options).stream_tokens("hi"), mode)
    assert "".join(e.text for e in events if e.type == "token") == "Hello"
    assert len(server.requests) == 3


@both
def test_retries_give_up_with_the_typed_error(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(*[Reply(status=529, body=[b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'])] * 3)
    events = collect(model(server, fast_options).stream_tokens("hi"), mode)
    assert [e.type for e in events] == ["start", "error"]
    assert events[-1].code == "overloaded" and events[-1].retryable and events[-1].status_code == 529
    assert len(server.requests) == fast_options.max_retries + 1


@both
def test_client_errors_are_not_retried(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(status=401, body=[b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}']))
    events = collect(model(server, fast_options).stream_tokens("hi"), mode)
    assert events[-1].code == "authentication"
    assert "Incorrect API key" in events[-1].message and "rillet keys set" in events[-1].message
    assert len(server.requests) == 1


@both
def test_a_failure_after_the_first_event_is_surfaced_not_resent(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(body=TOKENS, complete=False), Reply(body=[*TOKENS, DONE]))
    events = collect(model(server, fast_options).stream_tokens("hi"), mode)
    assert events[-1].type == "error" and events[-1].code == "truncated"
    assert events[-1].partial.text == "Hello"
    assert len(server.requests) == 1


@both
def test_a_body_ending_without_the_terminal_marker_is_truncated(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(body=TOKENS))  # a clean chunked end, but no done line
    stream = model(server, fast_options).stream_tokens("hi")
    events = collect(stream, mode)
    assert [e.type for e in events][-1] == "error"
    assert events[-1].code == "truncated" and events[-1].partial.text == "Hello"
    with pytest.raises(rillet.TruncatedStreamError) as raised:
        stream.result()
    assert raised.value.partial.text == "Hello"


@both
def test_in_band_error_frames_end_the_stream_with_partial(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    server.queue(Reply(body=[*TOKENS, b'{"error": "model overloaded", "code": "overloaded"}\n', DONE]))
    events = collect(model(server, fast_options).stream_tokens("hi"), mode)
    assert [e.type for e in events] == ["start", "token", "token", "error"]
    assert events[-1].code == "overloaded" and events[-1].partial.text == "Hello"
    assert len(server.requests) == 1


@both
def test_first_token_timeout(server: LoopbackServer, mode: str) -> None:
    options = rillet.StreamOptions(first_token_timeout=0.2, gap_timeout=0.2, max_retries=0)
    server.queue(Reply(body=[1.5, *TOKENS, DONE]))
    events = collect(model(server, options).stream_tokens("hi"), mode)
    assert events[-1].code == "timeout" and "first token" in events[-1].message


@both
def test_gap_timeout_keeps_what_arrived(server: LoopbackServer, mode: str) -> None:
    options = rillet.StreamOptions(first_token_timeout=2.0, gap_timeout=0.2, max_retries=0)
    server.queue(Reply(body=[*TOKENS, 1.5, DONE]))
    events = collect(model(server, options).stream_tokens("hi"), mode)
    assert events[-1].code == "timeout" and "gap" in events[-1].message
    assert events[-1].partial.text == "Hello"


@both
def test_connection_refused_is_a_connect_error(fast_options: Any, mode: str) -> None:
    dead = rillet.get_model("fake/fake-1", base_url="http://127.0.0.1:9", options=fast_options)
    events = collect(dead.stream_tokens("hi"), mode)
    assert [e.type for e in events] == ["start", "error"]
    assert events[-1].code == "connection" and "check the base URL" in events[-1].message


def test_leaving_the_loop_closes_the_connection(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[TOKENS[0], 10.0, TOKENS[1]]))  # the client leaves during the pause
    stream = model(server, fast_options).stream_tokens("hi")
    for event in stream:
        if event.type == "token":
            break
    stream.close()
    assert server.client_closed.wait(5), "the server never saw the client close"
    assert stream.cancelled and stream.partial.text == "Hel"


def test_with_block_closes_the_connection(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=TOKENS, hold=10.0))
    with model(server, fast_options).stream_tokens("hi") as stream:
        assert next(iter(stream)).type == "start"
    assert server.client_closed.wait(5)


def test_cancelling_the_task_closes_the_connection(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=TOKENS, hold=10.0))
    stream = model(server, fast_options).astream_tokens("hi")
    seen: list[str] = []

    async def consume() -> None:
        async for event in stream:
            seen.append(event.type)

    async def main() -> None:
        task = asyncio.create_task(consume())
        while "token" not in seen:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert server.client_closed.wait(5)
    assert stream.cancelled and stream.partial.text.startswith("Hel")


def test_async_aclose_closes_the_connection(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=TOKENS, hold=10.0))

    async def main() -> None:
        async with model(server, fast_options).astream_tokens("hi") as stream:
            async for event in stream:
                if event.type == "token":
                    break

    asyncio.run(main())
    assert server.client_closed.wait(5)


def test_sync_and_async_give_the_same_events(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[*TOKENS, b'{"r": "hmm"}\n', DONE]), Reply(body=[*TOKENS, b'{"r": "hmm"}\n', DONE]))
    sync_events = collect(model(server, fast_options).stream_tokens("hi"), "sync")
    async_events = collect(model(server, fast_options).stream_tokens("hi"), "async")
    strip = lambda events: [e.model_copy(update={"timing": None}) if e.type == "end" else e for e in events]  # noqa: E731
    assert strip(sync_events) == strip(async_events)


def test_a_stream_iterates_only_once(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    stream = model(server, fast_options).stream_tokens("hi")
    list(stream)
    with pytest.raises(rillet.LocalProtocolError, match="only once"):
        list(stream)


def test_nothing_is_sent_until_iteration(server: LoopbackServer, fast_options: Any) -> None:
    stream = model(server, fast_options).stream_tokens("hi")
    assert server.requests == []
    stream.close()
    assert server.requests == []


def test_the_key_never_appears_in_reprs_errors_or_logs(server: LoopbackServer, fast_options: Any, caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-fake-SECRET-123"
    server.queue(Reply(status=401, body=[b'{"error": {"message": "bad key"}}']))
    caplog.set_level(logging.DEBUG)
    chat_model = model(server, fast_options, key=secret)
    stream = chat_model.stream_tokens("hi")
    events = list(stream)
    assert server.requests[0][1]["authorization"] == f"Bearer {secret}"  # it was sent…
    exposed = [repr(chat_model), repr(stream), *(e.model_dump_json() for e in events), caplog.text]
    with pytest.raises(rillet.AuthenticationError) as raised:
        stream.result()
    exposed += [str(raised.value), repr(raised.value)]
    assert all(secret not in text for text in exposed)  # …and shown nowhere


def test_missing_key_names_the_env_var_and_the_command(monkeypatch: pytest.MonkeyPatch, fast_options: Any) -> None:
    monkeypatch.delenv("FAKE_API_KEY")
    with pytest.raises(rillet.MissingKeyError, match=r"set FAKE_API_KEY, run `rillet keys set fake`"):
        rillet.get_model("fake/fake-1", options=fast_options).stream_tokens("hi")


def test_backoff_doubles_with_jitter_and_honours_retry_after() -> None:
    options = rillet.StreamOptions(max_retries=3, backoff_initial=1.0, backoff_max=3.0, retry_after_max=30)
    assert [options.backoff(n, None, rng=lambda: 1.0) for n in range(4)] == [1.0, 2.0, 3.0, None]
    assert options.backoff(0, None, rng=lambda: 0.0) == 0.5
    assert options.backoff(0, 7.0) == 7.0
    assert options.backoff(0, 31.0) is None  # too long a wait: surface the error instead


def _leaf_httpx_errors(cls: type = httpx.HTTPError) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= _leaf_httpx_errors(sub) if sub.__subclasses__() else {sub}
    return found


@pytest.mark.parametrize("error_class", sorted(_leaf_httpx_errors(), key=lambda c: c.__name__))
def test_every_httpx_error_maps_to_a_specific_rillet_error(error_class: type) -> None:
    request = httpx.Request("GET", "http://x")
    if error_class is httpx.HTTPStatusError:
        exc = error_class("boom", request=request, response=httpx.Response(503, request=request))
    elif "request" in error_class.__init__.__code__.co_varnames:
        exc = error_class("boom", request=request)
    else:
        exc = error_class("boom")
    mapped = map_httpx_error(exc, "gap")
    assert type(mapped) not in (rillet.RilletError, rillet.TransportError) or mapped.retryable is False, error_class
    assert mapped.message


def test_result_resumes_a_stream_left_mid_way(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    stream = model(server, fast_options).stream_tokens("hi")
    for event in stream:
        if event.type == "token":
            break
    assert stream.result().text == "Hello"


def test_result_of_a_closed_stream_is_what_arrived(server: LoopbackServer, fast_options: Any) -> None:
    server.queue(Reply(body=[TOKENS[0], 5.0, TOKENS[1]]))  # closed during the pause
    stream = model(server, fast_options).stream_tokens("hi")
    for event in stream:
        if event.type == "token":
            break
    stream.close()
    result = stream.result()
    assert (result.text, result.finish_reason, stream.cancelled) == ("Hel", None, True)


def _texts_of_streams_in_a_row(chat: rillet.StreamingChatModel, count: int, mode: str) -> list[str]:
    """The text of ``count`` streams run one after another (in one event loop, for async)."""
    if mode == "sync":
        return [chat.stream_tokens("hi").result().text for _ in range(count)]

    async def run() -> list[str]:
        texts = []
        for _ in range(count):
            async with chat.astream_tokens("hi") as stream:
                texts.append((await stream.aresult()).text)
        return texts

    return asyncio.run(run())


@both
def test_streams_one_after_another_reuse_the_connection(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    # The body is read to its end after the terminal event, so the connection goes back
    # to the pool: a second request to a provider skips the TCP (and TLS) handshake.
    server.queue(*[Reply(body=[*TOKENS, DONE], keep_alive=True) for _ in range(3)])
    texts = _texts_of_streams_in_a_row(model(server, fast_options), 3, mode)
    assert texts == ["Hello"] * 3
    assert server.connections == 1


@both
def test_a_providers_cookie_is_neither_kept_nor_sent_back(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    # Streams of one process may serve different people (a gateway): a cookie set by a
    # provider's load balancer must not become state that every later stream carries.
    from rillet._clients import async_client, sync_client

    cookie = {"content-type": "application/x-ndjson", "set-cookie": "affinity=node-7; Path=/"}
    server.queue(*[Reply(headers=cookie, body=[*TOKENS, DONE], keep_alive=True) for _ in range(2)])
    chat = model(server, fast_options)
    if mode == "sync":
        texts = [chat.stream_tokens("hi").result().text for _ in range(2)]
        kept = len(sync_client().cookies)
    else:

        async def run() -> tuple[list[str], int]:
            texts = []
            for _ in range(2):
                async with chat.astream_tokens("hi") as stream:
                    texts.append((await stream.aresult()).text)
            return texts, len(async_client().cookies)  # the client those streams used

        texts, kept = asyncio.run(run())
    assert texts == ["Hello"] * 2
    assert kept == 0
    assert [headers.get("cookie") for _, headers, _ in server.requests] == [None, None]


@both
def test_a_body_left_open_after_the_terminal_event_is_let_go(server: LoopbackServer, fast_options: Any, mode: str) -> None:
    # The server sends the terminal event but never ends the body: the stream still ends
    # at once (the gap timeout is 2 s, the server holds for 30 s), and the connection,
    # which cannot be reused, is closed.
    server.queue(Reply(body=[*TOKENS, DONE], keep_alive=True, hold=30.0), Reply(body=[*TOKENS, DONE], keep_alive=True))
    texts = _texts_of_streams_in_a_row(model(server, fast_options), 2, mode)
    assert texts == ["Hello"] * 2
    assert server.client_closed.wait(5), "the held connection was never closed"
    assert server.connections == 2
