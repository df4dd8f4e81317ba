"""Replay every Anthropic recording (real and hand-written) and compare with expected files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from anthropic_cassette_support import (
    EXPECTED,
    PROJECT_CASSETTES,
    SHARED,
    decode_every_way,
    expected_for,
    interactions,
    outcome,
    project_cassettes,
    shared_cassettes,
)

ALL = shared_cassettes() + project_cassettes()
PROJECT_FILES = {
    "anthropic_redacted_thinking",
    "anthropic_overloaded_midstream",
    "anthropic_parallel_tool_use",
    "anthropic_truncated_body",
    "anthropic_refusal",
}


def test_shared_recordings_are_present() -> None:
    assert (SHARED / "anthropic").is_dir(), f"shared cassettes not found at {SHARED} (set RILLET_SHARED_CASSETTES)"
    names = {path.name for path in shared_cassettes()}
    assert "crewai_anthropic_tool_use_input_json_delta.yaml" in names
    assert "mirascope_anthropic_401_stream_request.yaml" in names
    assert "mirascope_anthropic_404_model_not_found_gzip.yaml" in names
    assert len(names) >= 9


def test_project_cassettes_are_present() -> None:
    assert {path.stem for path in project_cassettes()} == PROJECT_FILES


def test_every_cassette_has_an_expected_file_and_back() -> None:
    assert {path.stem for path in ALL} == {path.stem for path in EXPECTED.glob("*.json")}


@pytest.mark.parametrize("cassette", ALL, ids=lambda path: path.stem)
def test_cassette_decodes_to_expected(cassette: Path) -> None:
    expected = expected_for(cassette)
    recorded = interactions(cassette)
    assert sorted(expected, key=int) == [str(item.number) for item in recorded]
    for interaction in recorded:
        events = decode_every_way(interaction)
        assert events[0].type == "start"
        assert [event.type for event in events].count("start") == 1
        assert events[-1].type in ("end", "error")
        assert sum(event.type in ("end", "error") for event in events) == 1
        got = outcome(events)
        for key, value in expected[str(interaction.number)].items():
            if key == "usage":
                for field, count in value.items():
                    assert got["usage"].get(field) == count, (interaction.number, field)
            else:
                assert got[key] == value, (interaction.number, key)


@pytest.mark.parametrize("cassette", ALL, ids=lambda path: path.stem)
def test_deltas_concatenate_and_tool_calls_finish_once(cassette: Path) -> None:
    for interaction in interactions(cassette):
        events = decode_every_way(interaction)
        started = [event.index for event in events if event.type == "tool_call_start"]
        finished = [event for event in events if event.type == "tool_call"]
        if events[-1].type == "end":
            assert sorted(started) == sorted(call.index for call in finished)
        for call in finished:
            pieces = "".join(e.arguments_delta for e in events if e.type == "tool_call_delta" and e.index == call.index)
            assert pieces == call.raw_arguments
            position = events.index(call)
            assert not any(e.type == "tool_call_delta" and e.index == call.index for e in events[position:])


@pytest.mark.parametrize("cassette", project_cassettes(), ids=lambda path: path.stem)
def test_project_cassette_says_it_is_hand_written_and_has_no_auth(cassette: Path) -> None:
    text = cassette.read_text(encoding="utf-8")
    assert text.startswith("# Written by hand by the rillet project to the documented Anthropic wire format (https://")
    assert "not a recording." in text.splitlines()[0]
    document = yaml.safe_load(text)
    assert document["version"] == 1
    for item in document["interactions"]:
        names = {name.lower() for name in item["request"]["headers"]}
        assert not names & {"x-api-key", "authorization"}


def test_project_cassette_directory_is_the_repositorys() -> None:
    assert PROJECT_CASSETTES.parts[-2:] == ("cassettes", "anthropic")
