"""The logger plugin: every stream becomes one row — complete, failed, truncated or
cancelled, with what had arrived — from sync and async iteration alike, on SQLite and on
PostgreSQL; never a credential."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any, Iterator

import pytest
from log_support import DONE, TOKENS, both, fake_model, logged
from loopback import LoopbackServer, Reply, collect

import rillet
import rillet.logs

pytestmark = pytest.mark.usefixtures("fake_plugin")

KEY = "sk-fake-SECRET-123"  # the fake provider's key (fake_plugin sets it)


@both
def test_a_complete_stream_is_one_row_with_timing_and_speed(server: LoopbackServer, fast_options: Any, store_location: str, mode: str) -> None:
    server.queue(Reply(body=[*TOKENS, 0.05, b'{"t": " world"}\n', DONE]))
    events = collect(fake_model(server, fast_options).stream_tokens("hi", temperature=0.5), mode)
    assert events[-1].type == "end"
    (record,) = logged(store_location)
    assert (record.outcome, record.error_code, record.finish_reason) == ("complete", None, "stop")
    assert (record.provider, record.model, record.response_id, record.prompt) == ("fake", "fake-1", "r1", "hi")
    assert record.response_text == "Hello world"
    assert record.request["temperature"] == 0.5 and record.messages[-1].text == "hi"
    assert 0 <= record.time_to_first_token < record.duration
    assert record.duration >= 0.05
    assert record.tokens_per_second is not None and record.tokens_per_second > 0
    assert record.usage_estimated and record.output_tokens == 3  # "Hello world": 11 characters ≈ 3 tokens


@both
def test_an_error_is_logged_with_its_code_and_the_partial_text(server: LoopbackServer, fast_options: Any, store_location: str, mode: str) -> None:
    server.queue(Reply(body=[*TOKENS, b'{"error": "the model is overloaded", "code": "overloaded"}\n']))
    collect(fake_model(server, fast_options).stream_tokens("hi"), mode)
    (record,) = logged(store_location)
    assert (record.outcome, record.error_code) == ("error", "overloaded")
    assert record.response_text == "Hello" and "overloaded" in (record.error_message or "")


@both
def test_a_truncated_stream_is_logged_as_truncated_with_the_partial_text(server: LoopbackServer, fast_options: Any, store_location: str, mode: str) -> None:
    server.queue(Reply(body=TOKENS))  # no done line
    collect(fake_model(server, fast_options).stream_tokens("hi"), mode)
    (record,) = logged(store_location)
    assert (record.outcome, record.error_code, record.response_text) == ("truncated", "truncated", "Hello")


def test_a_stream_left_early_is_logged_as_cancelled_with_what_arrived(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(Reply(body=[TOKENS[0], 5.0, DONE]))
    stream = fake_model(server, fast_options).stream_tokens("hi")
    for event in stream:
        if event.type == "token":
            break
    stream.close()
    assert server.client_closed.wait(5), "closing the logged stream must close the connection"
    (record,) = logged(store_location)
    assert (record.outcome, record.response_text, record.finish_reason) == ("cancelled", "Hel", None)
    assert record.usage_estimated and record.output_tokens == 1 and record.input_tokens == 1


def test_a_cancelled_task_is_logged_as_cancelled(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(Reply(body=[TOKENS[0], 5.0, DONE]))
    stream = fake_model(server, fast_options).astream_tokens("hi")

    async def consume() -> None:
        async for _ in stream:
            pass

    async def main() -> None:
        task = asyncio.create_task(consume())
        while not stream.partial.text:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    (record,) = logged(store_location)
    assert (record.outcome, record.response_text) == ("cancelled", "Hel")


def test_an_abandoned_stream_is_logged_when_collected(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(Reply(body=[TOKENS[0], 5.0, DONE]))
    events = iter(fake_model(server, fast_options).stream_tokens("hi"))
    next(events), next(events)
    del events
    gc.collect()
    (record,) = logged(store_location)
    assert (record.outcome, record.response_text) == ("cancelled", "Hel")


@both
def test_reported_usage_is_kept_and_not_marked_estimated(store_location: str, mode: str) -> None:
    stream = rillet.get_model("replay/demo").stream_tokens("Why is the sky blue?", tokens_per_second=100_000)
    events = collect(stream, mode)
    (record,) = logged(store_location)
    assert (record.input_tokens, record.output_tokens, record.reasoning_tokens, record.usage_estimated) == (14, 44, 6, False)
    assert record.reasoning_text and record.response_text == "".join(e.text for e in events if e.type == "token")


def test_an_aggregated_stream_is_logged_once(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    result = fake_model(server, fast_options).stream_with_aggregation("hi").result()
    assert result.text == "Hello"
    (record,) = logged(store_location)
    assert (record.outcome, record.response_text) == ("complete", "Hello")


@pytest.mark.parametrize("how", ["argument", "environment", "setting"])
def test_logging_can_be_turned_off(server: LoopbackServer, fast_options: Any, store_location: str, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]), Reply(body=[*TOKENS, DONE]))
    options: dict[str, Any] = {}
    if how == "argument":
        options["log"] = False
    elif how == "environment":
        monkeypatch.setenv("RILLET_LOG", "0")
    else:
        rillet.logs.set_logging_setting(False)
    stream = fake_model(server, fast_options).stream_tokens("hi", **options)
    assert not isinstance(stream, rillet.logs.ObservedStream)
    assert "".join(e.text for e in stream if e.type == "token") == "Hello"
    assert "log" not in json.loads(server.requests[0][2])  # never sent to the provider
    assert logged(store_location) == []


def test_the_call_argument_wins_over_the_environment(server: LoopbackServer, fast_options: Any, store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RILLET_LOG", "0")
    server.queue(Reply(body=[*TOKENS, DONE]))
    list(fake_model(server, fast_options).stream_tokens("hi", log=True))
    assert len(logged(store_location)) == 1


def test_no_credential_reaches_a_row(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    """The key is in the headers, in the URL (as ``key=`` and as a password) and echoed back
    by the server in its error; the prompt quotes it too."""
    echoed = f'{{"error": "invalid key {KEY} for http://user:{KEY}@host/?key={KEY}", "code": "authentication"}}\n'
    server.queue(Reply(body=[TOKENS[0], echoed.encode()]))
    url = server.url.replace("http://", f"http://user:{KEY}@") + f"/?key={KEY}"
    stream = rillet.get_model("fake/fake-1", base_url=url, options=fast_options).stream_tokens(f"my key is {KEY}")
    events = list(stream)
    assert events[-1].type == "error"
    (record,) = logged(store_location)
    assert record.error_code == "authentication" and "invalid key" in (record.error_message or "")
    row = json.dumps(record.to_json())
    assert KEY not in row and "SECRET" not in row
    assert "redacted" in (record.error_message or "").lower() and "[REDACTED]" in record.prompt


def test_a_conversation_id_given_in_the_call_is_recorded(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    server.queue(Reply(body=[*TOKENS, DONE]))
    list(fake_model(server, fast_options).stream_tokens("hi", conversation_id="c-1", response_id="resp_1"))
    (record,) = logged(store_location)
    assert (record.conversation_id, record.response_id) == ("c-1", "resp_1")
    assert "context" not in record.request


def test_a_store_that_cannot_be_written_does_not_break_the_stream(server: LoopbackServer, fast_options: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("RILLET_LOG_URL", str(tmp_path / "file" / "logs.db"))  # a path under a file
    monkeypatch.delenv("RILLET_LOG")
    server.queue(Reply(body=[*TOKENS, DONE]))
    with caplog.at_level("WARNING", logger="rillet.logs"):
        assert fake_model(server, fast_options).stream_tokens("hi").result().text == "Hello"
        assert rillet.logs.flush(10)
    assert "could not log a stream" in caplog.text


class _CountingLogger:
    """A third-party logger written the documented way: a hook wrapper and an observer."""

    def __init__(self) -> None:
        self.finished: list[Any] = []

    @rillet.hookimpl(wrapper=True)
    def stream_tokens(self, model: Any, request: Any) -> Iterator[None]:
        stream = yield
        observer = rillet.logs.StreamObserver(model, request, lambda finished, inner: self.finished.append(finished))
        return rillet.logs.ObservedStream(stream, observer)  # type: ignore[return-value]


@both
def test_a_third_party_logger_sees_every_stream(server: LoopbackServer, fast_options: Any, store_location: str, mode: str) -> None:
    counting = _CountingLogger()
    rillet.register_plugin(counting, name="counting-logger")
    try:
        server.queue(Reply(body=[*TOKENS, DONE]))
        collect(fake_model(server, fast_options).stream_tokens("hi"), mode)
    finally:
        rillet.unregister_plugin("counting-logger")
    (finished,) = counting.finished
    assert rillet.logs.stream_outcome(finished.terminal) == ("complete", None)
    assert finished.message.text == "Hello"
    assert len(logged(store_location)) == 1  # rillet's own logger still logged it


def test_a_failing_observer_sink_does_not_break_the_stream(server: LoopbackServer, fast_options: Any, caplog: pytest.LogCaptureFixture) -> None:
    class BrokenLogger:
        @rillet.hookimpl(wrapper=True)
        def stream_tokens(self, model: Any, request: Any) -> Iterator[None]:
            stream = yield

            def sink(finished: Any, inner: Any) -> None:
                raise RuntimeError("the disk is on fire")

            return rillet.logs.ObservedStream(stream, rillet.logs.StreamObserver(model, request, sink))  # type: ignore[return-value]

    rillet.register_plugin(BrokenLogger(), name="broken-logger")
    try:
        server.queue(Reply(body=[*TOKENS, DONE]))
        with caplog.at_level("WARNING", logger="rillet.logs"):
            assert fake_model(server, fast_options).stream_tokens("hi").result().text == "Hello"
    finally:
        rillet.unregister_plugin("broken-logger")
    assert "the disk is on fire" in caplog.text


def test_a_logged_stream_closed_before_it_began_sends_nothing_and_logs_nothing(server: LoopbackServer, fast_options: Any, store_location: str) -> None:
    stream = fake_model(server, fast_options).stream_tokens("hi")
    stream.close()
    assert stream.result().text == ""
    assert server.requests == [] and logged(store_location) == []


class _Events:
    """An inner stream of pre-built events that notes when it is closed."""

    def __init__(self) -> None:
        self.closed = False
        self.partial = rillet.Message("assistant", [])

    def __iter__(self) -> Iterator[Any]:
        try:
            yield rillet.StartEvent()
            yield rillet.TokenEvent(text="Hel")
            yield rillet.TokenEvent(text="lo")
            yield rillet.EndEvent()
        finally:
            self.closed = True

    def close(self) -> None:
        self.closed = True


def test_leaving_an_unreferenced_observed_stream_closes_it_without_the_garbage_collector() -> None:
    """Its generator holds no reference back to it (no cycle), so CPython frees both at once."""
    import weakref

    inner, finished = _Events(), []
    observed = rillet.logs.ObservedStream(inner, rillet.logs.StreamObserver(None, None, lambda done, _: finished.append(done)))
    alive = weakref.ref(observed)
    gc.disable()
    try:
        for event in observed:
            if event.type == "token":
                break
        del observed, event
        assert alive() is None, "the observed stream is kept alive by a reference cycle"
        assert inner.closed and len(finished) == 1 and finished[0].terminal is None
    finally:
        gc.enable()
