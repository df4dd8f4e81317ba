"""GeminiDecoder: parts, signatures, tool calls, usage, finish reasons, errors, framing."""

from __future__ import annotations

import json

import pytest
from gemini_test_support import chunkings, decode, fold, sse

from rillet_gemini.decoder import GeminiDecoder
from rillet_gemini.finish_reasons import finish_reason

RID = '"responseId": "r1", "modelVersion": "gemini-2.5-flash"'


def chunk(parts: list, *, finish: str | None = None, usage: dict | None = None, rid: str = RID) -> str:
    candidate: dict = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    text = '{"candidates": [' + json.dumps(candidate) + "]"
    if usage:
        text += ', "usageMetadata": ' + json.dumps(usage)
    return text + (", " + rid if rid else "") + "}"


def run(body: bytes, **kwargs) -> list:  # type: ignore[no-untyped-def]
    return decode(GeminiDecoder(**kwargs), [body])


def test_start_carries_model_version_and_response_id() -> None:
    events = run(sse(chunk([{"text": "hi"}], finish="STOP")))
    assert events[0].type == "start"
    assert (events[0].provider, events[0].model, events[0].response_id) == ("gemini", "gemini-2.5-flash", "r1")
    assert [e.type for e in events] == ["start", "token", "end"]


def test_end_only_at_close_so_trailing_usage_counts() -> None:
    decoder = GeminiDecoder()
    fed = decoder.feed(sse(chunk([{"text": "a"}], finish="STOP", usage={"promptTokenCount": 3})))
    assert "end" not in [e.type for e in fed]
    fed = decoder.feed(sse('{"usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1}, ' + RID + "}"))
    closed = decoder.close()
    assert closed[-1].type == "end" and closed[-1].usage.output_tokens == 1
    assert decoder.feed(b"data: {}\r\n\r\n") == [] and decoder.close() == []


def test_thought_parts_then_signed_text_keep_order_and_signature() -> None:
    body = sse(
        chunk([{"text": "think 1", "thought": True}]),
        chunk([{"text": "think 2", "thought": True}]),
        chunk([{"text": "Answer", "thoughtSignature": "SIG"}], finish="STOP"),
    )
    events = run(body)
    reasoning = [e for e in events if e.type == "reasoning"]
    assert [(e.text, e.index, e.signature) for e in reasoning] == [("think 1", 0, None), ("think 2", 0, None), ("", 0, "SIG")]
    assert reasoning[-1].provider_metadata == {"gemini": {"signature_on": "next"}}
    token = next(e for e in events if e.type == "token")
    assert token.index == 1
    message = fold(events).message
    assert [type(p).__name__ for p in message.content] == ["ReasoningPart", "TextPart"]
    assert message.content[0].signature == "SIG" and message.content[0].text == "think 1think 2"


def test_signature_on_a_thought_part_is_marked_and_closes_the_block() -> None:
    body = sse(chunk([{"text": "a", "thought": True, "thoughtSignature": "S1"}, {"text": "b", "thought": True}]), chunk([], finish="STOP"))
    reasoning = [e for e in run(body) if e.type == "reasoning"]
    assert [(e.index, e.signature) for e in reasoning] == [(0, "S1"), (1, None)]
    assert reasoning[0].provider_metadata == {"gemini": {"signature_on": "thought"}}


def test_empty_text_part_with_signature_after_text_is_its_own_block() -> None:
    body = sse(chunk([{"text": "Scoop"}]), chunk([{"text": "", "thoughtSignature": "S"}], finish="STOP"))
    events = run(body)
    result = fold(events)
    assert result.text == "Scoop"
    assert [type(p).__name__ for p in result.message.content] == ["TextPart", "ReasoningPart"]
    assert result.message.content[1].signature == "S"
    assert not [e for e in events if e.type == "token" and not e.text]


def test_two_signatures_never_concatenate() -> None:
    body = sse(chunk([{"text": "x", "thoughtSignature": "A"}, {"text": "y", "thoughtSignature": "B"}], finish="STOP"))
    parts = fold(run(body)).message.content
    assert [getattr(p, "signature", None) for p in parts] == ["A", None, "B", None]
    assert fold(run(body)).text == "xy"


