"""Every timeout holds in sync as in async, whatever the others are set to, with its phase.

Each case is a loopback server that misbehaves (stalls before the headers, drips them,
stalls mid-body, never accepts the connection) and the limit that must end the wait: the
``error`` event names the limit's ``phase``, keeps what arrived, and comes within a
generous bound of the setting (the tight figures are measured, not asserted here).
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any, Iterator

import pytest
from loopback import LoopbackServer, Reply

import rillet

pytestmark = pytest.mark.usefixtures("fake_plugin")

HEL, LO = b'{"t": "Hel", "id": "r1"}\n', b'{"t": "lo"}\n'
DONE = b'{"done": "stop"}\n'
SLACK = 0.5  # a limit must fire well within this of its setting (measured: a few ms)
STALL = 3.0  # how long a misbehaving server stalls: longer than any limit under test

both = pytest.mark.parametrize("mode", ["sync", "async"])


def options(**limits: float | None) -> rillet.StreamOptions:
    """Generous limits except those given; no retries."""
    settings: dict[str, Any] = {"connect_timeout": 5.0, "first_token_timeout": 5.0, "gap_timeout": 5.0, "max_retries": 0}
    return rillet.StreamOptions(**{**settings, **limits})


def timed_stream(url: str, stream_options: rillet.StreamOptions, mode: str, pause_after_first_token: float = 0.0) -> tuple[list[Any], float]:
    """The events of one stream and the seconds it took, consumed with ``for`` or ``async for``."""
    model = rillet.get_model("fake/fake-1", base_url=url, options=stream_options)
    if mode == "sync":
        events = []
        started = time.monotonic()
        for event in model.stream_tokens("hi"):
            events.append(event)
            if event.type == "token" and len(events) == 2:
                time.sleep(pause_after_first_token)
        return events, time.monotonic() - started

    async def consume() -> tuple[list[Any], float]:
        collected = []
        started = time.monotonic()  # the event loop is running: its start-up is not the stream's time
        async for event in model.astream_tokens("hi"):
            collected.append(event)
            if event.type == "token" and len(collected) == 2:
                await asyncio.sleep(pause_after_first_token)
        return collected, time.monotonic() - started

    return asyncio.run(consume())


STALLS = {
    # name: (limits, reply, phase that fires, the setting it fires at, text kept)
    "gap without a first-token limit": (dict(first_token_timeout=None, gap_timeout=0.3), Reply(body=[HEL, STALL, LO, DONE]), "gap", 0.3, "Hel"),
    "first token without a gap limit": (dict(first_token_timeout=0.3, gap_timeout=None), Reply(body=[STALL, HEL, LO, DONE]), "first_token", 0.3, ""),
    "a short gap under a long first-token limit": (dict(first_token_timeout=5.0, gap_timeout=0.3), Reply(body=[HEL, STALL, LO, DONE]), "gap", 0.3, "Hel"),
    "total under long first-token and gap limits": (dict(total_timeout=1.0), Reply(body=[HEL, STALL, LO, DONE]), "total", 1.0, "Hel"),
    "no headers at all": (dict(first_token_timeout=0.3, total_timeout=1.0), Reply(head_pause=STALL, body=[HEL, LO, DONE]), "first_token", 0.3, ""),
    "headers dripping a byte at a time": (dict(first_token_timeout=0.5), Reply(head_drip=0.05, body=[HEL, LO, DONE]), "first_token", 0.5, ""),
    "total while dripping body bytes": (
        dict(gap_timeout=0.3, total_timeout=1.0),
        Reply(body=[HEL, *[item for _ in range(30) for item in (0.1, b" ")], LO, DONE]),
        "total",
        1.0,
        "Hel",
    ),
}


@both
@pytest.mark.parametrize("case", list(STALLS))
def test_a_stall_ends_at_its_limit_with_the_phase_and_the_partial(server: LoopbackServer, mode: str, case: str) -> None:
    limits, reply, phase, setting, text = STALLS[case]
    server.queue(reply)
    events, elapsed = timed_stream(server.url, options(**limits), mode)
    error = events[-1]
    assert (error.type, error.code, error.phase) == ("error", "timeout", phase), error
    assert error.partial is None or error.partial.text == text
    assert "".join(event.text for event in events if event.type == "token") == text
    assert setting <= elapsed + 0.05 and elapsed < setting + SLACK, f"{case}: {elapsed:.3f}s for a {setting}s limit"


@pytest.fixture
def unaccepting_address() -> Iterator[str]:
    """A listening socket whose accept queue is full, so a new connection never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())
    host, port = listener.getsockname()
    yield f"http://{host}:{port}"
    filler.close()
    listener.close()


