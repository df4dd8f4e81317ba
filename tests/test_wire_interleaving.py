"""The block-based writers (Anthropic Messages, OpenAI Responses) accept every event order:
random interleavings of text, reasoning and parallel tool calls, encoded to all three
formats and read back by rillet's decoders and by the official SDKs' accumulators, give the
same answer; events that cannot be written yet are held, and nothing else waits."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest

from rillet import (
    EndEvent,
    ErrorEvent,
    ReasoningEvent,
    StartEvent,
    StreamAggregator,
    TokenEvent,
    ToolCallDeltaEvent,
    ToolCallEvent,
    ToolCallStartEvent,
    Usage,
)
from rillet.wire import AnthropicMessagesEncoder, OpenAIChatEncoder, OpenAIResponsesEncoder
from wire_support import (
    FORMATS,
    anthropic_sdk_answer,
    decode_target,
    encode_all,
    openai_chat_sdk_answer,
    openai_responses_sdk_answer,
    sse_frames,
)

SEED = 20261130
CASES = 300
WORDS = ["sky", "blue", "Tōkyō", "naïve", " ", "\n", "{", "\"", "42", "émigré", "λ", "ok"]
CITIES = ["Paris", "Tōkyō", "Zürich", "Lima", "Cairo"]


def _pieces(randomizer: random.Random, text: str) -> list[str]:
    """``text`` cut at random places into non-empty pieces."""
    cuts = sorted(randomizer.sample(range(1, len(text)), min(len(text) - 1, randomizer.randint(0, 6))))
    return [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _tool_call(randomizer: random.Random, index: int) -> list[Any]:
    call_id, name = f"call_{index}_{randomizer.randrange(10**6)}", randomizer.choice(["get_weather", "lookup"])
    arguments = {"city": randomizer.choice(CITIES), "days": randomizer.randint(1, 9), "note": randomizer.choice(WORDS)}
    raw = json.dumps(arguments, ensure_ascii=False)
    events: list[Any] = [ToolCallStartEvent(index=index, call_id=call_id, name=name)]
    events += [ToolCallDeltaEvent(index=index, arguments_delta=piece) for piece in _pieces(randomizer, raw)]
    return [*events, ToolCallEvent.finished(index=index, call_id=call_id, name=name, raw_arguments=raw)]


def _reasoning(randomizer: random.Random) -> list[Any]:
    text = "".join(randomizer.choice(WORDS) for _ in range(randomizer.randint(1, 8))) + "."
    events: list[Any] = [ReasoningEvent(text=piece) for piece in _pieces(randomizer, text)]
    return [*events, ReasoningEvent(signature=f"sig{randomizer.randrange(10**6)}==")]


def _text(randomizer: random.Random) -> list[Any]:
    text = "".join(randomizer.choice(WORDS) for _ in range(randomizer.randint(1, 10))) + "!"
    return [TokenEvent(text=piece) for piece in _pieces(randomizer, text)]


def random_stream(seed: int) -> list[Any]:
    """One answer: text, reasoning (signed) and 0–4 parallel tool calls, their events
    interleaved at random (each part's own events in order)."""
    randomizer = random.Random(seed)
    parts: list[list[Any]] = []
    if randomizer.random() < 0.8:
        parts.append(_text(randomizer))
    if randomizer.random() < 0.6:
        parts.append(_reasoning(randomizer))
    calls = randomizer.randint(0, 4)
    parts += [_tool_call(randomizer, index) for index in range(calls)]
    events: list[Any] = [StartEvent(provider="openai", model="m", response_id=f"resp_{seed}")]
    while parts:
        part = randomizer.choices(parts, weights=[len(part) for part in parts])[0]
        events.append(part.pop(0))
        if not part:
            parts.remove(part)
    usage = Usage(input_tokens=7, output_tokens=len(events))
    return [*events, EndEvent(finish_reason="tool_calls" if calls else "stop", usage=usage)]


def _calls(result: Any) -> list[tuple[str, str, Any]]:
    return [(call.call_id, call.name, call.arguments) for call in result.message.tool_calls]


SDK_FINISH = {
    "openai-chat": {"stop": "stop", "tool_calls": "tool_calls"},
    "anthropic": {"stop": "end_turn", "tool_calls": "tool_use"},
    "openai-responses": {"stop": "completed", "tool_calls": "completed"},
}
SDK_ANSWER = {
    "openai-chat": openai_chat_sdk_answer,
    "anthropic": anthropic_sdk_answer,
    "openai-responses": openai_responses_sdk_answer,
}


@pytest.mark.parametrize("target", list(FORMATS))
def test_random_interleavings_round_trip(target: str) -> None:
    """A few hundred seeded interleavings: rillet's decoder and the official SDK read back
    the same text, reasoning, signatures, calls (ids, names, arguments) and finish."""
    for case in range(CASES):
        events = random_stream(SEED + case)
        source = StreamAggregator.fold(events)
        body = encode_all(target, events)
        again = StreamAggregator.fold(decode_target(target, body))
        where = f"case {case}: {[event.type + str(getattr(event, 'index', '')) for event in events]}"
        assert again.error is None, (where, again.error)
        assert again.message.text == source.message.text, where
        assert again.message.reasoning == source.message.reasoning, where
        assert _calls(again) == _calls(source), where
        assert again.finish_reason == source.finish_reason, where
        signatures = "".join(part.signature or "" for part in source.message.content if part.type == "reasoning")
        if target != "openai-responses":  # the Responses format has no place for signatures
            assert "".join(part.signature or "" for part in again.message.content if part.type == "reasoning") == signatures

        answer = SDK_ANSWER[target](body)
        assert answer["text"] == source.message.text, where
        assert answer.get("reasoning", source.message.reasoning) == source.message.reasoning, where
        assert answer.get("signatures", signatures) == signatures, where
        assert answer["calls"] == _calls(source), where
        assert answer["finish"] == SDK_FINISH[target][source.finish_reason or ""], where


def _anthropic_events(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(frame.data) for frame in sse_frames(body)]


def _interleaved_calls() -> list[Any]:
    return [
        StartEvent(provider="openai", model="m", response_id="resp_1"),
        ToolCallStartEvent(index=0, call_id="call_a", name="get_weather"),
        ToolCallDeltaEvent(index=0, arguments_delta='{"city": '),
        ToolCallStartEvent(index=1, call_id="call_b", name="get_weather"),
        ToolCallDeltaEvent(index=1, arguments_delta='{"city": '),
        ToolCallDeltaEvent(index=0, arguments_delta='"Paris"}'),
        TokenEvent(text="Checking."),
        ToolCallDeltaEvent(index=1, arguments_delta='"Lima"}'),
        ToolCallEvent.finished(index=0, call_id="call_a", name="get_weather", raw_arguments='{"city": "Paris"}'),
        ToolCallEvent.finished(index=1, call_id="call_b", name="get_weather", raw_arguments='{"city": "Lima"}'),
        EndEvent(finish_reason="tool_calls"),
    ]


@pytest.mark.parametrize("encoder_class", [AnthropicMessagesEncoder, OpenAIResponsesEncoder])
def test_an_open_calls_deltas_are_written_at_once_and_the_rest_when_it_closes(encoder_class: Any) -> None:
    """The open call's own deltas never wait; the other call's and the text wait for its
    ``tool_call`` and go out with it, in arrival order — the text, held again behind the
    second call, with that call's ``tool_call``."""
    encoder = encoder_class()
    written = [encoder.encode(event) for event in _interleaved_calls()]
    assert b'Paris\\"}' in written[5]  # call 0's second delta: at once
    assert written[3] == written[4] == written[6] == written[7] == b""  # call 1 and the text: held
    released = written[8]
    assert released.index(b"call_b") < released.index(b'Lima\\"}')
    assert b"Checking." not in released and b"Checking." in written[9]


def test_anthropic_writes_each_call_as_one_block() -> None:
    payloads = _anthropic_events(b"".join(AnthropicMessagesEncoder().stream(_interleaved_calls())))
    starts = [p["content_block"] for p in payloads if p["type"] == "content_block_start"]
    assert [block.get("id", block["type"]) for block in starts] == ["call_a", "call_b", "text"]
    assert [p["index"] for p in payloads if p["type"] == "content_block_start"] == [0, 1, 2]
    deltas = {
        index: "".join(p["delta"]["partial_json"] for p in payloads if p["type"] == "content_block_delta" and p["index"] == index)
        for index in (0, 1)
    }
    assert deltas == {0: '{"city": "Paris"}', 1: '{"city": "Lima"}'}


def test_deltas_after_a_finished_call_are_dropped_not_a_second_block() -> None:
    events = [
        ToolCallStartEvent(index=0, call_id="call_a", name="f"),
        ToolCallEvent.finished(index=0, call_id="call_a", name="f", raw_arguments="{}"),
        ToolCallDeltaEvent(index=0, arguments_delta="late"),
        EndEvent(finish_reason="tool_calls"),
    ]
    payloads = _anthropic_events(b"".join(AnthropicMessagesEncoder().stream(events)))
    assert [p["type"] for p in payloads].count("content_block_start") == 1
    assert b"late" not in b"".join(OpenAIResponsesEncoder().stream(events))


@pytest.mark.parametrize("encoder_class", [AnthropicMessagesEncoder, OpenAIResponsesEncoder])
def test_an_error_writes_what_was_held_first(encoder_class: Any) -> None:
    """A stream cut while a call is open keeps the held text: the partial answer stays."""
    events = _interleaved_calls()[:8]  # cut before either call is whole
    body = b"".join(encoder_class().stream([*events, ErrorEvent(code="truncated", message="cut")]))
    assert b"Checking." in body and b'Lima' in body
    assert body.index(b"Checking.") < body.rindex(b"cut")


def test_openai_chat_writes_interleaved_calls_unbuffered() -> None:
    """Chat Completions tool-call deltas carry their index: every event is written at once."""
    encoder = OpenAIChatEncoder()
    for event in _interleaved_calls()[1:8]:
        assert encoder.encode(event), event


@pytest.mark.parametrize("target", list(FORMATS))
def test_sync_and_async_drivers_write_the_same_bytes(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The held events go out the same way through ``stream`` and ``astream``."""
    monkeypatch.setattr("time.time", lambda: 1_764_000_000.0)  # both runs in the same second (`created`)

    async def drive(events: list[Any]) -> bytes:
        async def source() -> Any:
            for event in events:
                yield event

        return b"".join([frames async for frames in FORMATS[target][0]().astream(source())])

    for case in range(20):
        events = random_stream(SEED + case)
        assert asyncio.run(drive(events)) == encode_all(target, events), case
