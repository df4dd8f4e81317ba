"""Events and messages serialise to the documented JSON and back."""

from __future__ import annotations

import json

import pytest

import rillet
from rillet import ErrorEvent, Message, ToolCallEvent, event_from_json


def test_events_serialise_with_type_as_discriminator() -> None:
    token = rillet.TokenEvent(text="Hel")
    assert json.loads(token.model_dump_json()) == {"type": "token", "text": "Hel", "index": 0}
    call = ToolCallEvent(index=0, call_id="c1", name="get_weather", arguments={"city": "Paris"})
    assert json.loads(call.model_dump_json(exclude_defaults=True))["arguments"] == {"city": "Paris"}
    end = rillet.EndEvent(finish_reason="tool_calls", raw_finish_reason="tool_use", usage=rillet.Usage(input_tokens=12, output_tokens=30))
    dumped = json.loads(end.model_dump_json(exclude_none=True))
    assert dumped["type"] == "end" and dumped["raw_finish_reason"] == "tool_use"
    assert dumped["usage"] == {"input_tokens": 12, "output_tokens": 30, "estimated": False}


@pytest.mark.parametrize(
    "event",
    [
        rillet.StartEvent(provider="openai", model="m", response_id="r"),
        rillet.ReasoningEvent(text="x", signature="s", redacted=True, data="d"),
        rillet.ToolCallStartEvent(index=1, call_id="c", name="n"),
        rillet.ToolCallDeltaEvent(index=1, arguments_delta='{"a'),
        rillet.UsageEvent(usage=rillet.Usage(output_tokens=3)),
        rillet.TokenEvent(text="Non", index=0, choice=1),
        rillet.TokenEvent(text="", index=2, provider_metadata={"citations": [{"url": "u"}]}),
        rillet.ToolCallEvent.finished(index=0, choice=1, call_id="c", name="n", raw_arguments='{"a'),
        rillet.ServerToolEvent(index=0, kind="result", call_id="s", name="web_search_tool_result", content=[{"url": "u"}]),
        rillet.ContentEvent(message=Message.assistant("hi")),
        ErrorEvent(code="rate_limit", message="slow", retryable=True, retry_after=2.0, partial=Message.assistant("pa")),
    ],
)
def test_every_event_round_trips_through_json(event: object) -> None:
    assert event_from_json(event.model_dump_json()) == event  # type: ignore[attr-defined]


def test_choice_zero_is_left_out_of_the_json_form_and_others_are_kept() -> None:
    assert "choice" not in json.loads(rillet.TokenEvent(text="a").model_dump_json())
    assert json.loads(rillet.TokenEvent(text="a", choice=2).model_dump_json())["choice"] == 2


def test_a_finished_tool_call_marks_arguments_that_are_not_json_and_keeps_the_raw_text() -> None:
    bad = ToolCallEvent.finished(index=0, call_id="c", name="f", raw_arguments='{"city": "Par')
    assert bad.arguments is None and bad.raw_arguments == '{"city": "Par'
    assert "not valid JSON" in bad.arguments_error and "raw_arguments" in bad.arguments_error
    good = ToolCallEvent.finished(index=0, call_id="c", name="f", raw_arguments='{"city": "Paris"}')
    assert good.arguments == {"city": "Paris"} and good.arguments_error is None
    empty = ToolCallEvent.finished(index=0, call_id="c", name="f", raw_arguments="  ")
    assert empty.arguments == {} and empty.arguments_error is None
    with pytest.raises(rillet.RemoteProtocolError, match="not valid JSON"):
        rillet.parse_tool_arguments('{"city": "Par')


def test_unknown_event_type_is_rejected() -> None:
    with pytest.raises(Exception, match="type"):
        event_from_json({"type": "bogus"})


def test_error_event_and_exception_convert_both_ways() -> None:
    error = rillet.RateLimitError("slow down", retry_after=3.0, status_code=429, partial=Message.assistant("so far"))
    event = ErrorEvent.from_exception(error)
    assert (event.code, event.retryable, event.retry_after) == ("rate_limit", True, 3.0)
    back = event.to_exception()
    assert type(back) is rillet.RateLimitError and back.partial.text == "so far" and back.status_code == 429


def test_messages_accept_strings_and_dicts() -> None:
    message = Message.model_validate({"role": "user", "content": "hi"})
    assert message.content == [rillet.TextPart(text="hi")]
    assert Message("assistant", "yo").text == "yo"
    assert Message.tool_result("c1", "42").content[0].call_id == "c1"


def test_model_request_routes_known_options_and_extras() -> None:
    info = rillet.ProviderInfo(name="x", key_env_var=None)
    request = rillet.StreamingChatModel(info, "m").request("hi", system="be brief", max_tokens=5, temperature=0, top_k=3)
    assert [m.role for m in request.messages] == ["system", "user"]
    assert (request.max_tokens, request.temperature, request.extra) == (5, 0, {"top_k": 3})
