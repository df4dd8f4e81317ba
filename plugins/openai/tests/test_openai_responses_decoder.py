"""Unit tests of the Responses API decoder on small hand-made streams."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rillet import StreamAggregator, decode_chunks

from test_openai_responses_support import ResponsesDecoder
from rillet_openai.responses_decoder import error_for_code, unified_finish_reason


def frame(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload)}\n\n".encode()


def created(model: str = "gpt-5") -> bytes:
    return frame({"type": "response.created", "response": {"id": "resp_1", "model": model, "status": "in_progress"}})


def text_delta(delta: str, output_index: int = 0) -> bytes:
    return frame({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": output_index,
                  "content_index": 0, "delta": delta})


def completed(status: str = "completed", reason: str | None = None, usage: dict[str, Any] | None = None) -> bytes:
    response = {"id": "resp_1", "status": status, "usage": usage,
                "incomplete_details": {"reason": reason} if reason else None}
    kind = "response.completed" if status == "completed" else "response.incomplete"
    return frame({"type": kind, "response": response})


def decode(*frames: bytes) -> list[Any]:
    return decode_chunks(ResponsesDecoder(), [b"".join(frames)], provider="openai-responses")


def test_text_then_completed() -> None:
    events = decode(created(), text_delta("Hel"), text_delta("lo"), completed())
    assert [e.type for e in events] == ["start", "token", "token", "end"]
    assert events[0].response_id == "resp_1" and events[0].model == "gpt-5"
    assert events[-1].finish_reason == "stop" and events[-1].raw_finish_reason == "completed"


def test_usage_maps_cached_and_reasoning_tokens() -> None:
    usage = {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 64}, "output_tokens": 30,
             "output_tokens_details": {"reasoning_tokens": 20}, "total_tokens": 130}
    events = decode(created(), text_delta("x"), completed(usage=usage))
    assert events[-2].type == "usage"
    final = events[-1].usage
    assert (final.input_tokens, final.output_tokens, final.reasoning_tokens, final.cache_read_tokens) == (100, 30, 20, 64)
    assert final.cache_write_tokens is None


@pytest.mark.parametrize(
    ("status", "reason", "tools", "refused", "unified"),
    [
        ("completed", None, False, False, "stop"),
        ("completed", None, True, False, "tool_calls"),
        ("completed", None, False, True, "refusal"),
        ("incomplete", "max_output_tokens", False, False, "length"),
        ("incomplete", "content_filter", False, False, "content_filter"),
        ("incomplete", "something_new", False, False, "other"),
        ("cancelled", None, False, False, "other"),
    ],
)
def test_finish_reason_mapping(status: str, reason: str | None, tools: bool, refused: bool, unified: str) -> None:
    assert unified_finish_reason(status, reason, has_tool_calls=tools, refused=refused) == unified


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rate_limit_exceeded", "rate_limit"),
        ("server_error", "server"),
        ("insufficient_quota", "quota"),
        ("invalid_prompt", "bad_request"),
        ("invalid_image_url", "bad_request"),
        ("image_content_policy_violation", "content_filter"),
        ("vector_store_timeout", "server"),
        (None, "server"),
        ("brand_new_code", "server"),
    ],
)
def test_error_codes(code: str | None, expected: str) -> None:
    error = error_for_code(code, "boom", provider="openai-responses")
    assert error.code == expected
    assert "boom" in error.message


def test_error_frame_keeps_events_decoded_before_it_in_the_same_chunk() -> None:
    error = frame({"type": "error", "code": "rate_limit_exceeded", "message": "slow down", "param": None})
    decoder = ResponsesDecoder()
    events = decoder.feed(created() + text_delta("partial") + error + text_delta("ignored"))
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "rate_limit" and events[-1].retryable
    assert decoder.feed(completed()) == [] and decoder.close() == []


def test_chat_style_error_object_is_an_error_too() -> None:
    events = decode(created(), b'data: {"error": {"message": "overloaded", "type": "server_error", "code": null}}\n\n')
    assert events[-1].type == "error" and events[-1].code == "server"


def test_response_failed_is_a_typed_error_with_the_partial_text() -> None:
    failed = frame({"type": "response.failed", "response": {
        "id": "resp_1", "status": "failed", "error": {"code": "server_error", "message": "try again"}}})
    events = decode(created(), text_delta("half an ans"), failed)
    assert events[-1].type == "error" and events[-1].code == "server"
    assert events[-1].partial is not None and events[-1].partial.text == "half an ans"
    assert StreamAggregator.fold(events).finish_reason is None


def test_malformed_frame_is_a_protocol_error_after_the_good_events() -> None:
    events = decode(created(), text_delta("ok"), b"data: {not json\n\n", completed())
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "protocol" and "{not json" in events[-1].message
    assert events[-1].partial.text == "ok"


def test_body_without_terminal_event_is_truncated_never_end() -> None:
    decoder = ResponsesDecoder()
    events = decoder.feed(created() + text_delta("so far"))
    closing = decoder.close()
    assert [e.type for e in closing] == ["error"]
    assert closing[0].code == "truncated" and "response.completed" in closing[0].message
    assert all(e.type != "end" for e in events + closing)


def test_body_cut_inside_a_frame_is_truncated() -> None:
    body = created() + text_delta("kept")
    events = decode(body + text_delta("lost")[:-20])
    assert events[-1].code == "truncated"
    assert StreamAggregator.fold(events).text == "kept"


def test_empty_body_is_truncated() -> None:
    events = decode_chunks(ResponsesDecoder(), [])
    assert [e.type for e in events] == ["start", "error"] and events[-1].code == "truncated"


def test_unknown_events_and_done_marker_are_ignored() -> None:
    events = decode(
        created(),
        frame({"type": "response.web_search_call.searching", "output_index": 0, "item_id": "ws_1"}),
        frame({"type": "response.some_future_event", "whatever": [1, 2]}),
        b": keep-alive\n\n",
        text_delta("hi"),
        completed(),
        b"data: [DONE]\n\n",
    )
    assert [e.type for e in events] == ["start", "token", "end"]


def test_start_is_emitted_at_the_first_frame_even_without_created() -> None:
    events = decode(text_delta("hi"), completed())
    assert [e.type for e in events] == ["start", "token", "end"]
    assert events[0].provider == "openai-responses" and events[0].response_id is None


def function_call_frames(output_index: int, call_id: str, name: str, pieces: list[str]) -> list[bytes]:
    item = {"id": f"fc_{call_id}", "type": "function_call", "status": "in_progress", "arguments": "",
            "call_id": call_id, "name": name}
    frames = [frame({"type": "response.output_item.added", "output_index": output_index, "item": item})]
    frames += [frame({"type": "response.function_call_arguments.delta", "item_id": item["id"],
                      "output_index": output_index, "delta": piece}) for piece in pieces]
    arguments = "".join(pieces)
    frames.append(frame({"type": "response.function_call_arguments.done", "item_id": item["id"],
                         "output_index": output_index, "arguments": arguments}))
    done = {**item, "status": "completed", "arguments": arguments}
    frames.append(frame({"type": "response.output_item.done", "output_index": output_index, "item": done}))
    return frames


def test_parallel_function_calls_get_their_own_indices() -> None:
    events = decode(
        created(),
        *function_call_frames(0, "call_a", "weather", ['{"city"', ':"Paris"}']),
        *function_call_frames(1, "call_b", "time", ["{}"]),
        completed(),
    )
    calls = [e for e in events if e.type == "tool_call"]
    assert [(c.index, c.call_id, c.name, c.arguments) for c in calls] == [
        (0, "call_a", "weather", {"city": "Paris"}),
        (1, "call_b", "time", {}),
    ]
    assert events[-1].finish_reason == "tool_calls"


def test_whole_call_sent_only_in_the_done_item_still_streams_one_delta() -> None:
    item = {"id": "fc_1", "type": "function_call", "status": "completed", "arguments": '{"a": 1}',
            "call_id": "call_1", "name": "f"}
    events = decode(created(), frame({"type": "response.output_item.done", "output_index": 0, "item": item}), completed())
    assert [e.type for e in events] == ["start", "tool_call_start", "tool_call_delta", "tool_call", "end"]
    assert events[2].arguments_delta == '{"a": 1}' and events[3].arguments == {"a": 1}


def test_call_cut_by_max_output_tokens_keeps_its_raw_arguments() -> None:
    item = {"id": "fc_1", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "c", "name": "f"}
    events = decode(
        created(),
        frame({"type": "response.output_item.added", "output_index": 0, "item": item}),
        frame({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0, "delta": '{"q": "ab'}),
        frame({"type": "response.output_item.done", "output_index": 0,
               "item": {**item, "status": "incomplete", "arguments": '{"q": "ab'}}),
        completed("incomplete", "max_output_tokens"),
    )
    [call] = [e for e in events if e.type == "tool_call"]
    assert call.arguments is None and call.raw_arguments == '{"q": "ab'
    assert events[-1].finish_reason == "length"


def test_invalid_arguments_in_a_completed_call_keep_the_call_raw_and_marked() -> None:
    events = decode(created(), *function_call_frames(0, "c", "f", ['{"a": ']), completed())
    assert events[-1].type == "end" and events[-1].finish_reason == "tool_calls"
    [call] = [e for e in events if e.type == "tool_call"]
    assert (call.name, call.arguments, call.raw_arguments) == ("f", None, '{"a": ')
    assert "not valid JSON" in call.arguments_error


def test_refusal_deltas_are_text_with_finish_refusal() -> None:
    refusal = [frame({"type": "response.refusal.delta", "item_id": "msg_1", "output_index": 0, "content_index": 0,
                      "delta": piece}) for piece in ("I can't", " help.")]
    events = decode(created(), *refusal, completed())
    result = StreamAggregator.fold(events)
    assert result.text == "I can't help." and result.finish_reason == "refusal"


def test_message_done_without_deltas_supplies_the_text() -> None:
    item = {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": "whole", "annotations": []}]}
    events = decode(created(), frame({"type": "response.output_item.done", "output_index": 0, "item": item}), completed())
    assert StreamAggregator.fold(events).text == "whole"
    # and not twice when deltas did come
    events = decode(created(), text_delta("whole"), frame({"type": "response.output_item.done", "output_index": 0,
                                                           "item": item}), completed())
    assert StreamAggregator.fold(events).text == "whole"


def test_reasoning_text_and_summary_deltas() -> None:
    reasoning_item = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "S"}],
                      "content": [{"type": "reasoning_text", "text": "R"}], "encrypted_content": "ENC"}
    events = decode(
        created(),
        frame({"type": "response.reasoning_text.delta", "item_id": "rs_1", "output_index": 0, "content_index": 0, "delta": "R"}),
        frame({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0,
               "summary_index": 0, "delta": "S"}),
        frame({"type": "response.output_item.done", "output_index": 0, "item": reasoning_item}),
        text_delta("answer", output_index=1),
        completed(),
    )
    result = StreamAggregator.fold(events)
    parts = [p for p in result.message.content if p.type == "reasoning"]
    assert [(p.text, p.provider_metadata["openai"]["kind"]) for p in parts] == [("R", "reasoning_text"), ("S", "summary")]
    assert parts[0].data == "ENC" and parts[1].data is None
    assert not parts[0].redacted
    assert result.text == "answer"


def test_a_non_streaming_response_object_decodes_as_its_stream_would_whatever_the_first_guess() -> None:
    response = {
        "id": "resp_9", "object": "response", "status": "completed", "model": "gpt-5",
        "output": [
            {"id": "msg_9", "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hi.", "annotations": []}]},
            {"id": "fc_9", "type": "function_call", "call_id": "c9", "name": "f", "arguments": '{"a": 1}', "status": "completed"}],
        "usage": {"input_tokens": 3, "output_tokens": 4},
    }
    body = json.dumps(response, indent=2).encode()
    for whole_body in (True, False):
        events = decode_chunks(ResponsesDecoder(whole_body=whole_body), [body[i : i + 5] for i in range(0, len(body), 5)])
        result = StreamAggregator.fold(events)
        assert events[0].response_id == "resp_9" and result.text == "Hi." and result.finish_reason == "tool_calls"
        assert [(c.call_id, c.arguments) for c in result.message.tool_calls] == [("c9", {"a": 1})]
        assert result.usage.output_tokens == 4
    failed = decode_chunks(ResponsesDecoder(whole_body=True), [json.dumps({**response, "status": "failed", "output": [],
                                                                         "error": {"code": "server_error", "message": "boom"}}).encode()])
    assert failed[-1].type == "error" and failed[-1].code == "server" and "boom" in failed[-1].message
    streamed = decode_chunks(ResponsesDecoder(whole_body=True), [created() + text_delta("Hi") + completed()])
    assert StreamAggregator.fold(streamed).text == "Hi" and streamed[-1].type == "end"
    cut = decode_chunks(ResponsesDecoder(whole_body=True), [body[:40]])
    assert cut[-1].type == "error" and cut[-1].code == "truncated"
