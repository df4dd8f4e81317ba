"""The grammar of each wire format as the encoders write it, event by event."""

from __future__ import annotations

import json
from typing import Any, Iterable

import anyio
import pytest

import rillet
from rillet import (
    EndEvent,
    ErrorEvent,
    ReasoningEvent,
    StartEvent,
    TokenEvent,
    ToolCallDeltaEvent,
    ToolCallEvent,
    ToolCallStartEvent,
    Usage,
    UsageEvent,
)
from rillet.framing import SSEParser
from rillet.wire import AnthropicMessagesEncoder, OpenAIChatEncoder, OpenAIResponsesEncoder, keep_alive

USAGE = Usage(input_tokens=120, output_tokens=30, reasoning_tokens=10, cache_read_tokens=100, cache_write_tokens=5)


def _story(*, finish: str = "tool_calls") -> list[Any]:
    """A stream with reasoning (signed), text and two parallel tool calls at sparse indexes."""
    return [
        StartEvent(provider="p", model="m", response_id="r1"),
        ReasoningEvent(text="think", index=0),
        ReasoningEvent(signature="SIG", index=0),
        TokenEvent(text="Hello", index=1),
        TokenEvent(text=" world", index=1),
        ToolCallStartEvent(index=3, call_id="call_a", name="alpha"),
        ToolCallDeltaEvent(index=3, arguments_delta='{"x":'),
        ToolCallDeltaEvent(index=3, arguments_delta="1}"),
        ToolCallStartEvent(index=7, call_id="call_b", name="beta"),
        ToolCallDeltaEvent(index=7, arguments_delta="{}"),
        ToolCallEvent(index=3, call_id="call_a", name="alpha", arguments={"x": 1}, raw_arguments='{"x":1}'),
        ToolCallEvent(index=7, call_id="call_b", name="beta", arguments={}, raw_arguments="{}"),
        UsageEvent(usage=USAGE),
        EndEvent(finish_reason=finish, usage=USAGE),
    ]


def _frames(body: bytes) -> list[Any]:
    parser = SSEParser()
    return parser.feed(body) + parser.close()


def _payloads(body: bytes) -> list[Any]:
    return [frame.data if frame.data == "[DONE]" else json.loads(frame.data) for frame in _frames(body)]


def _encode(encoder: Any, events: Iterable[Any]) -> bytes:
    return b"".join(encoder.stream(events))


def _error(code: str = "truncated") -> ErrorEvent:
    return ErrorEvent(code=code, message="the anthropic stream ended before message_stop")


# -- OpenAI Chat Completions ---------------------------------------------------------------


def test_chat_role_comes_first_then_deltas_then_finish_usage_and_done() -> None:
    chunks = _payloads(_encode(OpenAIChatEncoder(include_usage=True, created=7), _story()))
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert all(chunk["object"] == "chat.completion.chunk" and chunk["id"] == "r1" for chunk in chunks[:-1])
    assert all(chunk["created"] == 7 and chunk["model"] == "m" for chunk in chunks[:-1])
    assert chunks[-1] == "[DONE]"
    usage_chunk = chunks[-2]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"] == {
        "prompt_tokens": 120,
        "completion_tokens": 30,
        "total_tokens": 150,
        "prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 5},
        "completion_tokens_details": {"reasoning_tokens": 10},
    }
    assert chunks[-3]["choices"][0]["finish_reason"] == "tool_calls"
    assert [chunk["choices"][0]["finish_reason"] for chunk in chunks[:-3]] == [None] * (len(chunks) - 3)


def test_chat_usage_chunk_only_when_asked() -> None:
    chunks = _payloads(_encode(OpenAIChatEncoder(), _story()))
    assert all(chunk == "[DONE]" or chunk["choices"] for chunk in chunks)
    assert not any("usage" in chunk for chunk in chunks[:-1])


