"""What the conformance kit (TestOpenAIResponsesConformance) does not check about the Responses
API recordings: they are all there, the hand-written ones say so, each has its expected file
with one entry per interaction, and decoding details an expected file cannot express (response
id and model, block indexes, provider_metadata, encrypted reasoning, call ids, when a call finishes)."""

from __future__ import annotations

import test_openai_conformance as conformance
from test_openai_responses_support import (
    EXPECTED,
    SHARED,
    SHARED_RESPONSES,
    decode_every_way,
    expected_for,
    load,
    project_cassettes,
    shared_cassettes,
)

ALL = shared_cassettes() + project_cassettes()
PROJECT_FILES = {
    "responses_error_event",
    "responses_image_input",
    "responses_failed",
    "responses_http_errors",
    "responses_incomplete_content_filter",
    "responses_refusal",
    "responses_truncated",
    "responses_nonstream_azure_reasoning_function_call",
    "responses_nonstream_incomplete_and_http_error",
    "responses_parallel_function_calls",
}


@SHARED.required
def test_shared_recordings_are_present() -> None:
    assert SHARED_RESPONSES.is_dir(), f"shared cassettes not found at {SHARED_RESPONSES} (set RILLET_SHARED_CASSETTES)"
    assert {path.stem for path in shared_cassettes()} == {
        "mirascope_responses_gpt5_reasoning_summary",
        "mirascope_responses_max_tokens_incomplete",
        "pydanticai_deepseek_responses_reasoning_text",
        "pydanticai_responses_streaming_usage_fnargs",
        "simonw_llm_responses_basic_streaming",
        "simonw_llm_responses_tool_use_streaming",
    }


def test_project_cassettes_are_present_and_say_they_are_hand_written() -> None:
    scenarios = set(conformance.TestOpenAIResponsesConformance.scenarios)  # the kit's live scenarios, replayed from here
    assert {path.stem for path in project_cassettes()} == PROJECT_FILES | scenarios
    for path in project_cassettes():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# Written by hand by the rillet project to the documented OpenAI "), path.name
        assert "; not a recording." in "".join(text.splitlines(keepends=True)[:2]), path.name
        for interaction in load(path):  # no credential: absent, or filtered as vcrpy records it
            assert interaction.request.headers.get("authorization", ["<filtered>"]) == ["<filtered>"], path.name


def test_every_cassette_has_an_expected_file() -> None:
    expected = {path.stem for path in EXPECTED.glob("*.json")}
    assert {path.stem for path in ALL} <= expected
    for cassette in ALL:  # one entry per recorded interaction, none for an interaction that is not there
        assert sorted(expected_for(cassette), key=int) == [str(item.number) for item in load(cassette)], cassette.stem


@SHARED.required
def test_start_carries_the_response_id_and_model() -> None:
    [interaction] = load(SHARED_RESPONSES / "simonw_llm_responses_basic_streaming.yaml")
    start = decode_every_way(interaction)[0]
    assert start.provider == "openai-responses"
    assert start.model == "gpt-5.5-2026-04-23"
    assert start.response_id == "resp_00592e63e61b66660169fab1b9f8e481a2b321356198d7ac1b"


@SHARED.required
def test_summary_parts_are_separate_reasoning_blocks_of_one_item() -> None:
    first = load(SHARED_RESPONSES / "mirascope_responses_gpt5_reasoning_summary.yaml")[0]
    events = decode_every_way(first)
    reasoning = [e for e in events if e.type == "reasoning" and e.text]
    assert sorted({e.index for e in reasoning}) == [0, 1, 2]
    assert {e.index for e in events if e.type == "token"} == {3}
    metadata = [e.provider_metadata["openai"] for e in events if e.type == "reasoning" and e.provider_metadata]
    assert [m["part_index"] for m in metadata] == [0, 1, 2]
    assert {m["item_id"] for m in metadata} == {"rs_0a1097cbfef27a8c00696afa2459008196a08a4261aba00f56"}


@SHARED.required
def test_encrypted_content_is_kept_from_the_done_item() -> None:
    [interaction] = load(SHARED_RESPONSES / "pydanticai_responses_streaming_usage_fnargs.yaml")
    events = decode_every_way(interaction)
    [carrier] = [e for e in events if e.type == "reasoning" and e.data]
    # output_item.added and output_item.done carry different blobs: the done one is final
    assert carrier.data.startswith("gAAAAABoyXvxI6jwG5j6")
    assert carrier.redacted  # no summary: the reasoning exists only in encrypted form
    assert carrier.provider_metadata == {
        "openai": {"item_id": "rs_0050471a34b36ae60068c97bac4dcc819595fd0f80d6b3c405", "kind": "summary", "part_index": 0}
    }
    [call] = [e for e in events if e.type == "tool_call"]
    assert call.index == 0 and call.call_id == "call_CWXgs68YprAjp6t0371hiPOI"
    assert call.provider_metadata == {"openai": {"item_id": "fc_0050471a34b36ae60068c97bf19d9c819590eaf42c0edc1042"}}


@SHARED.required
def test_tool_call_is_not_finished_before_output_item_done() -> None:
    [first, _] = load(SHARED_RESPONSES / "simonw_llm_responses_tool_use_streaming.yaml")
    body = first.response.body
    cut = body.index(b"event: response.output_item.done")
    from test_openai_responses_support import ResponsesDecoder

    decoder = ResponsesDecoder()
    early = decoder.feed(body[:cut])
    assert [e.type for e in early].count("tool_call_delta") == 11
    assert not [e for e in early if e.type == "tool_call"]  # the JSON parses already, but the block is open
    late = decoder.feed(body[cut:]) + decoder.close()
    assert [e.type for e in late] == ["tool_call", "usage", "end"]
