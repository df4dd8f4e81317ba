"""What the conformance kit (test_anthropic_conformance.py) does not check about the Anthropic
recordings: they are all there, the expected files match them both ways, and the hand-written
ones say so and carry no auth. Decoding them is the kit's job."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_anthropic_conformance as conformance
import yaml

from anthropic_cassette_support import (
    EXPECTED,
    PROJECT_CASSETTES,
    SHARED,
    expected_for,
    interactions,
    project_cassettes,
    shared_cassettes,
)

ALL = shared_cassettes() + project_cassettes()
PROJECT_FILES = {
    "anthropic_image_input",
    "anthropic_redacted_thinking",
    "anthropic_overloaded_midstream",
    "anthropic_parallel_tool_use",
    "anthropic_truncated_body",
    "anthropic_refusal",
    "anthropic_nonstream_beta_query",
    "anthropic_nonstream_web_search_citations",
    "anthropic_tool_input_cut_by_max_tokens",
    "anthropic_web_search_citations_beta_query",
}


@SHARED.required
def test_shared_recordings_are_present() -> None:
    assert (SHARED / "anthropic").is_dir(), f"shared cassettes not found at {SHARED} (set RILLET_SHARED_CASSETTES)"
    names = {path.name for path in shared_cassettes()}
    assert "crewai_anthropic_tool_use_input_json_delta.yaml" in names
    assert "mirascope_anthropic_401_stream_request.yaml" in names
    assert "mirascope_anthropic_404_model_not_found_gzip.yaml" in names
    assert len(names) >= 9


def test_project_cassettes_are_present() -> None:
    scenarios = set(conformance.TestAnthropicConformance.scenarios)  # the kit's live scenarios, replayed from here
    assert {path.stem for path in project_cassettes()} == PROJECT_FILES | scenarios


@SHARED.required
def test_every_cassette_has_an_expected_file_and_back() -> None:
    assert {path.stem for path in ALL} == {path.stem for path in EXPECTED.glob("*.json")}
    for cassette in ALL:  # one entry per recorded interaction, none for an interaction that is not there
        assert sorted(expected_for(cassette), key=int) == [str(item.number) for item in interactions(cassette)], cassette.stem


@pytest.mark.parametrize("cassette", project_cassettes(), ids=lambda path: path.stem)
def test_project_cassette_says_it_is_hand_written_and_has_no_auth(cassette: Path) -> None:
    text = cassette.read_text(encoding="utf-8")
    assert text.startswith("# Written by hand by the rillet project to the documented Anthropic ")
    assert "(https://" in text.splitlines()[0] and "not a recording." in text.splitlines()[0]
    document = yaml.safe_load(text)
    assert document["version"] == 1
    for item in document["interactions"]:  # no credential: absent, or filtered as vcrpy records it
        headers = {name.lower(): values for name, values in item["request"]["headers"].items()}
        for name in ("x-api-key", "authorization"):
            assert headers.get(name, ["<filtered>"]) == ["<filtered>"], name


def test_project_cassette_directory_is_the_repositorys() -> None:
    assert PROJECT_CASSETTES.parts[-2:] == ("cassettes", "anthropic")
