"""ChatCompletionsDecoder: edge cases of the Chat Completions stream, fed directly."""

from __future__ import annotations

import json
from typing import Any

import pytest

import rillet
from rillet_openai.chat_decoder import ChatCompletionsDecoder
from rillet_openai.finish_reasons import unified_finish_reason


def frame(choices: list[dict[str, Any]] | None = None, **fields: Any) -> bytes:
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m-1", **fields}
    if choices is not None:
        body["choices"] = choices
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def choice(delta: dict[str, Any] | None = None, finish: str | None = None, index: int | None = 0) -> dict[str, Any]:
    out: dict[str, Any] = {"delta": delta or {}, "finish_reason": finish}
    if index is not None:
        out["index"] = index
    return out


def call(**fields: Any) -> dict[str, Any]:
    return {"tool_calls": [fields]}


DONE = b"data: [DONE]\n\n"


def run(*chunks: bytes, include_usage: bool = True) -> list[Any]:
    return rillet.decode_chunks(ChatCompletionsDecoder("openai", include_usage=include_usage), list(chunks))


def fold(events: list[Any]) -> rillet.ChatResult:
    return rillet.StreamAggregator.fold(events)


def test_text_usage_and_end() -> None:
    events = run(
        frame([choice({"role": "assistant", "content": "Hi"})], usage=None),
        frame([choice({"content": " there"})], usage=None),
        frame([choice({}, "stop")], usage=None),
        frame([], usage={"prompt_tokens": 3, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 1}}),
        DONE,
    )
    assert [e.type for e in events] == ["start", "token", "token", "usage", "end"]
    assert events[0].model == "m-1" and events[0].response_id == "chatcmpl-1" and events[0].provider == "openai"
    end = events[-1]
    assert end.finish_reason == "stop" and end.raw_finish_reason == "stop"
    assert end.usage.input_tokens == 3 and end.usage.output_tokens == 2 and end.usage.cache_read_tokens == 1


def test_tool_call_is_finished_at_finish_reason_not_when_json_parses() -> None:
    events = run(
        frame([choice(call(index=0, id="c1", type="function", function={"name": "f", "arguments": ""}))]),
        frame([choice(call(index=0, function={"arguments": '{"a": 1}'}))]),
        frame([choice(call(index=0, function={"arguments": " "}))]),
        frame([choice({}, "tool_calls")]),
        DONE,
        include_usage=False,
    )
    kinds = [e.type for e in events]
    assert kinds == ["start", "tool_call_start", "tool_call_delta", "tool_call_delta", "tool_call", "end"]
    finished = events[4]
    assert finished.call_id == "c1" and finished.arguments == {"a": 1} and finished.raw_arguments == '{"a": 1} '
    assert events[-1].finish_reason == "tool_calls"


def test_missing_index_continues_the_last_call_and_new_id_starts_a_new_one() -> None:
    events = run(
        frame([choice(call(id="c1", function={"name": "f", "arguments": '{"x":'}))]),
        frame([choice(call(function={"arguments": "1}"}))]),
        frame([choice(call(id="c2", function={"name": "g", "arguments": "{}"}))]),
        frame([choice({}, "tool_calls")]),
        DONE,
        include_usage=False,
    )
    calls = [e for e in events if e.type == "tool_call"]
    assert [(c.index, c.call_id, c.name, c.arguments) for c in calls] == [(0, "c1", "f", {"x": 1}), (1, "c2", "g", {})]


def test_tool_calls_without_finish_reason_finish_at_done() -> None:
    events = run(frame([choice(call(index=0, id="c1", function={"name": "f"}))]), DONE, include_usage=False)
    assert [e.type for e in events] == ["start", "tool_call_start", "tool_call", "end"]
    assert events[2].arguments == {} and events[-1].finish_reason == "tool_calls" and events[-1].raw_finish_reason is None


def test_invalid_arguments_are_kept_raw() -> None:
    events = run(
        frame([choice(call(index=0, id="c1", function={"name": "f", "arguments": '{"x": '}))]),
        frame([choice({}, "length")]),
        DONE,
        include_usage=False,
    )
    finished = next(e for e in events if e.type == "tool_call")
    assert finished.arguments is None and finished.raw_arguments == '{"x": '
    assert "not valid JSON" in finished.arguments_error and finished.provider_metadata is None
    assert events[-1].finish_reason == "length"