def test_parallel_function_calls_get_distinct_indexes_and_stable_ids() -> None:
    body = sse(chunk([
        {"functionCall": {"name": "f", "args": {"a": "é"}}, "thoughtSignature": "FS"},
        {"functionCall": {"name": "g", "args": {}}},
        {"functionCall": {"name": "h"}},
    ], finish="STOP"))
    events = run(body)
    calls = [e for e in events if e.type == "tool_call"]
    assert [(c.index, c.call_id, c.name, c.arguments) for c in calls] == [
        (0, "call_r1_0", "f", {"a": "é"}), (1, "call_r1_1", "g", {}), (2, "call_r1_2", "h", {})
    ]
    assert calls[0].raw_arguments == '{"a": "é"}'
    assert calls[0].provider_metadata == {"gemini": {"thought_signature": "FS"}}
    assert calls[1].provider_metadata is None
    assert [e.arguments_delta for e in events if e.type == "tool_call_delta"] == ['{"a": "é"}', "{}"]
    assert fold(events).finish_reason == "tool_calls"
    for _, chunks in chunkings(body, seeds=5):
        assert decode(GeminiDecoder(), chunks) == events


def test_wire_call_id_is_kept_and_ids_without_response_id() -> None:
    body = sse(chunk([{"functionCall": {"id": "abc", "name": "f", "args": {}}}, {"functionCall": {"name": "g", "args": {}}}], finish="STOP", rid=""))
    calls = [e for e in run(body) if e.type == "tool_call"]
    assert [c.call_id for c in calls] == ["abc", "call_1"]


def test_tool_calls_finish_at_finish_reason_not_earlier() -> None:
    decoder = GeminiDecoder()
    first = decoder.feed(sse(chunk([{"functionCall": {"name": "f", "args": {"x": 1}}}])))
    assert [e.type for e in first] == ["start", "tool_call_start", "tool_call_delta"]
    second = decoder.feed(sse(chunk([], finish="STOP")))
    assert [e.type for e in second] == ["tool_call"]


def test_usage_is_the_latest_never_a_sum_and_not_repeated() -> None:
    body = sse(
        chunk([{"text": "a"}], usage={"promptTokenCount": 10, "candidatesTokenCount": 1}),
        chunk([{"text": "b"}], usage={"promptTokenCount": 10, "candidatesTokenCount": 1}),
        chunk([{"text": "c"}], finish="STOP", usage={"promptTokenCount": 10, "candidatesTokenCount": 3,
                                                     "thoughtsTokenCount": 7, "cachedContentTokenCount": 4}),
    )
    events = run(body)
    assert len([e for e in events if e.type == "usage"]) == 2
    usage = events[-1].usage
    # output_tokens include thinking: 3 candidate + 7 thought tokens
    assert (usage.input_tokens, usage.output_tokens, usage.reasoning_tokens, usage.cache_read_tokens) == (10, 10, 7, 4)


@pytest.mark.parametrize(
    ("raw", "tools", "unified"),
    [
        ("STOP", False, "stop"), ("STOP", True, "tool_calls"), ("MAX_TOKENS", True, "length"),
        ("SAFETY", False, "content_filter"), ("RECITATION", False, "content_filter"),
        ("BLOCKLIST", False, "content_filter"), ("PROHIBITED_CONTENT", False, "content_filter"),
        ("SPII", False, "content_filter"), ("IMAGE_SAFETY", False, "content_filter"),
        ("MALFORMED_FUNCTION_CALL", False, "other"), ("LANGUAGE", False, "other"), ("SOMETHING_NEW", False, "other"),
        (None, False, "other"),
    ],
)
def test_finish_reason_mapping(raw: str | None, tools: bool, unified: str) -> None:
    assert finish_reason(raw, called_tools=tools) == unified


def test_prompt_blocked_is_a_content_filter_error() -> None:
    body = sse('{"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}, ' + RID + "}")
    events = run(body)
    assert [e.type for e in events] == ["start", "usage", "error"]
    assert events[-1].code == "content_filter" and "blockReason SAFETY" in events[-1].message


def test_in_band_error_keeps_earlier_events_of_the_same_chunk() -> None:
    body = sse(chunk([{"text": "partial"}]), '{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}')
    decoder = GeminiDecoder()
    events = decoder.feed(body)
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "overloaded" and events[-1].retryable and "overloaded" in events[-1].message
    assert decoder.feed(sse(chunk([{"text": "more"}]))) == [] and decoder.close() == []
    assert fold(decode(GeminiDecoder(), [body])).error.partial.text == "partial"


