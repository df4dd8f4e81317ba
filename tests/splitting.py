"""Feeding helpers: a body whole, one byte at a time, and at seeded random split points."""

from __future__ import annotations

import random
import re
from typing import Any, Callable, Iterator


def chunkings(body: bytes, *, seeds: int = 20) -> Iterator[tuple[str, list[bytes]]]:
    """Yield ``(label, chunks)``: whole, bytewise, and ``seeds`` random splittings."""
    yield "whole", [body]
    yield "bytewise", [body[i : i + 1] for i in range(len(body))]
    frames = re.split(rb"(?<=\n\n)", body)  # one SSE event per chunk, as servers flush
    yield "frames", [frame for frame in frames if frame]
    for seed in range(seeds):
        rng = random.Random(seed)
        cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(1, 12)))) if len(body) > 1 else []
        edges = [0, *cuts, len(body)]
        yield f"seed{seed}", [body[a:b] for a, b in zip(edges, edges[1:])]


def parse_all(make_parser: Callable[[], Any], chunks: list[bytes]) -> list[Any]:
    parser = make_parser()
    items: list[Any] = []
    for chunk in chunks:
        items += parser.feed(chunk)
    return items + parser.close()