def test_parallel_calls_in_two_choices_get_unique_indexes() -> None:
    events = run(
        frame([choice(call(index=0, id="a", function={"name": "f", "arguments": "{}"}), index=0)]),
        frame([choice(call(index=0, id="b", function={"name": "f", "arguments": "{}"}), index=1)]),
        frame([choice({}, "tool_calls", 0), choice({}, "tool_calls", 1)]),
        DONE,
        include_usage=False,
    )
    assert [(e.index, e.call_id) for e in events if e.type == "tool_call"] == [(0, "a"), (1, "b")]


def test_refusal_is_text_and_finish_is_refusal() -> None:
    result = fold(run(frame([choice({"refusal": "No."})]), frame([choice({}, "stop")]), DONE, include_usage=False))
    assert result.text == "No." and result.finish_reason == "refusal" and result.raw_finish_reason == "stop"


@pytest.mark.parametrize(
    ("raw", "unified"),
    [("stop", "stop"), ("length", "length"), ("tool_calls", "tool_calls"), ("function_call", "tool_calls"),
     ("content_filter", "content_filter"), ("weird", "other"), (None, "other")],
)
def test_finish_reason_mapping(raw: Any, unified: str) -> None:
    assert unified_finish_reason(raw) == unified


def test_stop_after_tool_call_counts_as_tool_calls() -> None:
    assert unified_finish_reason("stop", has_tool_calls=True) == "tool_calls"
    assert unified_finish_reason("length", has_tool_calls=True) == "length"


def test_reasoning_content_and_reasoning_fields() -> None:
    result = fold(run(
        frame([choice({"reasoning_content": "think ", "content": None})]),
        frame([choice({"reasoning": "more"})]),
        frame([choice({"content": "ok"}, "stop")]),
        DONE,
        include_usage=False,
    ))
    assert result.message.reasoning == "think more" and result.text == "ok"
    (part,) = [p for p in result.message.content if p.type == "reasoning"]
    assert part.provider_metadata == {"reasoning_field": "reasoning_content"}


def test_openrouter_encrypted_reasoning_detail_is_kept() -> None:
    detail = {"type": "reasoning.encrypted", "data": "gAAAA==", "id": "rs_1", "format": "openai-responses-v1", "index": 0}
    result = fold(run(frame([choice({"reasoning_details": [detail]})]), frame([choice({"content": "a"}, "stop")]), DONE,
                      include_usage=False))
    (part,) = [p for p in result.message.content if p.type == "reasoning"]
    assert part.redacted and part.data == "gAAAA=="
    assert part.provider_metadata["reasoning_details"] == [detail]


def test_comments_keepalives_are_ignored() -> None:
    events = run(b": OPENROUTER PROCESSING\n\n", frame([choice({"content": "x"}, "stop")]), b": ping\n\n", DONE,
                 include_usage=False)
    assert [e.type for e in events] == ["start", "token", "end"]


def test_inband_error_frame_keeps_events_decoded_before_it_in_the_same_chunk() -> None:
    decoder = ChatCompletionsDecoder("openai")
    body = frame([choice({"content": "Hello"})]) + b'data: {"error": {"message": "boom", "type": "server_error"}}\n\n'
    events = decoder.feed(body)
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "server" and events[-1].retryable and "boom" in events[-1].message
    assert decoder.feed(frame([choice({"content": "ignored"})])) == [] and decoder.close() == []


@pytest.mark.parametrize(
    ("error", "code"),
    [({"code": 429, "message": "slow down"}, "rate_limit"), ({"code": 402, "message": "no credit"}, "quota"),
     ({"code": 401, "message": "bad key"}, "authentication"), ({"code": "invalid_api_key", "message": "x"}, "authentication"),
     ({"code": 403, "message": "flagged", "metadata": {"reasons": ["x"], "flagged_input": "y"}}, "content_filter"),
     ({"code": 502, "message": "down"}, "server"), ("plain text", "server")],
)
def test_inband_error_codes(error: Any, code: str) -> None:
    events = run(b"data: " + json.dumps({"error": error}).encode() + b"\n\n")
    assert events[-1].type == "error" and events[-1].code == code


def test_event_error_frame() -> None:
    events = run(frame([choice({"content": "a"})]), b'event: error\ndata: {"error": {"message": "m", "code": 503}}\n\n', DONE)
    assert [e.type for e in events] == ["start", "token", "error"] and events[-1].code == "overloaded"