def test_malformed_frame_is_a_protocol_error_after_earlier_events() -> None:
    body = sse(chunk([{"text": "ok"}])) + b"data: {not json\r\n\r\n" + sse(chunk([{"text": "late"}], finish="STOP"))
    events = GeminiDecoder().feed(body)
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "protocol" and "{not json" in events[-1].message
    assert fold(decode(GeminiDecoder(), [body])).text == "ok"


def test_non_object_frame_and_unreadable_object_are_protocol_errors() -> None:
    assert run(b"data: [1, 2]\r\n\r\n")[-1].code == "protocol"
    assert run(sse('{"candidates": [{"content": {"parts": [5]}, "index": 0}]}'))[-1].code == "protocol"


def test_truncated_without_finish_reason() -> None:
    events = run(sse(chunk([{"text": "half"}])))
    assert events[-1].type == "error" and events[-1].code == "truncated"
    assert events[-1].partial.text == "half"
    assert "finishReason" in events[-1].message
    empty = run(b"")
    assert [e.type for e in empty] == ["start", "error"] and empty[-1].code == "truncated"


def test_truncated_mid_frame_even_after_finish_reason_in_json_array() -> None:
    element = chunk([{"text": "x"}], finish="STOP")
    assert run(f"[{element}]".encode(), framing="json_array")[-1].type == "end"
    events = run(f"[{element}".encode(), framing="json_array")
    assert events[-1].code == "truncated" and fold(events).text == "x"


def test_json_array_framing_with_in_band_error() -> None:
    body = f'[{chunk([{"text": "a"}])},\r\n{{"error": {{"code": 500, "message": "boom", "status": "INTERNAL"}}}}]'.encode()
    for _, chunks in chunkings(body, seeds=5):
        events = decode(GeminiDecoder(framing="json_array"), chunks)
        assert [e.type for e in events] == ["start", "token", "error"] and events[-1].code == "server"


def test_json_framing_decodes_a_whole_generate_content_body() -> None:
    body = json.dumps(json.loads(chunk([{"text": "whole"}], finish="STOP", usage={"promptTokenCount": 2}))).encode()
    events = decode(GeminiDecoder(framing="json"), [body[:7], body[7:]])
    assert [e.type for e in events] == ["start", "token", "usage", "end"]
    assert run(body[:-3], framing="json")[-1].code == "truncated"
    # Known imprecision: a whole body that is not JSON is only found out at close, which the
    # core reads as a cut frame. The error is still typed and says what it saw.
    last = run(b"<html>oops</html>", framing="json")[-1]
    assert last.code == "truncated" and "<html>oops</html>" in last.message


def test_other_candidates_are_alternatives_kept_apart() -> None:
    body = sse('{"candidates": [{"content": {"parts": [{"text": "second"}]}, "index": 1},'
               ' {"content": {"parts": [{"text": "first"}]}, "index": 0}], ' + RID + "}",
               '{"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": {}}}]}, "index": 1, "finishReason": "STOP"},'
               ' {"content": {"parts": [{"text": "!"}]}, "index": 0, "finishReason": "STOP"}], ' + RID + "}")
    events = run(body)
    result = fold(events)
    assert result.text == "first!" and result.finish_reason == "stop" and result.message.tool_calls == []
    assert [choice.text for choice in result.choices] == ["first!", "second"]
    assert [call.name for call in result.choices[1].tool_calls] == ["f"]
    assert {e.choice for e in events if e.type.startswith("tool_call")} == {1}


def test_unknown_framing_is_refused() -> None:
    with pytest.raises(ValueError):
        GeminiDecoder(framing="ndjson")  # type: ignore[arg-type]


def test_json_array_malformed_element_keeps_earlier_elements_whatever_the_split() -> None:
    good = chunk([{"text": "ok"}])
    body = f"[{good},\n{{\"x\": tru}}]".encode()
    whole = decode(GeminiDecoder(framing="json_array"), [body])
    split = decode(GeminiDecoder(framing="json_array"), [body[: len(good) + 1], body[len(good) + 1 :]])
    assert [e.type for e in split] == ["start", "token", "error"]
    assert whole == split


@pytest.mark.parametrize("framing", ["sse", "json_array", "json"])
def test_the_body_settles_the_framing_whatever_the_url_said(framing: str) -> None:
    parts = chunk([{"text": "Hi"}], finish="STOP")
    for body in (sse(parts), b"[" + parts.encode() + b"]", parts.encode()):
        events = decode(GeminiDecoder(framing=framing), [body[i : i + 3] for i in range(0, len(body), 3)])  # type: ignore[arg-type]
        assert [e.type for e in events] == ["start", "token", "end"], (framing, body[:20])
