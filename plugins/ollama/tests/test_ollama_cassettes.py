"""What the conformance kit (test_ollama_conformance.py) does not check about the Ollama
recordings: the shared ones are there, tests/expected/<cassette>.json matches them both ways,
and this project's own cassettes say they are hand-written and carry no credential. Decoding
them is the kit's job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rillet.cassettes import load_cassette
from rillet.testing import SharedRecordings

HERE = Path(__file__).resolve().parent
REPO = Path(__file__).resolve().parents[3]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
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


@SHARED.required
def test_shared_recordings_are_present() -> None:
    assert SHARED_OLLAMA.is_dir(), f"shared recordings missing: {SHARED_OLLAMA} (set RILLET_SHARED_CASSETTES)"
    assert {path.stem for path in SHARED_OLLAMA.glob("*.yaml")} >= SHARED_NAMES


@SHARED.required
def test_every_cassette_has_an_expected_file_and_back() -> None:
    stems = {path.stem for path in _cassettes()}
    expected = {path.stem for path in EXPECTED.glob("*.json")}
    assert stems >= SHARED_NAMES
    assert len(stems) >= len(SHARED_NAMES) + 5
    assert stems == expected
    for path in _cassettes():  # one entry per recorded interaction, none for an interaction that is not there
        entries = json.loads((EXPECTED / f"{path.stem}.json").read_text(encoding="utf-8"))["interactions"]
        assert sorted(entries, key=int) == [str(i.number) for i in load_cassette(path)], path.stem
        for number, entry in entries.items():  # an interaction the plugin does not own is only described
            assert "owner" not in entry or (entry["owner"] is None and set(entry) <= {"owner", "note"}), (path.stem, number)


@pytest.mark.parametrize("path", sorted(OWN.glob("*.yaml")), ids=lambda p: p.stem)
def test_own_cassettes_say_they_are_hand_written(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Written by hand by the rillet project to the documented Ollama ")
    assert "not a recording." in text.splitlines()[0]
    for interaction in load_cassette(path):  # no credential: absent, or filtered as vcrpy records it
        for name in ("authorization", "x-api-key"):
            assert interaction.request.headers.get(name, ["<filtered>"]) == ["<filtered>"], name