def test_malformed_frame_is_a_protocol_error_after_the_earlier_events() -> None:
    decoder = ChatCompletionsDecoder("openai")
    events = decoder.feed(frame([choice({"content": "ok"})]) + b"data: {not json\n\n")
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "protocol" and "{not json" in events[-1].message


def test_body_cut_inside_the_last_frame_is_truncated() -> None:
    events = run(frame([choice({"content": "ok"})]) + b'data: {"choices": [{"delta": {"content": "x')
    assert events[-1].type == "error" and events[-1].code == "truncated"
    assert events[-1].partial.text == "ok"


@pytest.mark.parametrize(
    ("chunks", "include_usage", "outcome"),
    [
        ([frame([choice({"content": "a"})])], False, "truncated"),  # no finish_reason
        ([frame([choice({"content": "a"}, "stop")])], True, "truncated"),  # usage asked for, never came
        ([frame([choice({"content": "a"}, "stop")])], False, "end"),
        ([frame([choice({"content": "a"}, "stop")], usage={"prompt_tokens": 1, "completion_tokens": 1})], True, "end"),
        ([frame([choice({"content": "a"}, "stop", 0), choice({"content": "b"}, None, 1)])], False, "truncated"),
        ([], True, "truncated"),
    ],
)
def test_missing_done(chunks: list[bytes], include_usage: bool, outcome: str) -> None:
    events = run(*chunks, include_usage=include_usage)
    assert events[-1].type == ("error" if outcome == "truncated" else "end")
    if outcome == "truncated":
        assert events[-1].code == "truncated"


def test_fast_path_matches_full_parse() -> None:
    """Frames decoded through the learned template give the same events as a full parse,
    including escapes, non-ASCII, obfuscation padding and a frame that only looks alike."""
    texts = ["Hel", 'lo "q"', "\\n", "é✓", "\u2028", "", "end"]
    body = b""
    for number, text in enumerate(texts):
        chunk = {"id": "c", "object": "chat.completion.chunk", "model": "m",
                 "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
                 "usage": None, "obfuscation": "x" * number}
        body += b"data: " + json.dumps(chunk, ensure_ascii=number % 2 == 0).encode() + b"\n\n"
    sneaky = {"id": "c", "object": "chat.completion.chunk", "model": "m",
              "choices": [{"index": 0, "delta": {"content": "a", "refusal": "b"}, "finish_reason": None}], "usage": None}
    body += b"data: " + json.dumps(sneaky).encode() + b"\n\n" + frame([choice({}, "stop")]) + DONE
    probe = ChatCompletionsDecoder("openai", include_usage=False)
    probe.feed(body[: body.index(b"\n\n") + 2])
    assert probe._template is not None  # the fast path is in use from the first text frame
    result = fold(rillet.decode_chunks(ChatCompletionsDecoder("openai", include_usage=False), [body]))
    assert result.text == "".join(texts) + "ab"
    assert result.finish_reason == "refusal"
    one_by_one = rillet.decode_chunks(ChatCompletionsDecoder("openai", include_usage=False), [bytes([b]) for b in body])
    assert [e.model_dump() for e in one_by_one] == [
        e.model_dump() for e in rillet.decode_chunks(ChatCompletionsDecoder("openai", include_usage=False), [body])
    ]


def test_http_error_refinement_reads_code_before_type() -> None:
    decoder = ChatCompletionsDecoder("openai")
    body = json.dumps({"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}})
    error = decoder.error_from_response(401, {}, body.encode())
    assert error.code == "authentication" and error.status_code == 401
    quota = decoder.error_from_response(429, {"retry-after": "2"}, b'{"error": {"type": "insufficient_quota", "code": "insufficient_quota"}}')
    assert quota.code == "quota"
    limited = decoder.error_from_response(429, {"retry-after": "2"}, b'{"error": {"message": "slow", "type": "requests"}}')
    assert limited.code == "rate_limit" and limited.retry_after == 2.0
    assert decoder.error_from_response(400, {}, b"not json").code == "bad_request"


def test_openrouter_http_errors_moderation_and_upstream_words() -> None:
    decoder = ChatCompletionsDecoder("openrouter")
    flagged = b'{"error": {"code": 403, "message": "flagged", "metadata": {"reasons": ["violence"], "flagged_input": "x"}}}'
    assert decoder.error_from_response(403, {}, flagged).code == "content_filter"
    plain = decoder.error_from_response(403, {}, b'{"error": {"code": 403, "message": "no access"}}')
    assert plain.code == "permission"
    upstream = b'{"error": {"code": 502, "message": "Provider returned error", "metadata": {"raw": "upstream timed out"}}}'
    error = decoder.error_from_response(502, {}, upstream)
    assert error.code == "server" and "Provider returned error (upstream timed out)" in error.message
def _bytewise(decoder: ChatCompletionsDecoder, body: bytes) -> list[Any]:
    return rillet.decode_chunks(decoder, [body[i : i + 1] for i in range(len(body))])


COMPLETION = {
    "id": "chatcmpl-9", "object": "chat.completion", "model": "m-9",
    "choices": [
        {"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": '{"y": '}}]}},
        {"index": 1, "finish_reason": "stop", "message": {"role": "assistant", "content": "Other answer."}}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 9},
}


