"""What the conformance kit (TestOpenAIChatConformance) does not check about the Chat
Completions recordings: they are all there, each has exactly one expected entry per
interaction, and decoding details an expected file cannot express (choice indexes,
reasoning signatures and metadata, call ids, the exact event sequence)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import rillet
from rillet.testing import SharedRecordings
from rillet.cassettes import Interaction, load_cassette
from rillet_openai import rillet_replay_decoder

REPO = Path(__file__).resolve().parents[3]
SHARED = SharedRecordings(REPO.parent / "shared" / "cassettes")
OWN = REPO / "cassettes" / "openai"
EXPECTED = Path(__file__).resolve().parent / "expected"

SHARED_CHAT = [
    "chatlas_deepseek_reasoning_content",
    "chatlas_hf_router_cerebras_no_done",
    "crewai_gpt4omini_tool_call_include_usage",
    "magentic_ollama_v1_text",
    "mirascope_gpt4o_refusal_delta",
    "mirascope_gpt5mini_max_tokens_length",
    "openllmetry_gpt35_parallel_tool_calls_two_vintages",
    "otelcontrib_gpt4omini_n2_interleaved_choices",
    "otelcontrib_gpt4omini_parallel_tools_include_usage",
    "otelcontrib_gpt4omini_text_include_usage",
    "pydanticai_openrouter_reasoning_sse_comments",
    "pydanticai_zai_glm_reasoning_content",
    "simonw_llm_openrouter_kimi_tool_name_then_args_chunks",
]
SHARED_ERRORS = [
    "mirascope_openai_chat_401_stream_request",
    "mirascope_openai_chat_404_model_not_found_gzip",
    "pydanticai_openrouter_429_rate_limited_x3",
    "pydanticai_openrouter_midstream_error_in_chunk",
]
OWN_CHAT = [
    "openai_chat_event_error",
    "openai_chat_inband_error_no_done",
    "openai_chat_malformed_frame",
    "openai_chat_missing_done",
    "openai_chat_parallel_tool_calls_interleaved",
    "openai_chat_whole_tool_calls_no_index",
    "vllm_chat_reasoning_delta",
    "openai_chat_mistral_thinking_content_parts",
    "openai_chat_n2_stream_tool_call_in_choice_1",
    "openai_chat_nonstream_azure_tool_calls",
    "openai_chat_nonstream_http_errors",
    "openai_chat_nonstream_mistral_thinking_content_parts",
    "openai_chat_nonstream_n2",
    "openai_chat_tool_arguments_cut_by_length",
]

CASSETTES = (
    [SHARED / "openai_chat" / f"{stem}.yaml" for stem in SHARED_CHAT]
    + [SHARED / "errors" / f"{stem}.yaml" for stem in SHARED_ERRORS]
    + [OWN / f"{stem}.yaml" for stem in OWN_CHAT]
)


@SHARED.required
def test_recordings_are_present() -> None:
    """The shared recordings must be there: a missing directory fails, it never skips."""
    missing = [str(path) for path in CASSETTES if not path.is_file()]
    assert not missing, f"recordings not found (set RILLET_SHARED_CASSETTES?): {missing}"


def decode(interaction: Interaction, chunks: list[bytes]) -> list[Any]:
    """Decode one recorded response, fed as ``chunks``."""
    request = interaction.request
    decoder = rillet_replay_decoder(method=request.method, url=request.uri, request_body=request.json())
    assert decoder is not None, f"no decoder for {request.method} {request.uri}"
    headers = {name: values[0] for name, values in interaction.response.headers.items()}
    return rillet.decode_response(decoder, interaction.response.status, headers, chunks, provider="openai")


@SHARED.required
def test_expected_entries_match_interactions() -> None:
    """One expected entry per recorded interaction, none for an interaction that is not there."""
    for path in CASSETTES:
        entries = json.loads((EXPECTED / f"{path.stem}.json").read_text(encoding="utf-8"))["interactions"]
        assert sorted(entries, key=int) == [str(i.number) for i in load_cassette(path)], path.stem


@SHARED.required
def test_n2_choices_stay_apart() -> None:
    """With n=2 the two answers are two alternatives (token choice = choice index), never one text."""
    path = SHARED / "openai_chat" / "otelcontrib_gpt4omini_n2_interleaved_choices.yaml"
    events = decode(load_cassette(path)[0], [load_cassette(path)[0].response.body])
    by_choice: dict[int, str] = {}
    for event in events:
        if event.type == "token":
            by_choice[event.choice] = by_choice.get(event.choice, "") + event.text
    assert sorted(by_choice) == [0, 1]
    assert by_choice[0].endswith("for the current weather conditions.")
    assert by_choice[1].endswith("Would you like some tips on where to find this information?")
    result = rillet.StreamAggregator.fold(events)
    assert result.text == by_choice[0] and [choice.text for choice in result.choices] == [by_choice[0], by_choice[1]]


@SHARED.required
def test_openrouter_reasoning_keeps_signature_and_details() -> None:
    path = SHARED / "openai_chat" / "pydanticai_openrouter_reasoning_sse_comments.yaml"
    interaction = load_cassette(path)[0]
    result = rillet.StreamAggregator.fold(decode(interaction, [interaction.response.body]))
    (part,) = [p for p in result.message.content if p.type == "reasoning"]
    assert part.signature is not None and part.signature.startswith("Et0BCkgIChACGAIqQA2s")
    details = part.provider_metadata["reasoning_details"]
    assert details == [
        {
            "type": "reasoning.text",
            "text": "This is a simple arithmetic question. 2+2 equals 4.",
            "signature": part.signature,
            "format": "anthropic-claude-v1",
            "index": 0,
        }
    ]


@SHARED.required
def test_kimi_leading_space_line_is_an_unknown_field() -> None:
    """The first line of this recording is `` data: {…}`` (leading space): per WHATWG its field
    name is `` data``, an unknown field, so that frame (role + empty content) is ignored and
    the stream starts at the next frame."""
    path = SHARED / "openai_chat" / "simonw_llm_openrouter_kimi_tool_name_then_args_chunks.yaml"
    interaction = load_cassette(path)[0]
    assert interaction.response.body.startswith(b" data: {")
    events = decode(interaction, [interaction.response.body])
    assert [e.type for e in events] == ["start", "tool_call_start", "tool_call_delta", "tool_call", "usage", "end"]
    assert events[1].call_id == "llm_version:0" and events[1].name == "llm_version"
