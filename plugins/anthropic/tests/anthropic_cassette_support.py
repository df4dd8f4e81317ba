"""Helpers shared by the rillet-anthropic tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import rillet
from rillet.cassettes import Interaction, load_cassette

from rillet_anthropic import rillet_replay_decoder

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES", REPO.parent / "shared" / "cassettes"))
PROJECT_CASSETTES = REPO / "cassettes" / "anthropic"
EXPECTED = Path(__file__).resolve().parent / "expected"


def shared_cassettes() -> list[Path]:
    """Every real Anthropic recording: ``anthropic/*.yaml`` and ``errors/*anthropic*.yaml``."""
    return sorted((SHARED / "anthropic").glob("*.yaml")) + sorted((SHARED / "errors").glob("*anthropic*.yaml"))


def project_cassettes() -> list[Path]:
    """The project's hand-written Anthropic cassettes."""
    return sorted(PROJECT_CASSETTES.glob("*.yaml"))


def flat_headers(interaction: Interaction) -> dict[str, str]:
    """Response headers as a plain ``name -> first value`` mapping."""
    return {name: values[0] for name, values in interaction.response.headers.items() if values}


def decode(interaction: Interaction, chunks: list[bytes]) -> list[Any]:
    """Decode a recorded response fed as ``chunks``, through the plugin's replay decoder."""
    request = interaction.request
    decoder = rillet_replay_decoder(method=request.method, url=request.uri, request_body=request.json())
    assert decoder is not None, f"no decoder for {request.method} {request.uri}"
    model = (request.json() or {}).get("model", "")
    return rillet.decode_response(
        decoder, interaction.response.status, flat_headers(interaction), chunks, provider="anthropic", model=model
    )


def splits(body: bytes, seed: int, count: int = 20) -> list[bytes]:
    """``body`` cut at ``count`` seeded random points."""
    if not body:
        return [body]
    points = sorted(random.Random(seed).sample(range(1, len(body)), min(count, max(len(body) - 1, 0))))
    return [body[start:end] for start, end in zip([0, *points], [*points, len(body)])]


def dump(events: list[Any]) -> list[dict[str, Any]]:
    """Events as plain dicts, for equality checks with readable diffs."""
    return [event.model_dump() for event in events]


def decode_every_way(interaction: Interaction) -> list[Any]:
    """Decode whole, one byte at a time and at random split points; assert all agree."""
    body = interaction.response.body
    whole = decode(interaction, [body])
    byte_by_byte = decode(interaction, [body[i : i + 1] for i in range(len(body))])
    assert dump(byte_by_byte) == dump(whole), "one byte at a time differs from whole"
    for seed in range(3):
        assert dump(decode(interaction, splits(body, seed))) == dump(whole), f"random split (seed {seed}) differs"
    return whole


def outcome(events: list[Any]) -> dict[str, Any]:
    """What the expected files describe, read from the folded events."""
    result = rillet.StreamAggregator.fold(events)
    usage = result.usage.model_dump() if result.usage is not None else {}
    return {
        "text": result.text,
        "reasoning": result.message.reasoning,
        "tool_calls": [{"name": call.name, "arguments": call.arguments} for call in result.message.tool_calls],
        "finish_reason": result.finish_reason,
        "raw_finish_reason": result.raw_finish_reason,
        "usage": usage,
        "error": result.error.code if result.error is not None else None,
    }


def expected_for(cassette: Path) -> dict[str, Any]:
    """The expected outcomes written for ``cassette`` (by reading its bodies)."""
    return json.loads((EXPECTED / f"{cassette.stem}.json").read_text(encoding="utf-8"))["interactions"]


def interactions(cassette: Path) -> list[Interaction]:
    """The cassette's interactions."""
    return load_cassette(cassette)
