"""Every Gemini recording (shared and this project's) decodes to its expected outcome,
whatever the chunking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gemini_test_support import EXPECTED, OWN, SHARED, chunkings, decode, fold

import rillet_gemini
from rillet.cassettes import load_cassette


def _cassettes() -> list[Path]:
    shared = sorted((SHARED / "gemini").glob("*.yaml")) + sorted((SHARED / "errors").glob("*gemini*.yaml"))
    return shared + sorted(OWN.glob("*.yaml"))


def test_recordings_are_present() -> None:
    assert (SHARED / "gemini").is_dir(), f"shared cassettes missing at {SHARED} (set RILLET_SHARED_CASSETTES)"
    assert len(sorted((SHARED / "gemini").glob("*.yaml"))) >= 7
    assert len(sorted((SHARED / "errors").glob("*gemini*.yaml"))) == 2
    assert len(sorted(OWN.glob("*.yaml"))) >= 5


def test_every_cassette_has_an_expected_file_and_back() -> None:
    stems = {path.stem for path in _cassettes()}
    expected = {path.stem for path in EXPECTED.glob("*.json")}
    assert stems == expected


def test_own_cassettes_say_they_are_hand_written_and_hold_no_key() -> None:
    for path in sorted(OWN.glob("*.yaml")):
        text = path.read_text()
        assert text.startswith("# Written by hand by the rillet project to the documented Gemini wire format"), path
        assert "not a recording" in text.splitlines()[1]
        lowered = text.lower()
        assert "x-goog-api-key" not in lowered and "key=" not in lowered and "authorization" not in lowered


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.stem)
def test_cassette_decodes_to_expected(path: Path) -> None:
    expected = json.loads((EXPECTED / f"{path.stem}.json").read_text())["interactions"]
    interactions = load_cassette(path)
    assert set(expected) == {str(it.number) for it in interactions}
    for interaction in interactions:
        want = expected[str(interaction.number)]
        request, response = interaction.request, interaction.response
        reference = None
        for label, chunks in chunkings(response.body):
            decoder = rillet_gemini.rillet_replay_decoder(method=request.method, url=request.uri, request_body=request.json())
            assert decoder is not None, request.uri
            events = decode(decoder, chunks, status=response.status, headers=response.headers)
            if reference is None:
                reference = events
                _check(fold(events), want, f"{path.stem}#{interaction.number}")
            else:
                assert events == reference, f"{path.stem}#{interaction.number}: {label} differs from whole"
        _check_grammar(reference)


def _check(result, want: dict, where: str) -> None:  # type: ignore[no-untyped-def]
    if "text" in want:
        assert result.text == want["text"], where
    if "reasoning" in want:
        assert result.message.reasoning == want["reasoning"], where
    if "tool_calls" in want:
        calls = [{"name": c.name, "arguments": c.arguments} for c in result.message.tool_calls]
        assert calls == want["tool_calls"], where
    if "finish_reason" in want:
        assert result.finish_reason == want["finish_reason"], where
    if "raw_finish_reason" in want:
        assert result.raw_finish_reason == want["raw_finish_reason"], where
    if "usage" in want:
        assert result.usage is not None, where
        for field, value in want["usage"].items():
            assert getattr(result.usage, field) == value, f"{where}: usage.{field}"
    if "error" in want:
        assert (result.error.code if result.error else None) == want["error"], where


def _check_grammar(events: list) -> None:  # type: ignore[no-untyped-def]
    types = [event.type for event in events]
    assert types[0] == "start" and types.count("start") == 1
    assert types[-1] in ("end", "error") and types.count("end") + types.count("error") == 1
    starts = {e.index for e in events if e.type == "tool_call_start"}
    finished = [e.index for e in events if e.type == "tool_call"]
    if types[-1] == "end":
        assert sorted(finished) == sorted(starts) and len(set(finished)) == len(finished)
    for call in (e for e in events if e.type == "tool_call"):
        deltas = "".join(e.arguments_delta for e in events if e.type == "tool_call_delta" and e.index == call.index)
        assert deltas == call.raw_arguments
        assert json.loads(call.raw_arguments or "{}") == call.arguments
