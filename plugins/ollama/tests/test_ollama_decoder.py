"""OllamaDecoder: lines to events, terminal markers, in-band errors, malformed input."""

from __future__ import annotations

import json

import pytest

import rillet
from rillet import LocalProtocolError

import rillet_ollama
from rillet_ollama.decoder import OllamaDecoder, decoder_for_url
from rillet_ollama.errors import error_class, error_from_response
from rillet_ollama.finish_reasons import map_done_reason


def line(**fields) -> bytes:
    return (json.dumps({"model": "m", "created_at": "2025-01-01T00:00:00Z", **fields}) + "\n").encode()


def chat(content: str = "", **message) -> bytes:
    return line(message={"role": "assistant", "content": content, **message}, done=False)


DONE = line(message={"role": "assistant", "content": ""}, done=True, done_reason="stop",
            prompt_eval_count=3, eval_count=4, total_duration=10, load_duration=1,
            prompt_eval_duration=2, eval_duration=7)


def decode(body: bytes, mode: str = "chat") -> list:
    return rillet.decode_chunks(OllamaDecoder(mode=mode), [body], provider="ollama")


def call(name: str, arguments, **extra) -> dict:
    return {"function": {"name": name, "arguments": arguments, **extra.pop("function", {})}, **extra}


def test_text_reasoning_and_end_with_usage() -> None:
    events = decode(chat(thinking="hmm") + chat("Hi") + chat(" there") + DONE)
    assert [e.type for e in events] == ["start", "reasoning", "token", "token", "usage", "end"]
    assert events[0].provider == "ollama" and events[0].model == "m" and events[0].response_id is None
    end = events[-1]
    assert (end.finish_reason, end.raw_finish_reason) == ("stop", "stop")
    assert end.usage == rillet.Usage(input_tokens=3, output_tokens=4)
    assert events[-2].usage == end.usage


def test_durations_reach_the_end_event_and_the_decoder() -> None:
    decoder = OllamaDecoder()
    end = decoder.feed(chat("x") + DONE)[-1]
    durations = {"total_duration": 10, "load_duration": 1, "prompt_eval_duration": 2, "eval_duration": 7}
    assert decoder.metrics == durations
    assert end.provider_metadata == {"ollama": durations}


def test_whole_tool_calls_start_delta_call_and_stable_ids() -> None:
    body = (
        chat(tool_calls=[call("get", {"city": "Paris"}, function={"index": 0})])
        + chat(tool_calls=[call("get", {"city": "Oslo"}, function={"index": 0})])  # index repeated
        + DONE
    )
    events = decode(body)
    kinds = [e.type for e in events if e.type.startswith("tool_call")]
    assert kinds == ["tool_call_start", "tool_call_delta", "tool_call"] * 2
    calls = [e for e in events if e.type == "tool_call"]
    assert [c.index for c in calls] == [0, 1]
    assert [c.arguments for c in calls] == [{"city": "Paris"}, {"city": "Oslo"}]
    assert calls[0].raw_arguments == '{"city": "Paris"}'
    assert calls[0].call_id != calls[1].call_id and calls[0].call_id.startswith("call_")
    assert [c.call_id for c in decode(body) if c.type == "tool_call"] == [c.call_id for c in calls]
    starts = [e for e in events if e.type == "tool_call_start"]
    assert [s.call_id for s in starts] == [c.call_id for c in calls]
    assert events[-1].finish_reason == "tool_calls" and events[-1].raw_finish_reason == "stop"


def test_wire_call_id_is_kept_and_string_arguments_tolerated() -> None:
    events = decode(chat(tool_calls=[call("f", '{"a": 1}', id="call_abc")]) + DONE)
    done = next(e for e in events if e.type == "tool_call")
    assert (done.call_id, done.arguments, done.raw_arguments) == ("call_abc", {"a": 1}, '{"a": 1}')


def test_missing_arguments_are_an_empty_object() -> None:
    done = next(e for e in decode(chat(tool_calls=[{"function": {"name": "now"}}]) + DONE) if e.type == "tool_call")
    assert (done.arguments, done.raw_arguments) == ({}, "{}")


def test_generate_mode_reads_response_and_thinking() -> None:
    body = line(response="", thinking="t", done=False) + line(response="ans", done=False)
    body += line(response="", done=True, done_reason="stop", context=[1, 2], eval_count=2)
    decoder = OllamaDecoder(mode="generate")
    events = rillet.decode_chunks(decoder, [body])
    result = rillet.StreamAggregator.fold(events)
    assert (result.text, result.message.reasoning, result.finish_reason) == ("ans", "t", "stop")
    assert result.usage == rillet.Usage(output_tokens=2)
    assert decoder.context == [1, 2]


def test_error_line_keeps_earlier_events_of_the_same_chunk() -> None:
    decoder = OllamaDecoder()
    events = decoder.feed(chat("partial") + line(error="model 'x' not found") + chat("ignored"))
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "not_found" and "ollama pull x" in events[-1].message
    assert decoder.feed(chat("more")) == [] and decoder.close() == []


def test_malformed_line_is_a_protocol_error_quoting_it_after_earlier_events() -> None:
    events = OllamaDecoder().feed(chat("ok") + b"{not json}\n" + chat("lost"))
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "protocol" and "{not json}" in events[-1].message


def test_a_line_that_is_not_utf8_is_a_protocol_error_saying_so() -> None:
    events = OllamaDecoder().feed(chat("ok") + b'{"message": "\xff"}\n')
    assert [e.type for e in events] == ["start", "token", "error"]
    assert events[-1].code == "protocol"
    assert "malformed JSON line from Ollama ('utf-8' codec can't decode byte 0xff" in events[-1].message


