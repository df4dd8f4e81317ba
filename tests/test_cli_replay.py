"""``rillet replay`` on the shared real recordings: split-invariant, unknown URLs reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from cli_support import run, shared_cassettes_dir

from rillet.cli.replay import split_body

SHARED = shared_cassettes_dir()
CASSETTES = sorted(SHARED.glob("*/*.yaml"))
OWN = Path(__file__).resolve().parents[1] / "cassettes"
#: Hand-written cassettes of the shapes real traffic has: query strings, non-streaming answers
#: (and HTTP errors to them), content-part lists, n > 1, Anthropic server tools.
SHAPES = sorted({
    path
    for pattern in ("*/*nonstream*.yaml", "*/*query*.yaml", "*/*dollar_alt*.yaml", "*/*n2*.yaml", "*/*candidate_count*.yaml", "*/*content_parts*.yaml", "*/*web_search*.yaml")
    for path in OWN.glob(pattern)
})


@SHARED.required
def test_shared_cassettes_are_present() -> None:
    assert SHARED.present, SHARED.reason
    assert len(CASSETTES) >= 10


def test_split_body() -> None:
    body = bytes(range(200))
    assert split_body(body) == [body]
    assert split_body(b"") == []
    assert split_body(body, chunk_size=1) == [bytes([b]) for b in body]
    assert [len(piece) for piece in split_body(body, chunk_size=64)] == [64, 64, 64, 8]
    seeded = split_body(body, seed=7)
    assert b"".join(seeded) == body and len(seeded) > 3
    assert seeded == split_body(body, seed=7)
    assert seeded != split_body(body, seed=8)


@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda path: f"{path.parent.name}/{path.stem}")
@SHARED.required
def test_replay_is_identical_however_the_body_is_split(cassette: Path) -> None:
    whole = run("replay", str(cassette), "--json")
    assert whole.exit_code in (0, 1), whole.output
    for split in (["--chunk-size", "1"], ["--chunk-size", "7"], ["--split-seed", "1"], ["--split-seed", "1234"]):
        result = run("replay", str(cassette), "--json", *split)
        assert (result.exit_code, result.stdout, result.stderr) == (whole.exit_code, whole.stdout, whole.stderr), split
    text_whole = run("replay", str(cassette))
    text_bytes = run("replay", str(cassette), "--chunk-size", "1")
    assert text_bytes.stdout == text_whole.stdout
    if whole.exit_code == 0:
        events = [json.loads(line) for line in whole.stdout.splitlines()]
        assert events[0]["type"] == "start"
        assert events[-1]["type"] in ("end", "error")
        assert all(value is not None for event in events for value in event.values())  # exclude_none
        assert text_whole.stdout.startswith("=== interaction ")
    else:
        assert whole.stdout == ""
        assert "no installed plugin decodes" in whole.stderr


def _anthropic(name: str) -> Path:
    path = SHARED / "anthropic" / name
    assert path.is_file(), f"missing shared recording {path}"
    return path


@SHARED.required
def test_replay_text_mode_shows_text_reasoning_usage_and_finish() -> None:
    result = run("replay", str(_anthropic("pydanticai_anthropic_thinking_signature.yaml")))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "=== interaction 0: POST https://api.anthropic.com/v1/messages -> 200 (anthropic)"
    assert lines[1].startswith("[start] anthropic/claude-")
    assert lines[2].startswith("[reasoning] This is a straightforward question")
    assert "Here are the basic steps for safely crossing the street:" in lines
    assert any(line.startswith("[usage] ") and "input" in line for line in lines)
    assert lines[-1].startswith("[end] ")


@SHARED.required
def test_replay_shows_tool_calls_and_numbers_interactions() -> None:
    cassette = _anthropic("crewai_anthropic_tool_use_input_json_delta.yaml")
    result = run("replay", str(cassette))
    assert result.exit_code == 0, result.output
    assert "[tool call] " in result.stdout
    headers = [line for line in result.stdout.splitlines() if line.startswith("=== interaction")]
    assert [h.split(":")[0] for h in headers] == [f"=== interaction {n}" for n in range(len(headers))]
    assert len(headers) >= 2
    only = run("replay", str(cassette), "--interaction", "1")
    assert only.exit_code == 0
    assert only.stdout.startswith("=== interaction 1:")
    assert only.stdout.count("=== interaction") == 1
    events = [json.loads(line) for line in run("replay", str(cassette), "-i", "1", "--json").stdout.splitlines()]
    assert [e["type"] for e in events].count("start") == 1


@SHARED.required
def test_replay_of_an_error_response() -> None:
    path = SHARED / "errors" / "mirascope_anthropic_401_stream_request.yaml"
    result = run("replay", str(path), "--json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in events] == ["start", "error"]
    assert events[-1]["code"] == "authentication"
    assert "[error] authentication: " in run("replay", str(path)).stdout


@pytest.mark.parametrize("cassette", SHAPES, ids=lambda path: path.stem)
def test_replay_decodes_every_interaction_of_each_shape_of_real_traffic(cassette: Path) -> None:
    whole = run("replay", str(cassette), "--json")
    assert whole.exit_code == 0 and "Skipped" not in whole.stderr, whole.output
    streams = [[]]  # type: list[list[dict]]
    for line in whole.stdout.splitlines():
        event = json.loads(line)
        if event["type"] == "start" and streams[-1]:
            streams.append([])
        streams[-1].append(event)
    assert len(streams) == len(yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"])
    for events in streams:
        assert events[0]["type"] == "start" and events[-1]["type"] in ("end", "error")
        if events[-1]["type"] == "error":
            assert events[-1]["code"] not in ("protocol", "truncated"), events[-1]
    assert run("replay", str(cassette), "--json", "--split-seed", "3").stdout == whole.stdout


def test_replay_text_mode_keeps_alternatives_apart_and_names_server_tools() -> None:
    alternatives = run("replay", str(OWN / "openai" / "openai_chat_nonstream_n2.yaml"))
    assert "Blue.\n" in alternatives.stdout and "[choice 1] Crimson red." in alternatives.stdout
    assert "Blue.Crimson" not in alternatives.stdout
    search = run("replay", str(OWN / "anthropic" / "anthropic_web_search_citations_beta_query.yaml"))
    assert '[server tool] web_search({"query": "Eiffel Tower height"}) id=srvtoolu_hand_1' in search.stdout
    assert "[server tool result] web_search_tool_result for srvtoolu_hand_1" in search.stdout
    assert "[reasoning]" not in search.stdout
    cut = run("replay", str(OWN / "openai" / "openai_chat_tool_arguments_cut_by_length.yaml"))
    assert '[tool call] get_weather({"city": "Pa) id=call_hand_cut (arguments are not valid JSON)' in cut.stdout


@SHARED.required
def test_interaction_out_of_range(tmp_path: Path) -> None:
    result = run("replay", str(_anthropic("simonw_anthropic_text_stream.yaml")), "--interaction", "99")
    assert result.exit_code == 2
    assert "numbered 0 to" in result.stderr


@SHARED.required
def test_chunk_size_and_split_seed_exclude_each_other() -> None:
    result = run("replay", str(_anthropic("simonw_anthropic_text_stream.yaml")), "--chunk-size", "2", "--split-seed", "3")
    assert result.exit_code == 2
    assert "not both" in result.stderr


def _foreign_interaction() -> dict:
    return {
        "request": {"method": "POST", "uri": "https://llm.example.invalid/v9/generate?key=SECRET-IN-URL", "body": "{}", "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "hello"}},
    }


@SHARED.required
def test_an_interaction_no_plugin_owns_is_reported(tmp_path: Path) -> None:
    document = yaml.safe_load(_anthropic("simonw_anthropic_text_stream.yaml").read_text())
    document["interactions"] = [_foreign_interaction(), *document["interactions"]]
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(yaml.safe_dump(document))
    result = run("replay", str(mixed))
    assert result.exit_code == 0, result.output
    assert "Skipped interaction 0: POST https://llm.example.invalid/v9/generate -> 200: no installed plugin decodes this URL" in result.stderr
    assert "SECRET-IN-URL" not in result.output
    assert result.stdout.startswith("=== interaction 1:")

    alone = tmp_path / "foreign.yaml"
    alone.write_text(yaml.safe_dump({"interactions": [_foreign_interaction()], "version": 1}))
    result = run("replay", str(alone), "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Error: no installed plugin decodes the interactions" in result.stderr
    assert "Traceback" not in result.output
    explicit = run("replay", str(alone), "--interaction", "0")
    assert explicit.exit_code == 1 and "Skipped interaction 0" in explicit.stderr


def test_not_a_cassette_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "not.yaml"
    path.write_text("just: a mapping\n")
    result = run("replay", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {path} is not a vcrpy cassette: it has no 'interactions' list; expected the YAML file vcrpy records; "
        f"or, for a raw captured body (SSE from curl -N, NDJSON, a JSON array), name its provider: "
        f"rillet replay {path} --provider NAME"
    )
    missing = run("replay", str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 2
