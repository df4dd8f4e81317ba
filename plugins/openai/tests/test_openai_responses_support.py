"""Helpers shared by the Responses API tests (no tests here; the name is unique across plugins)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from rillet import decode_response
from rillet.cassettes import Interaction, load_cassette
from rillet.testing import SharedRecordings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rillet_openai without installing it

from rillet_openai.responses_decoder import ResponsesDecoder  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
SHARED_RESPONSES = SHARED / "openai_responses"
PROJECT_CASSETTES = REPO / "cassettes" / "openai"
EXPECTED = Path(__file__).resolve().parent / "expected"


def shared_cassettes() -> list[Path]:
    """The real Responses recordings (an empty list if the directory is missing: tests assert on it)."""
    return sorted(SHARED_RESPONSES.glob("*.yaml"))


def project_cassettes() -> list[Path]:
    """This project's hand-written Responses cassettes."""
    return sorted(PROJECT_CASSETTES.glob("responses_*.yaml"))


def expected_for(cassette: Path) -> dict[str, Any]:
    """The expected outcomes of ``cassette``, by interaction number."""
    return json.loads((EXPECTED / f"{cassette.stem}.json").read_text(encoding="utf-8"))["interactions"]


def decode(interaction: Interaction, chunks: list[bytes]) -> list[Any]:
    """Decode one recorded response fed as ``chunks``."""
    headers = {name: values[0] for name, values in interaction.response.headers.items()}
    return decode_response(
        ResponsesDecoder(), interaction.response.status, headers, chunks, provider="openai-responses"
    )


def split_at(body: bytes, points: list[int]) -> list[bytes]:
    """``body`` cut at the given offsets."""
    edges = [0, *sorted(set(points)), len(body)]
    return [body[start:end] for start, end in zip(edges, edges[1:])]


def chunkings(body: bytes, seed: int = 0) -> dict[str, list[bytes]]:
    """The body whole, one byte at a time, and at 20 seeded random split points."""
    rng = random.Random(seed)
    points = [rng.randrange(1, len(body)) for _ in range(20)] if len(body) > 1 else []
    return {
        "whole": [body],
        "bytewise": [body[i : i + 1] for i in range(len(body))],
        "random": split_at(body, points),
    }


def decode_every_way(interaction: Interaction) -> list[Any]:
    """Decode the interaction under every chunking; assert the event lists are identical."""
    results = {name: decode(interaction, chunks) for name, chunks in chunkings(interaction.response.body, interaction.number).items()}
    whole = results["whole"]
    for name, events in results.items():
        assert events == whole, f"{name} chunking changed the events"
    return whole


def load(path: Path) -> list[Interaction]:
    """The interactions of a cassette."""
    return load_cassette(path)