@pytest.mark.parametrize("bad", [b"[1, 2]\n", b'{"message": "text"}\n', b'{"message": {"content": 5}}\n',
                                 b'{"message": {"tool_calls": [{"name": "f"}]}}\n'])
def test_unexpected_shapes_are_protocol_errors(bad: bytes) -> None:
    events = decode(chat("ok") + bad + DONE)
    assert events[-1].type == "error" and events[-1].code == "protocol"
    assert events[-1].partial is not None and events[-1].partial.text == "ok"


def test_tool_call_arguments_that_are_not_json_keep_the_call_raw_and_marked() -> None:
    events = decode(chat("ok") + b'{"message": {"tool_calls": [{"function": {"name": "f", "arguments": "{x"}}]}}\n' + DONE)
    assert events[-1].type == "end"
    [call] = [e for e in events if e.type == "tool_call"]
    assert (call.name, call.arguments, call.raw_arguments) == ("f", None, "{x")
    assert "not valid JSON" in call.arguments_error


def test_body_without_done_line_is_truncated_never_end() -> None:
    events = decode(chat("a") + chat("b"))
    assert events[-1].type == "error" and events[-1].code == "truncated" and events[-1].retryable
    assert "done: true" in events[-1].message
    assert events[-1].partial.text == "ab"
    assert not any(e.type == "end" for e in events)


def test_body_cut_inside_a_line_is_truncated() -> None:
    body = chat("a") + DONE[:30]
    events = decode(body)
    assert events[-1].code == "truncated" and "inside a JSON line" in events[-1].message


def test_non_streamed_body_without_trailing_newline_decodes_at_close() -> None:
    decoder = OllamaDecoder()
    assert decoder.feed(DONE.rstrip(b"\n")) == []
    assert [e.type for e in decoder.close()] == ["start", "usage", "end"]


def test_input_after_done_is_ignored_and_feed_after_close_is_misuse() -> None:
    decoder = OllamaDecoder()
    events = decoder.feed(chat("a") + DONE + chat("after"))
    assert events[-1].type == "end" and decoder.feed(chat("x")) == []
    assert decoder.close() == []
    with pytest.raises(LocalProtocolError):
        decoder.feed(b"x")


def test_blank_lines_and_crlf_are_fine() -> None:
    events = decode(b"\r\n" + chat("a").replace(b"\n", b"\r\n") + b"\n\n" + DONE)
    assert rillet.StreamAggregator.fold(events).text == "a"


def test_done_without_counts_has_no_usage() -> None:
    events = decode(line(message={"role": "assistant", "content": ""}, done=True, done_reason="load"))
    assert [e.type for e in events] == ["start", "end"]
    assert (events[-1].finish_reason, events[-1].raw_finish_reason, events[-1].usage) == ("other", "load", None)


@pytest.mark.parametrize(
    ("done_reason", "calls", "unified"),
    [("stop", False, "stop"), ("stop", True, "tool_calls"), ("length", True, "length"), ("load", False, "other"),
     ("unload", False, "other"), (None, False, "stop"), (None, True, "tool_calls"), ("weird", False, "other")],
)
def test_done_reason_mapping(done_reason, calls, unified) -> None:
    assert map_done_reason(done_reason, made_tool_calls=calls) == unified


def test_decoder_for_url_and_replay_hook() -> None:
    assert decoder_for_url("http://h:11434/api/chat")._generate is False
    assert decoder_for_url("http://h:11434/prefix/api/generate")._generate is True
    assert decoder_for_url("http://h:11434/api/tags") is None
    assert decoder_for_url("http://h:11434/v1/chat/completions") is None
    assert rillet_ollama.rillet_replay_decoder(method="HEAD", url="https://huggingface.co/x", request_body=None) is None
    assert rillet_ollama.rillet_replay_decoder(method="GET", url="http://h/api/chat", request_body=None) is None
    decoder = rillet_ollama.rillet_replay_decoder(method="POST", url="http://h:11434/api/chat", request_body={"model": "q"})
    assert decoder.feed(b'{"message": {"content": "x"}, "done": false}\n')[0].model == "q"


@pytest.mark.parametrize(
    ("status", "body", "code", "hint"),
    [
        (404, b'{"error":"model \\"llama9\\" not found, try pulling it first"}', "not_found", "ollama pull llama9"),
        (400, b'{"error":"gemma:2b does not support tools"}', "bad_request", "ollama show"),
        (503, b'{"error":"server busy, please try again.  maximum pending requests exceeded"}', "overloaded", "retry"),
        (500, b'{"error":"llama runner process has terminated: exit status 2"}', "server", "server log"),
        (500, b'{"error":"invalid memory address or nil pointer dereference"}', "server", "server log"),
    ],
)
def test_http_error_bodies(status, body, code, hint) -> None:
    error = error_from_response(status, {"content-type": ["application/json"]}, body)
    assert error.code == code and error.status_code == status and hint in error.message
    assert error.message.startswith(f"ollama answered HTTP {status}: ")
    events = rillet.decode_response(OllamaDecoder(), status, {}, [body], provider="ollama")
    assert [e.type for e in events] == ["start", "error"] and events[-1].code == code


def test_non_ollama_error_body_is_mapped_by_its_status() -> None:
    assert error_from_response(502, {}, b"<html>bad gateway</html>").code == "server"
    events = rillet.decode_response(OllamaDecoder(), 502, {}, [b"<html>bad gateway</html>"], provider="ollama")
    assert events[-1].code == "server"


def test_error_text_classification_without_status() -> None:
    assert error_class("error parsing tool call: raw='x', err=invalid character") is rillet.ServerError
    assert error_class("invalid options") is rillet.BadRequestError
    assert error_class("unauthorized") is rillet.AuthenticationError
    assert error_class("something odd") is rillet.ServerError
