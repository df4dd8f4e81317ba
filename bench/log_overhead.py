"""What logging costs a stream: the same answer streamed with rillet's logger on and off.

The body comes from memory through an ``httpx.MockTransport`` (one chunk per SSE event,
as a socket would deliver it), so the socket's noise is out and everything else is real:
the openai plugin's request and decoder, the core's flow and sequencer, the hook wrappers,
the ``ObservedStream`` and the background writer (into a throw-away SQLite store). On and
off alternate within one process so drift hits both alike. A benchmark, not a test.

    python bench/log_overhead.py --tokens 20000 --rounds 15
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ["RILLET_HOME"] = tempfile.mkdtemp(prefix="rillet-bench-home-")
os.environ.pop("RILLET_LOG", None)
os.environ.pop("RILLET_LOG_URL", None)

import httpx  # noqa: E402

import rillet  # noqa: E402
import rillet.logs  # noqa: E402
from rillet import _clients  # noqa: E402  (the bench swaps the shared clients for mock ones)
from server import build_events  # noqa: E402


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body, one SSE event per chunk."""

    def __init__(self, chunks: tuple[bytes, ...]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def use_mock_clients(tokens: int) -> None:
    body = build_events(tokens)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Chunks(body))

    sync = httpx.Client(transport=httpx.MockTransport(answer), timeout=None)
    asynchronous = httpx.AsyncClient(transport=httpx.MockTransport(answer), timeout=None)
    _clients.sync_client = lambda: sync  # type: ignore[assignment]
    _clients.async_client = lambda: asynchronous  # type: ignore[assignment]


def once(model: Any, tokens: int, log: bool, mode: str) -> float:
    """Seconds per token of one stream; the stream is freed, and its row written, untimed."""
    options = {} if log else {"log": False}
    stream = model.stream_tokens("hi", max_tokens=tokens, **options)
    count = 0
    if mode == "sync":
        started = time.perf_counter()
        for event in stream:
            count += event.type == "token"
        elapsed = time.perf_counter() - started
    else:

        async def run() -> float:
            nonlocal count
            started = time.perf_counter()
            async for event in stream:
                count += event.type == "token"
            return time.perf_counter() - started

        elapsed = asyncio.run(run())
    rillet.logs.flush()
    del stream
    gc.collect()
    if count != tokens:
        raise RuntimeError(f"{count} tokens arrived, {tokens} expected")
    return elapsed / tokens


def observer_alone(count: int = 200_000, rounds: int = 15) -> tuple[float, float]:
    """Nanoseconds per event of iterating pre-built events bare and through an ``ObservedStream``."""
    events = [rillet.StartEvent(), *[rillet.TokenEvent(text="x")] * count, rillet.EndEvent()]

    class Inner:
        partial = None

        def __iter__(self) -> Iterator[Any]:
            return iter(events)

    def timed(stream: Any) -> float:
        started = time.perf_counter()
        for event in stream:
            event.type == "token"
        return (time.perf_counter() - started) / len(events) * 1e9

    bare = [timed(Inner()) for _ in range(rounds)]
    observed = [timed(rillet.logs.ObservedStream(Inner(), rillet.logs.StreamObserver(None, None, lambda *_: None))) for _ in range(rounds)]
    return statistics.median(bare), statistics.median(observed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=20000, help="tokens per stream (default: 20000)")
    parser.add_argument("--rounds", type=int, default=15, help="streams per setting and mode (default: 15)")
    args = parser.parse_args()
    bare, observed = observer_alone()
    print(f"observer alone: {bare:.0f} ns/event bare, {observed:.0f} ns/event observed (+{observed - bare:.0f} ns/event)")
    use_mock_clients(args.tokens)
    model = rillet.get_model("openai/bench", base_url="http://bench.test/v1", key="sk-bench-not-a-key")
    for mode in ("sync", "async"):
        once(model, args.tokens, True, mode), once(model, args.tokens, False, mode)  # warm up
        timings: dict[bool, list[float]] = {True: [], False: []}
        for round_number in range(args.rounds):
            for log in (True, False) if round_number % 2 else (False, True):
                timings[log].append(once(model, args.tokens, log, mode))
        on, off = statistics.median(timings[True]), statistics.median(timings[False])
        print(f"{mode:5}  logging on {1e6 * on:6.2f} µs/token  off {1e6 * off:6.2f} µs/token  on/off {on / off:.3f}×")
    rillet.logs.flush()
    with rillet.logs.open_store() as store:
        print(f"rows written: {store.count()} (every logged stream, warm-ups included)")


if __name__ == "__main__":
    main()
