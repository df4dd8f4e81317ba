"""Helpers shared by the rillet-anthropic tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import rillet
from rillet.testing import SharedRecordings
from rillet.cassettes import Interaction, load_cassette

from rillet_anthropic import rillet_replay_decoder

REPO = Path(__file__).resolve().parents[3]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
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


def expected_for(cassette: Path) -> dict[str, Any]:
    """The expected outcomes written for ``cassette`` (by reading its bodies)."""
    return json.loads((EXPECTED / f"{cassette.stem}.json").read_text(encoding="utf-8"))["interactions"]


def interactions(cassette: Path) -> list[Interaction]:
    """The cassette's interactions."""
    return load_cassette(cassette)
