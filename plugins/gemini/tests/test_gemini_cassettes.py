"""What the conformance kit (test_gemini_conformance.py) does not check about the Gemini
recordings: they are all there, the expected files match them both ways, and this project's
own cassettes say they are hand-written and hold no key. Decoding them is the kit's job."""

from __future__ import annotations

import json
from pathlib import Path

from gemini_test_support import EXPECTED, OWN, SHARED

from rillet.cassettes import load_cassette


def _cassettes() -> list[Path]:
    shared = sorted((SHARED / "gemini").glob("*.yaml")) + sorted((SHARED / "errors").glob("*gemini*.yaml"))
    return shared + sorted(OWN.glob("*.yaml"))


@SHARED.required
def test_recordings_are_present() -> None:
    assert (SHARED / "gemini").is_dir(), f"shared cassettes missing at {SHARED} (set RILLET_SHARED_CASSETTES)"
    assert len(sorted((SHARED / "gemini").glob("*.yaml"))) >= 7
    assert len(sorted((SHARED / "errors").glob("*gemini*.yaml"))) == 2
    assert len(sorted(OWN.glob("*.yaml"))) >= 5


@SHARED.required
def test_every_cassette_has_an_expected_file_and_back() -> None:
    stems = {path.stem for path in _cassettes()}
    expected = {path.stem for path in EXPECTED.glob("*.json")}
    assert stems == expected
    for path in _cassettes():  # one entry per recorded interaction, none for an interaction that is not there
        entries = json.loads((EXPECTED / f"{path.stem}.json").read_text())["interactions"]
        assert set(entries) == {str(it.number) for it in load_cassette(path)}, path.stem


def test_own_cassettes_say_they_are_hand_written_and_hold_no_key() -> None:
    for path in sorted(OWN.glob("*.yaml")):
        text = path.read_text()
        assert text.startswith("# Written by hand by the rillet project to the documented Gemini "), path
        assert "not a recording" in "".join(text.splitlines()[:2]), path
        for interaction in load_cassette(path):  # no credential: absent, or filtered as vcrpy records it
            assert "key=" not in interaction.request.uri.lower(), path
            for name in ("x-goog-api-key", "authorization"):
                assert interaction.request.headers.get(name, ["<filtered>"]) == ["<filtered>"], (path, name)
