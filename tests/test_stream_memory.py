"""Memory per stream: nothing a stream keeps grows with the answer beyond about the text
itself (no string object per token, no list of every event or chunk)."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from typing import Any, Callable, Iterator

import pytest
from loopback import LoopbackServer, Reply

import rillet

TOKENS = 20_000  # five characters each: a 100,000-character answer
TEXT = "".join(f"{number:05d}" for number in range(TOKENS))


def retained_by(build: Callable[[], Any]) -> tuple[Any, int]:
    """What ``build()`` returns and the bytes still allocated for it once it returned
    (measured on a second call: the first one imports and caches what it needs)."""
    build()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        return kept, tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def deltas(kind: str) -> Iterator[Any]:
    """Events made one by one (and dropped once aggregated), as a stream delivers them."""
    for number in range(TOKENS):
        piece = f"{number:05d}"
        if kind == "text":
            yield rillet.TokenEvent(text=piece)
        elif kind == "reasoning":
            yield rillet.ReasoningEvent(text=piece)
        else:
            yield rillet.ToolCallDeltaEvent(index=0, arguments_delta=piece)


@pytest.mark.parametrize("kind", ["text", "reasoning", "tool"])
def test_an_aggregated_answer_costs_about_its_own_length(kind: str) -> None:
    def aggregate() -> rillet.StreamAggregator:
        aggregator = rillet.StreamAggregator()
        for event in deltas(kind):
            aggregator.add(event)
        return aggregator

    aggregator, retained = retained_by(aggregate)
    part = aggregator.message().content[0]
    assert (part.raw_arguments if kind == "tool" else part.text) == TEXT
    assert retained < 2 * len(TEXT) + 16_000, f"{retained:,} bytes kept for a {len(TEXT):,}-character answer"


@pytest.mark.usefixtures("fake_plugin")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_finished_stream_keeps_about_its_text(server: LoopbackServer, mode: str) -> None:
    lines = b"".join(b'{"t": "%05d"}\n' % number for number in range(TOKENS))
    server.queue(*[Reply(body=[lines, b'{"done": "stop"}\n'])] * 2)
    model = rillet.get_model("fake/fake-1", base_url=server.url, options=rillet.StreamOptions(max_retries=0))

    def consume() -> Any:
        stream = model.stream_tokens("hi")
        if mode == "sync":
            for _ in stream:
                pass
            return stream

        async def drain() -> None:
            async for _ in stream:
                pass

        asyncio.run(drain())
        return stream

    stream, retained = retained_by(consume)
    assert stream.finished and stream.partial.text == TEXT
    assert retained < 2 * len(TEXT) + 64_000, f"{retained:,} bytes kept by a stream of a {len(TEXT):,}-character answer"
