"""The official client SDKs accept what the encoders write, on every recording: each frame
validates against the SDK's own event types, and the SDK's stream accumulator builds the
same answer rillet decoded from the provider."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from rillet import StreamAggregator
from wire_support import decode_recording, encode_all, loads_or_raw, openai_refusal, recorded_interactions, sse_frames

INTERACTIONS = recorded_interactions()
IDS = [name for name, _ in INTERACTIONS]


def _source(interaction: Any) -> tuple[list[Any], Any]:
    events = decode_recording(interaction)
    return events, StreamAggregator.fold(events)


def _arguments(call: Any) -> Any:
    return call.arguments if call.arguments is not None else call.raw_arguments


@pytest.mark.parametrize(("name", "interaction"), INTERACTIONS, ids=IDS)
def test_openai_sdk_accumulates_the_chat_stream(name: str, interaction: Any) -> None:
    events, source = _source(interaction)
    frames = sse_frames(encode_all("openai-chat", events))
    state = ChatCompletionStreamState()
    payloads = [json.loads(frame.data) for frame in frames if frame.data != "[DONE]"]
    for payload in payloads:
        if "error" in payload:  # what the SDK's Stream raises APIError for
            assert frame_is_last(frames, payload) and source.error is not None
            continue
        state.handle_chunk(ChatCompletionChunk.model_validate(payload, strict=False))
    snapshot = state.current_completion_snapshot
    message = snapshot.choices[0].message
    refusal = openai_refusal(source.message)
    if refusal:  # OpenAI's own refusal: where the SDK looks for it, ended as OpenAI ends it
        assert (message.refusal, message.content or None, snapshot.choices[0].finish_reason) == (refusal, None, "stop")
    else:
        assert (message.content or "") == source.message.text and message.refusal is None
    assert [(choice.message.content or "") + (choice.message.refusal or "") for choice in snapshot.choices] == [answer.text for answer in source.choices]
    calls = [(call.id, call.function.name, loads_or_raw(call.function.arguments)) for call in message.tool_calls or []]
    assert calls == [(call.call_id, call.name, _arguments(call)) for call in source.message.tool_calls]
    if source.error is None:
        assert snapshot.choices[0].finish_reason in ("stop", "length", "tool_calls", "content_filter")


def frame_is_last(frames: list[Any], payload: dict[str, Any]) -> bool:
    """Whether ``payload`` is the data of the last frame (an error ends the stream)."""
    return json.loads(frames[-1].data) == payload


@pytest.mark.parametrize(("name", "interaction"), INTERACTIONS, ids=IDS)
def test_anthropic_sdk_accumulates_the_messages_stream(name: str, interaction: Any) -> None:
    events, source = _source(interaction)
    frames = sse_frames(encode_all("anthropic", events))
    adapter: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)
    snapshot = None
    buffers: dict[int, bytes] = {}
    for frame in frames:
        payload = json.loads(frame.data)
        assert payload["type"] == frame.event
        if frame.event == "error":
            assert frame is frames[-1] and source.error is not None
            continue
        snapshot = accumulate_event(event=adapter.validate_python(payload), current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None
    text = "".join(block.text for block in snapshot.content if block.type == "text")
    thinking = "".join(block.thinking for block in snapshot.content if block.type == "thinking")
    signatures = "".join(block.signature for block in snapshot.content if block.type == "thinking")
    calls = [(block.id, block.name, block.input) for block in snapshot.content if block.type == "tool_use"]
    assert text == source.message.text
    assert thinking == source.message.reasoning
    assert signatures == "".join(part.signature or "" for part in source.message.content if part.type == "reasoning")
    # a call cut off mid-arguments has none rillet could parse: the SDK keeps what it parsed
    expected = [(c.call_id, c.name, c.arguments) for c in source.message.tool_calls]
    assert len(calls) == len(expected)
    assert [(i, n, a if e is not None else None) for (i, n, a), (_, _, e) in zip(calls, expected, strict=True)] == expected
    if source.error is None:
        assert snapshot.stop_reason is not None
        if source.usage is not None and source.usage.output_tokens is not None:
            assert snapshot.usage.output_tokens == source.usage.output_tokens


@pytest.mark.parametrize(("name", "interaction"), INTERACTIONS, ids=IDS)
def test_openai_sdk_accumulates_the_responses_stream(name: str, interaction: Any) -> None:
    events, source = _source(interaction)
    frames = sse_frames(encode_all("openai-responses", events))
    adapter: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
    state: Any = ResponseStreamState(input_tools=openai.omit, text_format=openai.omit)
    final = None
    numbers = []
    for frame in frames:
        payload = json.loads(frame.data)
        assert payload["type"] == frame.event
        numbers.append(payload["sequence_number"])
        event = adapter.validate_python(payload)
        state.handle_event(event)
        if payload["type"] in ("response.completed", "response.incomplete", "response.failed"):
            assert frame is frames[-1]
            final = event.response
    assert numbers == list(range(len(frames)))
    assert final is not None
    assert (final.status == "failed") == (source.error is not None)
    parts = [part for item in final.output if item.type == "message" for part in item.content]
    text = "".join(part.text for part in parts if part.type == "output_text")
    refusal = "".join(part.refusal for part in parts if part.type == "refusal")
    assert (text, refusal) == (source.message.text, "") if not openai_refusal(source.message) else ("", source.message.text)
    calls = [(item.call_id, item.name, loads_or_raw(item.arguments)) for item in final.output if item.type == "function_call"]
    assert calls == [(call.call_id, call.name, _arguments(call)) for call in source.message.tool_calls]


def test_a_gemini_thought_signature_goes_through_an_openai_client_and_back_to_gemini() -> None:
    """Turn 1: Gemini calls a tool with a thought signature; an OpenAI client receives the
    call (signature in ``extra_content``). Turn 2: the client sends the conversation back;
    the reader keeps the signature and the gemini plugin puts it on the ``functionCall``."""
    from rillet_gemini.contents import build_contents

    from rillet.wire import read_chat_request

    name, interaction = next(pair for pair in INTERACTIONS if "gemini_function_call_thought_signature" in pair[0])
    events, source = _source(interaction)
    first = source.message.tool_calls[0].provider_metadata
    assert first is not None  # Gemini signs the first call of a turn
    signature = first["gemini"]["thought_signature"]

    state = ChatCompletionStreamState()
    for frame in sse_frames(encode_all("openai-chat", events)):
        if frame.data != "[DONE]":
            state.handle_chunk(ChatCompletionChunk.model_validate(json.loads(frame.data)))
    assistant = state.current_completion_snapshot.choices[0].message.model_dump(exclude_none=True)
    assistant.pop("parsed", None)
    for call in assistant["tool_calls"]:
        call["function"].pop("parsed_arguments", None)
    results = [{"role": "tool", "tool_call_id": call["id"], "content": "18C"} for call in assistant["tool_calls"]]
    asked = read_chat_request({"model": "gemini", "messages": [{"role": "user", "content": "Weather?"}, assistant, *results]})

    calls = asked.request.messages[1].tool_calls
    assert [call.provider_metadata for call in calls] == [call.provider_metadata for call in source.message.tool_calls]
    model_turn = build_contents(asked.request.messages)[1]
    calls_sent = [part for part in model_turn["parts"] if "functionCall" in part]
    assert calls_sent[0]["thoughtSignature"] == signature
