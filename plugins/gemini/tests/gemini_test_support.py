"""Helpers shared by the rillet-gemini tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Iterator

from rillet import StreamAggregator
from rillet.provider import decode_chunks, decode_response
from rillet.testing import SharedRecordings

REPO = Path(__file__).resolve().parents[3]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
OWN = REPO / "cassettes" / "gemini"
EXPECTED = Path(__file__).resolve().parent / "expected"


def chunkings(body: bytes, *, seeds: int = 20) -> Iterator[tuple[str, list[bytes]]]:
    """``(label, chunks)``: the body whole, one byte at a time, and at seeded random splits."""
    yield "whole", [body]
    yield "bytewise", [body[i : i + 1] for i in range(len(body))]
    for seed in range(seeds):
        rng = random.Random(seed)
        count = min(max(len(body) - 1, 0), rng.randint(1, 20))
        cuts = sorted(rng.sample(range(1, len(body)), count)) if count else []
        edges = [0, *cuts, len(body)]
        yield f"seed{seed}", [body[a:b] for a, b in zip(edges, edges[1:])]


def decode(decoder: Any, chunks: list[bytes], *, status: int = 200, headers: Any = None) -> list[Any]:
    """Sequenced events of a body fed in ``chunks`` (an error status → start + error)."""
    if status >= 400:
        return decode_response(decoder, status, headers or {}, chunks, provider="gemini")
    return decode_chunks(decoder, chunks, provider="gemini")


def fold(events: list[Any]) -> Any:
    """The ``ChatResult`` of ``events``."""
    return StreamAggregator.fold(events)


def sse(*payloads: str) -> bytes:
    """An alt=sse body from JSON texts, CRLF-separated as Google sends it."""
    return "".join(f"data: {payload}\r\n\r\n" for payload in payloads).encode()