def test_chat_tool_calls_have_stable_indexes_and_the_name_and_id_in_their_first_delta() -> None:
    chunks = _payloads(_encode(OpenAIChatEncoder(), _story()))
    calls = [call for chunk in chunks[:-1] for call in chunk["choices"][0]["delta"].get("tool_calls", [])]
    assert calls[0] == {"index": 0, "id": "call_a", "type": "function", "function": {"name": "alpha", "arguments": ""}}
    assert calls[3] == {"index": 1, "id": "call_b", "type": "function", "function": {"name": "beta", "arguments": ""}}
    assert [call["index"] for call in calls] == [0, 0, 0, 1, 1]
    assert all("id" not in call and "name" not in call["function"] for call in calls[1:3] + calls[4:])


def test_chat_a_whole_tool_call_without_deltas_is_one_delta() -> None:
    events = [StartEvent(), ToolCallEvent(index=0, call_id="c", name="f", arguments={"a": 1}, raw_arguments='{"a":1}'), EndEvent(finish_reason="tool_calls")]
    chunks = _payloads(_encode(OpenAIChatEncoder(), events))
    assert chunks[1]["choices"][0]["delta"]["tool_calls"] == [
        {"index": 0, "id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}
    ]


def test_chat_reasoning_is_reasoning_content_and_the_signature_a_reasoning_detail() -> None:
    chunks = _payloads(_encode(OpenAIChatEncoder(), _story()))
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks[1:3]]
    assert deltas == [
        {"reasoning_content": "think"},
        {"reasoning_details": [{"type": "reasoning.text", "signature": "SIG", "index": 0}]},
    ]


@pytest.mark.parametrize("code", ["truncated", "rate_limit", "overloaded", "protocol"])
def test_chat_an_error_is_an_error_frame_never_done(code: str) -> None:
    events = _story()[:5] + [_error(code)]
    chunks = _payloads(_encode(OpenAIChatEncoder(include_usage=True), events))
    assert "[DONE]" not in chunks
    assert chunks[-1]["error"]["message"] == "the anthropic stream ended before message_stop"
    assert not any("finish_reason" in str(chunk) and chunk["choices"][0]["finish_reason"] for chunk in chunks[:-1])


def test_chat_nothing_after_the_terminal_event() -> None:
    encoder = OpenAIChatEncoder()
    _encode(encoder, _story())
    assert encoder.encode(TokenEvent(text="late")) == b""


# -- Anthropic Messages --------------------------------------------------------------------


def test_anthropic_blocks_open_and_close_in_order_with_consecutive_indexes() -> None:
    frames = _frames(_encode(AnthropicMessagesEncoder(), _story()))
    kinds = [frame.event for frame in frames]
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    assert all(json.loads(frame.data)["type"] == frame.event for frame in frames)
    open_index = None
    starts = []
    for frame in frames[1:-2]:
        payload = json.loads(frame.data)
        if frame.event == "content_block_start":
            assert open_index is None
            open_index = payload["index"]
            starts.append(payload["content_block"])
        elif frame.event == "content_block_delta":
            assert payload["index"] == open_index
        else:
            assert frame.event == "content_block_stop" and payload["index"] == open_index
            open_index = None
    assert open_index is None
    assert [block["type"] for block in starts] == ["thinking", "text", "tool_use", "tool_use"]
    assert [block.get("id") for block in starts[2:]] == ["call_a", "call_b"]
    indexes = [json.loads(frame.data)["index"] for frame in frames if frame.event == "content_block_start"]
    assert indexes == [0, 1, 2, 3]


def test_anthropic_signature_is_a_signature_delta_in_its_thinking_block() -> None:
    frames = _frames(_encode(AnthropicMessagesEncoder(), _story()))
    deltas = [json.loads(frame.data) for frame in frames if frame.event == "content_block_delta"]
    assert deltas[1] == {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "SIG"}}


def test_anthropic_message_delta_has_the_stop_reason_and_usage_without_cached_input() -> None:
    frames = _frames(_encode(AnthropicMessagesEncoder(), _story()))
    delta = json.loads(frames[-2].data)
    assert delta["delta"]["stop_reason"] == "tool_use"
    assert delta["usage"] == {
        "input_tokens": 15,  # 120 in all, of which 100 read from the cache and 5 written to it
        "output_tokens": 30,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 5,
    }


def test_anthropic_keeps_its_own_raw_stop_reason() -> None:
    events = [StartEvent(), TokenEvent(text="a"), EndEvent(finish_reason="stop", raw_finish_reason="stop_sequence")]
    frames = _frames(_encode(AnthropicMessagesEncoder(), events))
    assert json.loads(frames[-2].data)["delta"]["stop_reason"] == "stop_sequence"


