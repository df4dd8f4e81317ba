"""One stream lifecycle for ``TokenStream`` and ``AggregatedStream``, sync and async:
``result()`` after a ``break`` finishes the stream; after ``close()`` / ``with`` /
``aclose()`` / a cancelled task it returns the partial result marked cancelled; a stream
nobody references any more closes its connection at once, with no garbage collector."""

from __future__ import annotations

import asyncio
import gc
import inspect
from typing import Any, Callable, Iterator

import pytest
from loopback import LoopbackServer, Reply

import rillet

pytestmark = pytest.mark.usefixtures("fake_plugin")

FIRST = b'{"t": "Hel", "id": "r1"}\n'
REST = [b'{"t": "lo"}\n', b'{"done": "stop"}\n']
KINDS = ["stream_tokens", "stream_with_aggregation"]


@pytest.fixture
def no_gc() -> Iterator[None]:
    """Only reference counting frees objects: a reference cycle would keep a stream open."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def held_model(server: LoopbackServer, options: rillet.StreamOptions, *, hold: float) -> rillet.StreamingChatModel:
    """A model whose server sends one token, waits ``hold`` seconds, then the rest."""
    server.queue(Reply(body=[FIRST, hold, *REST]))
    return rillet.get_model("fake/fake-1", base_url=server.url, options=options)


def open_stream(server: LoopbackServer, options: rillet.StreamOptions, kind: str, *, hold: float) -> Any:
    """A stream of :func:`held_model`."""
    return getattr(held_model(server, options, hold=hold), kind)("hi")


# What the caller does after the first token; each returns the stream's result.


def sync_break(stream: Any) -> Any:
    for event in stream:
        if event.type == "token":
            break
    return stream.result()


def sync_close(stream: Any) -> Any:
    for event in stream:
        if event.type == "token":
            break
    stream.close()
    return stream.result()


def sync_with(stream: Any) -> Any:
    with stream:
        for event in stream:
            if event.type == "token":
                break
    return stream.result()


async def async_break(stream: Any) -> Any:
    async for event in stream:
        if event.type == "token":
            break
    return await stream.aresult()


async def async_aclose(stream: Any) -> Any:
    async for event in stream:
        if event.type == "token":
            break
    await stream.aclose()
    return await stream.aresult()


async def async_with(stream: Any) -> Any:
    async with stream:
        async for event in stream:
            if event.type == "token":
                break
    return await stream.aresult()


async def async_task_cancel(stream: Any) -> Any:
    seen = asyncio.Event()

    async def consume() -> None:
        async for event in stream:
            if event.type == "token":
                seen.set()

    task = asyncio.create_task(consume())
    await seen.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return await stream.aresult()


def run(action: Callable[[Any], Any], stream: Any) -> Any:
    if inspect.iscoroutinefunction(action):
        return asyncio.run(action(stream))
    return action(stream)


FINISHING = [sync_break, async_break]
CANCELLING = [sync_close, sync_with, async_aclose, async_with, async_task_cancel]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", FINISHING, ids=lambda action: action.__name__)
def test_result_after_a_break_finishes_the_stream(server: LoopbackServer, fast_options: Any, kind: str, action: Any) -> None:
    stream = open_stream(server, fast_options, kind, hold=0.05)
    result = run(action, stream)
    assert (result.outcome, result.text, result.finish_reason) == ("complete", "Hello", "stop")
    assert not stream.cancelled


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", CANCELLING, ids=lambda action: action.__name__)
def test_result_after_closing_is_the_partial_result_marked_cancelled(
    server: LoopbackServer, fast_options: Any, kind: str, action: Any
) -> None:
    stream = open_stream(server, fast_options, kind, hold=10.0)
    result = run(action, stream)
    assert (result.outcome, result.text, result.finish_reason, result.error) == ("cancelled", "Hel", None, None)
    assert stream.cancelled and stream.partial.text == "Hel"
    if kind == "stream_with_aggregation":
        assert stream.inner.cancelled, "the aggregated stream's inner stream does not say it was cancelled"
    assert server.client_closed.wait(5), "the server never saw the client close"


@pytest.mark.parametrize("kind", KINDS)
def test_closing_a_stream_never_started_sends_nothing_and_says_cancelled(server: LoopbackServer, fast_options: Any, kind: str) -> None:
    stream = open_stream(server, fast_options, kind, hold=0.0)
    stream.close()
    result = stream.result()
    assert (result.outcome, result.text, server.requests) == ("cancelled", "", [])


@pytest.mark.parametrize("kind", KINDS)
def test_breaking_out_of_an_unreferenced_stream_closes_the_connection_at_once(
    server: LoopbackServer, fast_options: Any, kind: str, no_gc: None
) -> None:
    model = held_model(server, fast_options, hold=10.0)
    for event in getattr(model, kind)("hi"):
        if event.type == "token":
            break
    # Measured: the server sees the close about 0.2 ms after the break (the bound is generous).
    assert server.client_closed.wait(2), "the connection stayed open after the loop was left"


@pytest.mark.parametrize("kind", KINDS)
def test_async_break_from_an_unreferenced_stream_closes_it_without_a_stray_task_error(
    server: LoopbackServer, fast_options: Any, kind: str, no_gc: None
) -> None:
    model = held_model(server, fast_options, hold=10.0)
    reported: list[dict[str, Any]] = []

    async def main() -> bool:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: reported.append(context))
        async for event in getattr(model, f"a{kind}")("hi"):
            if event.type == "token":
                break
        for _ in range(200):  # the clean-up runs as a task on the loop: give it turns
            if server.client_closed.is_set():
                break
            await asyncio.sleep(0.01)
        gc.collect()  # whatever a collection would find must not fail either
        await asyncio.sleep(0.05)
        return server.client_closed.is_set()

    assert asyncio.run(main()), "the connection stayed open after the loop was left"
    gc.collect()
    assert reported == []


def test_a_stream_kept_in_a_variable_stays_open_after_a_break_until_closed(
    server: LoopbackServer, fast_options: Any, no_gc: None
) -> None:
    stream = open_stream(server, fast_options, "stream_tokens", hold=10.0)
    for event in stream:
        if event.type == "token":
            break
    assert not server.client_closed.wait(0.3), "a break closed a stream that result() could still finish"
    del stream
    assert server.client_closed.wait(2), "dropping the last reference left the connection open"


def test_an_async_stream_is_finished_and_closed_the_async_way(server: LoopbackServer, fast_options: Any) -> None:
    stream = open_stream(server, fast_options, "stream_tokens", hold=10.0)

    async def main() -> None:
        async for event in stream:
            if event.type == "token":
                break
        with pytest.raises(rillet.LocalProtocolError, match="aresult"):
            stream.result()
        with pytest.raises(rillet.LocalProtocolError, match="aclose"):
            stream.close()
        await stream.aclose()

    asyncio.run(main())
    assert stream.cancelled and stream.result().outcome == "cancelled"


def test_a_stream_finished_with_async_for_gives_its_result_to_sync_code(server: LoopbackServer, fast_options: Any) -> None:
    stream = open_stream(server, fast_options, "stream_with_aggregation", hold=0.01)

    async def main() -> None:
        async for _ in stream:
            pass

    asyncio.run(main())
    stream.close()  # a finished stream has nothing left to close
    assert (stream.result().outcome, stream.result().text) == ("complete", "Hello")


@pytest.mark.parametrize("kind", KINDS)
def test_closing_inside_the_loop_ends_the_loop(server: LoopbackServer, fast_options: Any, kind: str) -> None:
    stream = open_stream(server, fast_options, kind, hold=10.0)
    seen = []
    for event in stream:
        seen.append(event.type)
        if event.type == "token":
            stream.close()
    assert seen[-1] == "token" and stream.result().outcome == "cancelled"
    astream = open_stream(server, fast_options, kind, hold=10.0)

    async def main() -> list[str]:
        seen = []
        async for event in astream:
            seen.append(event.type)
            if event.type == "token":
                await astream.aclose()
        return seen

    assert asyncio.run(main())[-1] == "token" and astream.result().outcome == "cancelled"