@pytest.mark.parametrize("whole_body", [True, False])
def test_a_non_streaming_completion_decodes_as_its_stream_would_whatever_the_first_guess(whole_body: bool) -> None:
    body = b"\n" + json.dumps(COMPLETION, indent=2).encode() + b"\n"
    events = _bytewise(ChatCompletionsDecoder("openai", whole_body=whole_body, include_usage=True), body)
    assert events[0].type == "start" and events[0].response_id == "chatcmpl-9" and events[-1].type == "end"
    calls = [e for e in events if e.type == "tool_call"]
    assert [(c.call_id, c.arguments, c.arguments_error is None) for c in calls] == [("c1", {"x": 1}, True), ("c2", None, False)]
    result = fold(events)
    assert result.finish_reason == "tool_calls" and result.usage.output_tokens == 9
    assert [choice.text for choice in result.choices] == ["", "Other answer."]
    assert [call.name for call in result.message.tool_calls] == ["f", "g"]
    cut = rillet.decode_chunks(ChatCompletionsDecoder("openai", whole_body=whole_body), [body[: len(body) // 2]])
    assert cut[-1].type == "error" and cut[-1].code == "truncated"


def test_a_json_error_object_answering_a_streaming_request_is_the_typed_error_not_a_truncation() -> None:
    body = json.dumps({"error": {"message": "Rate limit exceeded: free-models-per-day", "code": 429}}).encode()
    events = run(body)
    assert events[-1].type == "error" and events[-1].code == "rate_limit" and "free-models-per-day" in events[-1].message


def test_content_given_as_typed_parts_keeps_reasoning_and_text_apart() -> None:
    events = run(
        frame([choice({"content": [{"type": "thinking", "thinking": [{"type": "text", "text": "Let me "}, {"type": "text", "text": "think."}]}]})]),
        frame([choice({"content": [{"type": "thinking", "thinking": " More."}, {"type": "reference", "reference_ids": [1]}]})]),
        frame([choice({"content": [{"type": "text", "text": "The "}, {"type": "text", "text": "answer"}]})]),
        frame([choice({"content": "."}, "stop")]),
        frame([choice({"reasoning_content": [{"type": "text", "text": "late"}]})]),
        DONE,
        include_usage=False,
    )
    result = fold(events)
    assert result.text == "The answer." and result.message.reasoning == "Let me think. More."
    assert [e.text for e in events if e.type == "reasoning"] == ["Let me think.", " More."]


def test_reasoning_field_given_as_a_list_of_parts_is_reasoning() -> None:
    events = run(frame([choice({"reasoning": [{"type": "text", "text": "step 1"}]})]), frame([choice({"content": "ok"}, "stop")]), DONE,
                 include_usage=False)
    result = fold(events)
    assert result.message.reasoning == "step 1" and result.text == "ok"


def test_n2_stream_keeps_each_choice_apart_with_its_own_tool_call() -> None:
    events = run(
        frame([choice({"content": "A"}, index=0), choice(call(index=0, id="k", function={"name": "f", "arguments": "{}"}), index=1)]),
        frame([choice({"content": "B"}, index=0)]),
        frame([choice({}, "stop", index=0), choice({}, "tool_calls", index=1)]),
        DONE,
        include_usage=False,
    )
    result = fold(events)
    assert result.text == "AB" and result.message.tool_calls == [] and result.finish_reason == "stop"
    assert [call.call_id for call in result.choices[1].tool_calls] == ["k"]
    assert {e.choice for e in events if e.type.startswith("tool_call")} == {1}