def test_anthropic_redacted_reasoning_is_a_redacted_thinking_block() -> None:
    events = [StartEvent(), ReasoningEvent(redacted=True, data="BLOB"), TokenEvent(text="a"), EndEvent()]
    frames = _frames(_encode(AnthropicMessagesEncoder(), events))
    starts = [json.loads(frame.data)["content_block"] for frame in frames if frame.event == "content_block_start"]
    assert starts == [{"type": "redacted_thinking", "data": "BLOB"}, {"type": "text", "text": ""}]


@pytest.mark.parametrize(("code", "kind"), [("truncated", "api_error"), ("overloaded", "overloaded_error"), ("rate_limit", "rate_limit_error")])
def test_anthropic_an_error_is_an_error_event_never_message_stop(code: str, kind: str) -> None:
    frames = _frames(_encode(AnthropicMessagesEncoder(), _story()[:5] + [_error(code)]))
    assert frames[-1].event == "error"
    assert json.loads(frames[-1].data) == {
        "type": "error",
        "error": {"type": kind, "message": "the anthropic stream ended before message_stop"},
    }
    assert "message_stop" not in [frame.event for frame in frames]


# -- OpenAI Responses ----------------------------------------------------------------------


def test_responses_sequence_and_item_grammar() -> None:
    frames = _frames(_encode(OpenAIResponsesEncoder(created=5), _story()))
    payloads = [json.loads(frame.data) for frame in frames]
    assert [payload["sequence_number"] for payload in payloads] == list(range(len(payloads)))
    assert [frame.event for frame in frames[:2]] == ["response.created", "response.in_progress"]
    assert frames[-1].event == "response.completed"
    added = [p for p in payloads if p["type"] == "response.output_item.added"]
    done = [p for p in payloads if p["type"] == "response.output_item.done"]
    assert [p["output_index"] for p in added] == [p["output_index"] for p in done] == [0, 1, 2, 3]
    assert [p["item"]["type"] for p in done] == ["reasoning", "message", "function_call", "function_call"]
    final = payloads[-1]["response"]
    assert final["status"] == "completed" and final["output"] == [p["item"] for p in done]
    assert final["output"][1]["content"][0]["text"] == "Hello world"
    assert [(item["call_id"], item["arguments"]) for item in final["output"][2:]] == [("call_a", '{"x":1}'), ("call_b", "{}")]
    assert final["usage"]["input_tokens_details"]["cached_tokens"] == 100
    for payload in payloads:  # every delta names the item that is open
        if payload["type"].endswith(".delta"):
            assert payload["item_id"] == added[payload["output_index"]]["item"]["id"]


def test_responses_length_is_incomplete() -> None:
    frames = _frames(_encode(OpenAIResponsesEncoder(), _story(finish="length")))
    final = json.loads(frames[-1].data)
    assert final["type"] == "response.incomplete"
    assert final["response"]["incomplete_details"] == {"reason": "max_output_tokens"}


def test_responses_an_error_is_response_failed_and_keeps_the_partial_item() -> None:
    frames = _frames(_encode(OpenAIResponsesEncoder(), _story()[:5] + [_error("rate_limit")]))
    final = json.loads(frames[-1].data)
    assert final["type"] == "response.failed"
    assert final["response"]["error"] == {"code": "rate_limit_exceeded", "message": "the anthropic stream ended before message_stop"}
    assert final["response"]["output"][-1]["content"][0]["text"] == "Hello world"
    assert "response.completed" not in [frame.event for frame in frames]


# -- all formats ---------------------------------------------------------------------------

ENCODERS = [
    pytest.param(lambda: OpenAIChatEncoder(response_id="x", created=1), id="chat"),
    pytest.param(lambda: AnthropicMessagesEncoder(message_id="x"), id="anthropic"),
    pytest.param(lambda: OpenAIResponsesEncoder(response_id="x", created=1), id="responses"),
]
#: What the last frame of a failed stream is, per format.
FAILED_LAST = {
    "chat": lambda frame: "error" in json.loads(frame.data),
    "anthropic": lambda frame: frame.event == "error",
    "responses": lambda frame: frame.event == "response.failed",
}