CONNECT_STALLS = {
    "connect under long first-token and total limits": (dict(connect_timeout=0.3, total_timeout=5.0), "connect", 0.3),
    "first token counts from sending, connecting included": (dict(connect_timeout=5.0, first_token_timeout=0.3), "first_token", 0.3),
    "total under a long connect limit": (dict(connect_timeout=5.0, total_timeout=0.3), "total", 0.3),
}


@both
@pytest.mark.parametrize("case", list(CONNECT_STALLS))
def test_a_connection_that_never_opens_ends_at_the_sooner_limit(unaccepting_address: str, mode: str, case: str) -> None:
    limits, phase, setting = CONNECT_STALLS[case]
    events, elapsed = timed_stream(unaccepting_address, options(**limits), mode)
    assert [event.type for event in events] == ["start", "error"]
    assert (events[-1].code, events[-1].phase) == ("timeout", phase), events[-1]
    assert setting <= elapsed + 0.05 and elapsed < setting + SLACK, f"{case}: {elapsed:.3f}s for a {setting}s limit"


@both
@pytest.mark.parametrize("limits", [dict(total_timeout=0.5), dict(gap_timeout=0.2)], ids=["total", "gap"])
def test_bytes_that_arrived_while_the_caller_was_busy_are_delivered(server: LoopbackServer, mode: str, limits: dict[str, float]) -> None:
    """The answer arrived in full while the caller dwelt on the first token past the
    limit: it is delivered, not thrown away as a timeout."""
    server.queue(Reply(body=[HEL, LO, DONE]))
    events, _ = timed_stream(server.url, options(**limits), mode, pause_after_first_token=0.8)
    assert [event.type for event in events] == ["start", "token", "token", "end"], events[-1]
    assert "".join(event.text for event in events if event.type == "token") == "Hello"


@both
def test_the_phase_survives_into_the_raised_error(server: LoopbackServer, mode: str) -> None:
    server.queue(Reply(body=[HEL, STALL, LO, DONE]))
    stream = rillet.get_model("fake/fake-1", base_url=server.url, options=options(gap_timeout=0.2)).stream_tokens("hi")
    with pytest.raises(rillet.StreamTimeoutError) as raised:
        stream.result() if mode == "sync" else asyncio.run(stream.aresult())
    assert raised.value.phase == "gap" and raised.value.partial.text == "Hel"
    assert "gap_timeout" in raised.value.message


def test_an_async_stream_under_asyncio_opens_no_timeout_scope(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The async driver bounds a read by the deadline on its connection and a send by the
    deadline in the context variable, as the sync driver does, not by a timeout scope of its
    own (one per body chunk doubled the cost of ``astream_tokens``); the async sockets wait on
    one timer each. The limits stay exact (the tests above)."""
    import anyio

    chunks = [HEL, *[LO] * 40, DONE]
    server.queue(Reply(body=chunks))
    scopes = 0
    fail_after = anyio.fail_after

    def counting_fail_after(*args: Any, **kwargs: Any) -> Any:
        nonlocal scopes
        scopes += 1
        return fail_after(*args, **kwargs)

    monkeypatch.setattr(anyio, "fail_after", counting_fail_after)
    events, _ = timed_stream(server.url, options(total_timeout=5.0), "async")
    assert events[-1].type == "end" and sum(event.type == "token" for event in events) == len(chunks) - 1
    assert scopes == 0
