"""AnthropicDecoder on hand-made streams: grammar, reasoning, tools, usage, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rillet
from rillet_anthropic.decoder import PROVIDER_BLOCK_KEY, AnthropicDecoder
from rillet_anthropic.errors import error_from_response
from rillet_anthropic.finish_reasons import FINISH_REASONS, finish_reason


def frame(data: dict[str, Any], event: str | None = None) -> bytes:
    return f"event: {event or data['type']}\ndata: {json.dumps(data)}\n\n".encode()


START = frame({"type": "message_start", "message": {"id": "msg_1", "model": "claude-x", "usage": {
    "input_tokens": 20, "cache_creation_input_tokens": 7, "cache_read_input_tokens": 3, "output_tokens": 1}}})
TEXT0 = frame({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
STOP = frame({"type": "message_stop"})


def delta(index: int, body: dict[str, Any]) -> bytes:
    return frame({"type": "content_block_delta", "index": index, "delta": body})


def block_stop(index: int) -> bytes:
    return frame({"type": "content_block_stop", "index": index})


def message_delta(stop_reason: str | None, usage: dict[str, Any]) -> bytes:
    return frame({"type": "message_delta", "delta": {"stop_reason": stop_reason}, "usage": usage})


def run(*chunks: bytes) -> list[Any]:
    return rillet.decode_chunks(AnthropicDecoder(model="asked-model"), list(chunks), provider="anthropic")


def test_text_stream_start_tokens_usage_end() -> None:
    events = run(START, TEXT0, frame({"type": "ping"}), delta(0, {"type": "text_delta", "text": "Hi"}),
                 delta(0, {"type": "text_delta", "text": " there"}), block_stop(0),
                 message_delta("end_turn", {"output_tokens": 5}), STOP)
    assert events[0] == rillet.StartEvent(provider="anthropic", model="claude-x", response_id="msg_1")
    assert [e.text for e in events if e.type == "token"] == ["Hi", " there"]
    end = events[-1]
    assert end.type == "end" and end.finish_reason == "stop" and end.raw_finish_reason == "end_turn"
    # message_delta's output count replaces; input and cache counts from message_start are kept,
    # and rillet's input_tokens include the cache (20 uncached + 3 read + 7 written)
    assert end.usage == rillet.Usage(input_tokens=30, output_tokens=5, cache_read_tokens=3, cache_write_tokens=7)
    usages = [e.usage.output_tokens for e in events if e.type == "usage"]
    assert usages == [1, 5]


def test_usage_totals_replace_never_sum() -> None:
    events = run(START, message_delta(None, {"output_tokens": 4}), message_delta("end_turn", {"input_tokens": 30, "output_tokens": 9}), STOP)
    assert events[-1].usage.input_tokens == 30 + 3 + 7 and events[-1].usage.output_tokens == 9


def test_model_falls_back_to_the_requested_one_without_message_start() -> None:
    events = run(TEXT0, delta(0, {"type": "text_delta", "text": "x"}), STOP)
    assert events[0].model == "asked-model" and events[0].response_id is None
    assert events[-1].finish_reason == "other" and events[-1].raw_finish_reason is None


def test_tool_call_is_emitted_at_block_stop_not_when_json_parses() -> None:
    decoder = AnthropicDecoder()
    early = decoder.feed(START + frame({"type": "content_block_start", "index": 1, "content_block": {
        "type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}}) + delta(1, {"type": "input_json_delta", "partial_json": '{"a": 1}'}))
    assert [e.type for e in early] == ["start", "usage", "tool_call_start", "tool_call_delta"]
    late = decoder.feed(block_stop(1))
    assert late == [rillet.ToolCallEvent(index=1, call_id="toolu_1", name="f", arguments={"a": 1}, raw_arguments='{"a": 1}')]


def test_tool_call_with_no_input_has_empty_arguments_and_no_empty_delta() -> None:
    events = run(START, frame({"type": "content_block_start", "index": 0, "content_block": {
        "type": "tool_use", "id": "t", "name": "g", "input": {}}}), delta(0, {"type": "input_json_delta", "partial_json": ""}),
        block_stop(0), message_delta("tool_use", {"output_tokens": 3}), STOP)
    assert not [e for e in events if e.type == "tool_call_delta"]
    call = next(e for e in events if e.type == "tool_call")
    assert call.arguments == {} and call.raw_arguments == ""
    assert events[-1].finish_reason == "tool_calls"


def test_unclosed_tool_block_finishes_before_end() -> None:
    events = run(START, frame({"type": "content_block_start", "index": 0, "content_block": {
        "type": "tool_use", "id": "t", "name": "g", "input": {}}}), delta(0, {"type": "input_json_delta", "partial_json": "{}"}),
        message_delta("tool_use", {"output_tokens": 3}), STOP)
    assert [e.type for e in events][-2:] == ["tool_call", "end"]


def test_thinking_signature_and_redacted_thinking_are_kept() -> None:
    events = run(START,
                 frame({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
                 delta(0, {"type": "thinking_delta", "thinking": "Let me think."}),
                 delta(0, {"type": "thinking_delta", "thinking": ""}),
                 delta(0, {"type": "signature_delta", "signature": "SIG=="}), block_stop(0),
                 frame({"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": "ENCRYPTED"}}),
                 block_stop(1), message_delta("end_turn", {"output_tokens": 9}), STOP)
    reasoning = [e for e in events if e.type == "reasoning"]
    assert [e.text for e in reasoning] == ["Let me think.", "", ""]
    assert reasoning[1].signature == "SIG==" and reasoning[1].index == 0
    assert reasoning[2].redacted and reasoning[2].data == "ENCRYPTED" and reasoning[2].index == 1
    parts = rillet.StreamAggregator.fold(events).message.content
    assert parts[0] == rillet.ReasoningPart(text="Let me think.", signature="SIG==")
    assert parts[1] == rillet.ReasoningPart(redacted=True, data="ENCRYPTED")


def test_server_tool_blocks_are_server_tool_events_not_reasoning_nor_tool_calls_and_citations_are_kept() -> None:
    events = run(START,
                 frame({"type": "content_block_start", "index": 0, "content_block": {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {}}}),
                 delta(0, {"type": "input_json_delta", "partial_json": '{"query": "x"}'}), block_stop(0),
                 frame({"type": "content_block_start", "index": 1, "content_block": {"type": "web_search_tool_result", "tool_use_id": "srv_1", "content": [{"type": "web_search_result", "url": "u"}]}}),
                 block_stop(1),
                 frame({"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": "", "citations": []}}),
                 delta(2, {"type": "citations_delta", "citation": {"type": "web_search_result_location", "url": "u"}}),
                 delta(2, {"type": "text_delta", "text": "Answer"}), block_stop(2),
                 message_delta("end_turn", {"output_tokens": 2}), STOP)
    assert not [e for e in events if e.type.startswith("tool_call") or e.type == "reasoning"]
    call, answer = [e for e in events if e.type == "server_tool"]
    assert (call.kind, call.call_id, call.name, call.arguments) == ("call", "srv_1", "web_search", {"query": "x"})
    assert call.provider_metadata[PROVIDER_BLOCK_KEY] == {"type": "server_tool_use", "id": "srv_1", "name": "web_search", "input": {"query": "x"}}
    assert (answer.kind, answer.call_id, answer.name) == ("result", "srv_1", "web_search_tool_result")
    assert answer.content == [{"type": "web_search_result", "url": "u"}]
    assert answer.provider_metadata[PROVIDER_BLOCK_KEY]["tool_use_id"] == "srv_1"
    result = rillet.StreamAggregator.fold(events)
    assert result.text == "Answer" and result.message.reasoning == "" and result.finish_reason == "stop"
    assert [part.type for part in result.message.content] == ["server_tool", "server_tool", "text"]
    assert result.message.content[2].provider_metadata == {"citations": [{"type": "web_search_result_location", "url": "u"}]}
    assert rillet.event_from_json(call.model_dump_json()) == call


def test_in_band_overloaded_error_keeps_events_of_the_same_chunk() -> None:
    decoder = AnthropicDecoder()
    error_frame = frame({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    events = decoder.feed(START + TEXT0 + delta(0, {"type": "text_delta", "text": "part"}) + error_frame + STOP)
    assert [e.type for e in events] == ["start", "usage", "token", "error"]
    error = events[-1]
    assert error.code == "overloaded" and error.retryable and "Overloaded" in error.message
    assert decoder.feed(STOP) == [] and decoder.close() == []
    sequenced = run(START + TEXT0 + delta(0, {"type": "text_delta", "text": "part"}) + error_frame)
    assert sequenced[-1].partial.text == "part"


@pytest.mark.parametrize(("kind", "code", "retryable"), [
    ("rate_limit_error", "rate_limit", True),
    ("api_error", "server", True),
    ("invalid_request_error", "bad_request", False),
    ("something_new", "server", True),
])
def test_in_band_error_types(kind: str, code: str, retryable: bool) -> None:
    events = run(START, frame({"type": "error", "error": {"type": kind, "message": "m"}}))
    assert events[-1].code == code and events[-1].retryable is retryable
    assert events[-1].to_exception().code == code


def test_malformed_frame_is_a_protocol_error_after_the_earlier_events() -> None:
    events = AnthropicDecoder().feed(START + TEXT0 + delta(0, {"type": "text_delta", "text": "ok"})
                                     + b"event: content_block_delta\ndata: {not json\n\n" + STOP)
    assert [e.type for e in events] == ["start", "usage", "token", "error"]
    assert events[-1].code == "protocol" and "{not json" in events[-1].message


def test_frame_missing_required_fields_is_a_protocol_error() -> None:
    events = run(START, frame({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "x"}}))
    assert events[-1].code == "protocol"


def test_invalid_tool_arguments_keep_the_call_and_its_raw_text_and_mark_the_failure() -> None:
    events = run(START, frame({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "t", "name": "g"}}),
                 delta(0, {"type": "input_json_delta", "partial_json": '{"a": '}), block_stop(0),
                 message_delta("tool_use", {"output_tokens": 3}), STOP)
    assert events[-1].type == "end" and events[-1].finish_reason == "tool_calls"
    (call,) = [e for e in events if e.type == "tool_call"]
    assert (call.call_id, call.name, call.arguments, call.raw_arguments) == ("t", "g", None, '{"a": ')
    assert "not valid JSON" in call.arguments_error
    (part,) = rillet.StreamAggregator.fold(events).message.tool_calls
    assert part.raw_arguments == '{"a": ' and part.arguments_error == call.arguments_error


@pytest.mark.parametrize("cut", [0, 1, 40, -1])
def test_body_without_message_stop_is_truncated_never_end(cut: int) -> None:
    body = START + TEXT0 + delta(0, {"type": "text_delta", "text": "half"}) + block_stop(0) + message_delta("end_turn", {"output_tokens": 2})
    body = body[: len(body) + cut] if cut < 0 else body[: cut] if cut else body
    events = run(body)
    assert events[-1].type == "error" and events[-1].code == "truncated" and events[-1].retryable
    assert not any(e.type == "end" for e in events)
    assert "message_stop" in events[-1].message


def test_message_stop_without_final_blank_line_still_ends() -> None:
    events = run(START, b'event: message_stop\ndata: {"type": "message_stop"}')
    assert events[-1].type == "end"


def test_input_after_the_terminal_event_is_ignored() -> None:
    decoder = AnthropicDecoder()
    decoder.feed(START + STOP)
    assert decoder.feed(TEXT0 + delta(0, {"type": "text_delta", "text": "late"})) == []
    assert decoder.close() == []


def test_unknown_event_and_delta_types_are_ignored() -> None:
    events = run(START, frame({"type": "future_event", "x": 1}), TEXT0, delta(0, {"type": "future_delta", "y": 2}),
                 delta(0, {"type": "text_delta", "text": "ok"}), block_stop(0), STOP)
    assert rillet.StreamAggregator.fold(events).text == "ok" and events[-1].type == "end"


def test_finish_reason_mapping() -> None:
    assert finish_reason("end_turn") == "stop"
    assert finish_reason("stop_sequence") == "stop"
    assert finish_reason("max_tokens") == "length"
    assert finish_reason("tool_use") == "tool_calls"
    assert finish_reason("refusal") == "refusal"
    assert finish_reason("pause_turn") == "other"
    assert finish_reason("brand_new_reason") == "other"
    assert finish_reason(None) == "other"
    assert set(FINISH_REASONS.values()) <= {"stop", "length", "tool_calls", "content_filter", "refusal", "other"}


def test_raw_stop_reason_is_kept() -> None:
    events = run(START, message_delta("pause_turn", {"output_tokens": 1}), STOP)
    assert events[-1].finish_reason == "other" and events[-1].raw_finish_reason == "pause_turn"


def _body(kind: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"}).encode()


@pytest.mark.parametrize(("status", "kind", "message", "code"), [
    (529, "overloaded_error", "Overloaded", "overloaded"),
    (402, "billing_error", "pay up", "quota"),
    (400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API.", "quota"),
    (400, "invalid_request_error", "messages: field required", "bad_request"),
    (413, "request_too_large", "too big", "bad_request"),
    (504, "timeout_error", "timed out", "server"),
    (401, "authentication_error", "invalid x-api-key", "authentication"),
    (403, "permission_error", "no", "permission"),
])
def test_http_error_refinement(status: int, kind: str, message: str, code: str) -> None:
    error = error_from_response(status, {}, _body(kind, message))
    assert error is not None and error.code == code and error.status_code == status
    assert message in error.message


def test_http_error_refinement_through_decode_response_with_retry_after() -> None:
    events = rillet.decode_response(AnthropicDecoder(), 429, {"retry-after": "7"}, [_body("rate_limit_error", "slow down")], provider="anthropic")
    assert [e.type for e in events] == ["start", "error"]
    assert events[-1].code == "rate_limit" and events[-1].retry_after == 7.0 and events[-1].retryable


def test_foreign_http_error_bodies_are_mapped_by_their_status() -> None:
    assert error_from_response(500, {}, b"").code == "server"
    events = rillet.decode_response(AnthropicDecoder(), 502, {}, [b"<html>Bad gateway</html>"], provider="anthropic")
    assert events[-1].code == "server" and "<html>Bad gateway</html>" in events[-1].message


MESSAGE = {
    "id": "msg_9", "type": "message", "role": "assistant", "model": "claude-x",
    "content": [
        {"type": "thinking", "thinking": "Hmm.", "signature": "sig"},
        {"type": "text", "text": "See", "citations": [{"type": "web_search_result_location", "url": "u"}]},
        {"type": "server_tool_use", "id": "srv_9", "name": "web_search", "input": {"query": "q"}},
        {"type": "web_search_tool_result", "tool_use_id": "srv_9", "content": []},
        {"type": "tool_use", "id": "t9", "name": "f", "input": {"a": 1}},
    ],
    "stop_reason": "tool_use", "usage": {"input_tokens": 5, "output_tokens": 7},
}


@pytest.mark.parametrize("whole_body", [True, False])
def test_a_non_streaming_message_decodes_as_its_stream_would_whatever_the_first_guess(whole_body: bool) -> None:
    body = json.dumps(MESSAGE).encode()
    events = rillet.decode_chunks(AnthropicDecoder(whole_body=whole_body), [body[i : i + 4] for i in range(0, len(body), 4)])
    assert [e.type for e in events] == [
        "start", "usage", "reasoning", "token", "server_tool", "server_tool",
        "tool_call_start", "tool_call_delta", "tool_call", "end",
    ]
    result = rillet.StreamAggregator.fold(events)
    assert result.message.reasoning == "Hmm." and result.text == "See" and result.finish_reason == "tool_calls"
    assert result.message.content[0].signature == "sig"
    assert result.message.content[1].provider_metadata == {"citations": [{"type": "web_search_result_location", "url": "u"}]}
    assert [(c.call_id, c.arguments) for c in result.message.tool_calls] == [("t9", {"a": 1})]
    assert result.usage.input_tokens == 5 and result.usage.output_tokens == 7


def test_a_streamed_answer_decodes_even_when_the_request_said_not_to_stream() -> None:
    events = rillet.decode_chunks(AnthropicDecoder(whole_body=True), [START + TEXT0 + delta(0, {"type": "text_delta", "text": "hi"}) + block_stop(0) + STOP])
    assert rillet.StreamAggregator.fold(events).text == "hi" and events[-1].type == "end"


def test_a_non_streaming_answer_cut_short_is_truncated_and_one_that_is_no_message_says_what_it_saw() -> None:
    body = json.dumps(MESSAGE).encode()
    cut = rillet.decode_chunks(AnthropicDecoder(whole_body=True), [body[:60]])
    assert cut[-1].type == "error" and cut[-1].code == "truncated"
    other = rillet.decode_chunks(AnthropicDecoder(whole_body=True), [b'{"type": "completion", "completion": "x"}'])
    # Known imprecision (as for Gemini's generateContent): a whole body is read at close, which
    # the core reports as a cut frame; the error is still typed and says what it saw.
    assert other[-1].type == "error" and "something other than a message object" in other[-1].message
    in_band = rillet.decode_chunks(AnthropicDecoder(whole_body=True), [b'{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'])
    assert in_band[-1].code == "overloaded"


def test_server_tool_blocks_of_other_kinds_are_calls_or_results_by_their_type() -> None:
    events = run(START,
                 frame({"type": "content_block_start", "index": 0, "content_block": {"type": "mcp_tool_use", "id": "m1", "name": "lookup", "server_name": "s", "input": {"k": 1}}}),
                 block_stop(0),
                 frame({"type": "content_block_start", "index": 1, "content_block": {"type": "code_execution_tool_result", "tool_use_id": "c1", "content": {"stdout": "4"}}}),
                 block_stop(1), message_delta("end_turn", {"output_tokens": 1}), STOP)
    call, answer = [e for e in events if e.type == "server_tool"]
    assert (call.kind, call.name, call.call_id, call.arguments) == ("call", "lookup", "m1", {"k": 1})
    assert (answer.kind, answer.name, answer.call_id, answer.content) == ("result", "code_execution_tool_result", "c1", {"stdout": "4"})