@pytest.mark.parametrize("make", ENCODERS)
def test_a_stream_that_stops_without_a_terminal_event_ends_in_the_format_error(make: Any, request: Any) -> None:
    body = _encode(make(), _story()[:5])
    assert FAILED_LAST[request.node.callspec.id](_frames(body)[-1])
    assert b"[DONE]" not in body and b"message_stop" not in body and b"response.completed" not in body
    assert b"stopped before its end" in body


@pytest.mark.parametrize("make", ENCODERS)
def test_sync_and_async_write_the_same_bytes(make: Any) -> None:
    async def events() -> Any:
        for event in _story():
            yield event

    async def collect() -> bytes:
        return b"".join([frames async for frames in make().astream(events())])

    assert anyio.run(collect) == _encode(make(), _story())


@pytest.mark.parametrize("make", ENCODERS)
def test_every_write_is_whole_frames(make: Any) -> None:
    encoder = make()
    for event in _story():
        frames = encoder.encode(event)
        assert frames == b"" or frames.endswith(b"\n\n")
        parser = SSEParser()
        assert len(parser.feed(frames)) == frames.count(b"\n\n")


def test_keep_alive_is_a_comment_every_reader_skips() -> None:
    parser = SSEParser()
    assert keep_alive().startswith(b":") and keep_alive().endswith(b"\n\n")
    assert parser.feed(keep_alive() + b"data: x\n\n") == [("message", "x", None, None)]


@pytest.mark.parametrize("make", ENCODERS)
def test_aggregation_snapshots_write_nothing(make: Any) -> None:
    from rillet import ContentEvent, Message

    encoder = make()
    encoder.encode(StartEvent())
    assert encoder.encode(ContentEvent(message=Message.assistant("so far"))) == b""
    assert encoder.encode(UsageEvent(usage=USAGE)) == b""


class _Events:
    """Events that fail after ``count`` with ``error``, and record being closed."""

    def __init__(self, error: Exception | None, count: int = 4) -> None:
        self.events = _story()[:count]
        self.error = error
        self.closed = False

    def __iter__(self) -> Any:
        yield from self.events
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.closed = True

    async def __aiter__(self) -> Any:
        for event in self:
            yield event

    async def aclose(self) -> None:
        self.closed = True


def _collect_async(encoder: Any, events: _Events) -> bytes:
    async def collect() -> bytes:
        return b"".join([frames async for frames in encoder.astream(events)])

    return anyio.run(collect)


@pytest.mark.parametrize("driver", ["sync", "async"])
@pytest.mark.parametrize("make", ENCODERS)
def test_a_rillet_error_raised_by_the_events_is_the_format_error(make: Any, driver: str, request: Any) -> None:
    events = _Events(rillet.RateLimitError("slow down, said the provider", status_code=429))
    body = _collect_async(make(), events) if driver == "async" else _encode(make(), events)
    assert FAILED_LAST[request.node.callspec.id.split("-")[0]](_frames(body)[-1])
    assert b"slow down, said the provider" in body and events.closed


@pytest.mark.parametrize("driver", ["sync", "async"])
@pytest.mark.parametrize("make", ENCODERS)
def test_a_bug_in_the_events_is_reported_in_band_then_raised(make: Any, driver: str, request: Any) -> None:
    events = _Events(KeyError("boom"))
    encoder = make()
    written: list[bytes] = []
    with pytest.raises(KeyError):
        if driver == "async":

            async def collect() -> None:
                async for frames in encoder.astream(events):
                    written.append(frames)

            anyio.run(collect)
        else:
            for frames in encoder.stream(events):
                written.append(frames)
    assert FAILED_LAST[request.node.callspec.id.split("-")[0]](_frames(b"".join(written))[-1])
    assert b"the stream failed (KeyError)" in written[-1] and events.closed


@pytest.mark.parametrize("make", ENCODERS)
def test_a_client_going_away_closes_the_events(make: Any) -> None:
    events = _Events(None, count=14)
    frames = make().stream(events)
    next(frames)
    assert not events.closed
    frames.close()
    assert events.closed
