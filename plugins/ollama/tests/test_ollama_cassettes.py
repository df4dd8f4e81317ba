"""Every Ollama recording (shared real ones and this project's hand-written ones) decodes to
the outcome written in tests/expected/<cassette>.json — whole, byte by byte and at random
split points, with identical events every way."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

import rillet
from rillet.cassettes import load_cassette

import rillet_ollama

HERE = Path(__file__).resolve().parent
REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES", REPO.parent / "shared" / "cassettes"))
SHARED_OLLAMA = SHARED / "ollama"
OWN = REPO / "cassettes" / "ollama"
EXPECTED = HERE / "expected"

SHARED_NAMES = {
    "magentic_litellm_ollama_chat_stream",
    "openinference_ollama_chat_tool_call_NONSTREAM_reference",
    "openllmetry_ollama_chat_stream_llama3",
    "openllmetry_ollama_generate_stream_llama3",
}


def _cassettes() -> list[Path]:
    return sorted(SHARED_OLLAMA.glob("*.yaml")) + sorted(OWN.glob("*.yaml"))


def test_shared_recordings_are_present() -> None:
    assert SHARED_OLLAMA.is_dir(), f"shared recordings missing: {SHARED_OLLAMA} (set RILLET_SHARED_CASSETTES)"
    assert {path.stem for path in SHARED_OLLAMA.glob("*.yaml")} >= SHARED_NAMES


def test_every_cassette_has_an_expected_file_and_back() -> None:
    stems = {path.stem for path in _cassettes()}
    expected = {path.stem for path in EXPECTED.glob("*.json")}
    assert stems >= SHARED_NAMES
    assert len(stems) >= len(SHARED_NAMES) + 5
    assert stems == expected


def _split(body: bytes, points: list[int]) -> list[bytes]:
    cuts = [0, *sorted(set(points)), len(body)]
    return [body[a:b] for a, b in zip(cuts, cuts[1:])]


def _decode(interaction: rillet.cassettes.Interaction, chunks: list[bytes]) -> list:
    decoder = rillet_ollama.rillet_replay_decoder(
        method=interaction.request.method, url=interaction.request.uri, request_body=interaction.request.json()
    )
    assert decoder is not None
    return rillet.decode_response(
        decoder, interaction.response.status, interaction.response.headers, chunks, provider="ollama"
    )


def _check(result: rillet.ChatResult, expected: dict) -> None:
    for key, want in expected.items():
        if key == "text":
            assert result.text == want
        elif key == "reasoning":
            assert result.message.reasoning == want
        elif key == "tool_calls":
            assert [{"name": c.name, "arguments": c.arguments} for c in result.message.tool_calls] == want
        elif key == "finish_reason":
            assert result.finish_reason == want
        elif key == "raw_finish_reason":
            assert result.raw_finish_reason == want
        elif key == "usage":
            assert result.usage is not None
            assert {name: getattr(result.usage, name) for name in want} == want
        elif key == "error":
            assert (result.error.code if result.error else None) == want
        else:
            raise AssertionError(f"unknown key {key!r} in expected file")


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.stem)
def test_cassette_decodes_to_expected(path: Path) -> None:
    expected = json.loads((EXPECTED / f"{path.stem}.json").read_text(encoding="utf-8"))["interactions"]
    interactions = load_cassette(path)
    assert sorted(expected, key=int) == [str(i.number) for i in interactions]
    for interaction in interactions:
        want = expected[str(interaction.number)]
        decoder = rillet_ollama.rillet_replay_decoder(
            method=interaction.request.method, url=interaction.request.uri, request_body=interaction.request.json()
        )
        if "owner" in want:  # an interaction this plugin does not own (not an Ollama URL)
            assert want["owner"] is None and set(want) <= {"owner", "note"}
            assert decoder is None
            continue
        assert decoder is not None, interaction.request.uri
        body = interaction.response.body
        whole = _decode(interaction, [body])
        assert _decode(interaction, [body[i : i + 1] for i in range(len(body))]) == whole
        rng = random.Random(f"{path.stem}/{interaction.number}")
        for _ in range(20):
            points = [rng.randrange(1, max(len(body), 2)) for _ in range(rng.randrange(1, 8))]
            assert _decode(interaction, _split(body, points)) == whole
        kinds = [event.type for event in whole]
        assert kinds[0] == "start" and kinds[-1] in ("end", "error") and kinds.count("start") == 1
        assert sum(kind in ("end", "error") for kind in kinds) == 1
        result = rillet.StreamAggregator.fold(whole)
        _check(result, want)
        # tool-call invariants: deltas concatenate to the raw arguments, one tool_call per index
        for call in (e for e in whole if e.type == "tool_call"):
            deltas = "".join(e.arguments_delta for e in whole if e.type == "tool_call_delta" and e.index == call.index)
            assert deltas == call.raw_arguments
        indexes = [e.index for e in whole if e.type == "tool_call"]
        assert len(indexes) == len(set(indexes))


@pytest.mark.parametrize("path", sorted(OWN.glob("*.yaml")), ids=lambda p: p.stem)
def test_own_cassettes_say_they_are_hand_written(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(
        "# Written by hand by the rillet project to the documented Ollama wire format ("
    )
    assert "not a recording." in text.splitlines()[0]
    lowered = text.lower()
    assert "authorization" not in lowered and "x-api-key" not in lowered
