"""Building Responses API requests, and sending decoded turns back (multi-turn round-trip)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rillet import (
    ChatRequest,
    ConfigurationError,
    Message,
    MissingKeyError,
    Reasoning,
    ReasoningPart,
    StreamAggregator,
    TextPart,
    Tool,
    ToolCallPart,
    ToolResultPart,
)
from rillet.provider import StreamingChatModel
from rillet.provider import ProviderInfo

from test_openai_responses_support import SHARED, SHARED_RESPONSES, decode_every_way, load
from rillet_openai.responses_request import build_responses_request

KEY = "sk-test-very-secret-0123456789"
INFO = ProviderInfo(
    "openai-responses", key_env_var="RILLET_TEST_OPENAI_RESPONSES_KEY", default_base_url="https://api.openai.com/v1"
)


def model(key: str | None = KEY, base_url: str | None = None) -> StreamingChatModel:
    return StreamingChatModel(INFO, "gpt-5", key=key, base_url=base_url)


def body_of(request: ChatRequest, base_url: str | None = None) -> dict[str, Any]:
    return json.loads(build_responses_request(model(base_url=base_url), request).content)


def test_url_headers_and_key_placement() -> None:
    http = build_responses_request(model(base_url="http://localhost:8000/v1/"), ChatRequest(messages=[Message.user("hi")]))
    assert http.method == "POST"
    assert str(http.url) == "http://localhost:8000/v1/responses"
    assert http.headers["authorization"] == f"Bearer {KEY}"
    assert http.headers["content-type"] == "application/json"
    assert KEY not in str(http.url)
    assert KEY not in http.content.decode()
    assert KEY not in repr(http) and KEY not in repr(model())


def test_missing_key_raises_without_sending(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.delenv("RILLET_TEST_OPENAI_RESPONSES_KEY", raising=False)
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    with pytest.raises(MissingKeyError) as raised:
        build_responses_request(model(key=None), ChatRequest(messages=[Message.user("hi")]))
    assert "RILLET_TEST_OPENAI_RESPONSES_KEY" in raised.value.message


def test_body_fields() -> None:
    request = ChatRequest(
        messages=[Message.system("Be brief."), Message.user("What is 2+2?")],
        tools=[Tool(name="add", description="Add two numbers.", parameters={"type": "object", "properties": {}})],
        tool_choice="required",
        temperature=0.2,
        max_tokens=300,
        top_p=0.9,
        reasoning=Reasoning(effort="low"),
        extra={"store": False, "include": ["reasoning.encrypted_content"], "temperature": 0.5},
    )
    body = body_of(request)
    assert body == {
        "model": "gpt-5",
        "instructions": "Be brief.",
        "input": [{"role": "user", "content": "What is 2+2?"}],
        "tools": [{"type": "function", "name": "add", "description": "Add two numbers.",
                   "parameters": {"type": "object", "properties": {}}}],
        "tool_choice": "required",
        "temperature": 0.5,  # extra wins
        "max_output_tokens": 300,
        "top_p": 0.9,
        "reasoning": {"effort": "low", "summary": "auto"},
        "stream": True,
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }


def test_minimal_body_has_no_optional_fields() -> None:
    assert body_of(ChatRequest(messages=[Message.user("hi")])) == {
        "model": "gpt-5", "input": [{"role": "user", "content": "hi"}], "stream": True
    }


def test_named_tool_choice_and_later_system_message() -> None:
    request = ChatRequest(
        messages=[Message.user("a"), Message.system("now be formal"), Message.user("b")],
        tools=[Tool(name="lookup")],
        tool_choice="lookup",
    )
    body = body_of(request)
    assert body["tool_choice"] == {"type": "function", "name": "lookup"}
    assert "instructions" not in body
    assert body["input"][1] == {"role": "system", "content": "now be formal"}


@pytest.mark.parametrize(
    "options",
    [{"stop": ["\n"]}, {"seed": 7}, {"reasoning": Reasoning(budget_tokens=2048)}],
    ids=["stop", "seed", "budget"],
)
def test_options_the_api_lacks_are_refused_clearly(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as raised:
        build_responses_request(model(), ChatRequest(messages=[Message.user("hi")], **options))
    assert "Responses API" in raised.value.message
    assert KEY not in raised.value.message


def test_tool_call_and_result_items() -> None:
    assistant = Message("assistant", [
        TextPart(text="Let me check."),
        ToolCallPart(call_id="call_1", name="weather", arguments={"city": "Paris"},
                     provider_metadata={"openai": {"item_id": "fc_1"}}),
        ToolCallPart(call_id="call_2", name="time", raw_arguments='{"tz":"CET"}'),
    ])
    tool = Message("tool", [ToolResultPart(call_id="call_1", content="18C"), ToolResultPart(call_id="call_2", content="noon")])
    body = body_of(ChatRequest(messages=[Message.user("Weather?"), assistant, tool]))
    assert body["input"][1:] == [
        {"role": "assistant", "content": "Let me check."},
        {"type": "function_call", "call_id": "call_1", "name": "weather", "arguments": '{"city": "Paris"}', "id": "fc_1"},
        {"type": "function_call", "call_id": "call_2", "name": "time", "arguments": '{"tz":"CET"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
        {"type": "function_call_output", "call_id": "call_2", "output": "noon"},
    ]


def test_foreign_reasoning_is_not_sent() -> None:
    assistant = Message("assistant", [ReasoningPart(text="thinking", signature="anthropic-sig"), TextPart(text="hi")])
    body = body_of(ChatRequest(messages=[Message.user("x"), assistant]))
    assert body["input"][1:] == [{"role": "assistant", "content": "hi"}]


@SHARED.required
def test_reasoning_summaries_round_trip_like_the_recorded_second_turn() -> None:
    first, second = load(SHARED_RESPONSES / "mirascope_responses_gpt5_reasoning_summary.yaml")
    reply = StreamAggregator.fold(decode_every_way(first)).message
    recorded = second.request.json()["input"]
    messages = [Message.user(recorded[0]["content"]), reply, Message.user(recorded[3]["content"])]
    sent = body_of(ChatRequest(messages=messages))["input"]
    assert sent[1] == recorded[1]  # the reasoning item: id + the three summary parts, verbatim
    assert sent[2] == {"role": "assistant", "content": "3"}
    assert sent[3] == recorded[3]


@SHARED.required
def test_tool_call_round_trips_like_the_recorded_second_turn() -> None:
    first, second = load(SHARED_RESPONSES / "simonw_llm_responses_tool_use_streaming.yaml")
    reply = StreamAggregator.fold(decode_every_way(first)).message
    recorded = second.request.json()
    call = reply.tool_calls[0]
    messages = [Message.user(recorded["input"][0]["content"]), reply, Message.tool_result(call.call_id, "2869461")]
    sent = body_of(ChatRequest(messages=messages))["input"]
    want = recorded["input"]
    assert sent[0] == want[0] and sent[2] == want[2]
    assert {k: v for k, v in sent[1].items() if k not in ("id", "arguments")} == {
        k: v for k, v in want[1].items() if k != "arguments"
    }
    assert json.loads(sent[1]["arguments"]) == json.loads(want[1]["arguments"])
    assert sent[1]["id"] == "fc_00d64fa806f333310169fab1bf324481a0852cda3180856290"


@SHARED.required
def test_encrypted_reasoning_round_trips_before_its_function_call() -> None:
    [interaction] = load(SHARED_RESPONSES / "pydanticai_responses_streaming_usage_fnargs.yaml")
    reply = StreamAggregator.fold(decode_every_way(interaction)).message
    call = reply.tool_calls[0]
    messages = [Message.user("Calculate 100 * 200 / 3"), reply, Message.tool_result(call.call_id, "ok")]
    sent = body_of(ChatRequest(messages=messages, extra={"store": False}))["input"]
    reasoning, function_call, output = sent[1:]
    assert reasoning["type"] == "reasoning"
    assert reasoning["id"] == "rs_0050471a34b36ae60068c97bac4dcc819595fd0f80d6b3c405"
    assert reasoning["summary"] == []
    assert reasoning["encrypted_content"].startswith("gAAAAABoyXvxI6jwG5j6")
    assert function_call == {
        "type": "function_call", "call_id": "call_CWXgs68YprAjp6t0371hiPOI", "name": "final_result",
        "arguments": '{"result":6666}', "id": "fc_0050471a34b36ae60068c97bf19d9c819590eaf42c0edc1042",
    }
    assert output == {"type": "function_call_output", "call_id": "call_CWXgs68YprAjp6t0371hiPOI", "output": "ok"}


@SHARED.required
def test_raw_reasoning_text_goes_back_as_content() -> None:
    [interaction] = load(SHARED_RESPONSES / "pydanticai_deepseek_responses_reasoning_text.yaml")
    reply = StreamAggregator.fold(decode_every_way(interaction)).message
    sent = body_of(ChatRequest(messages=[Message.user("q"), reply]))["input"]
    assert sent[1] == {
        "type": "reasoning", "id": "b594b7e1-3dbb-4b65-b8c2-f4f5aae4ee80", "summary": [],
        "content": [{"type": "reasoning_text", "text": "We need answer capital of France."}],
    }
    assert sent[2] == {"role": "assistant", "content": "The capital of France is Paris."}


def test_images_become_input_image_items_beside_input_text() -> None:
    from rillet import ImagePart

    linked = ImagePart.from_url("https://example.com/cat.webp")
    body = body_of(ChatRequest(messages=[Message("user", [TextPart(text="What is it?"), linked])]))
    assert body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is it?"},
                {"type": "input_image", "image_url": "https://example.com/cat.webp"},
            ],
        }
    ]


def test_image_cassette_request_is_what_the_plugin_sends() -> None:
    from pathlib import Path

    import rillet_openai
    from rillet.testing import IMAGE_QUESTION, assert_plugin_sends_recorded_request

    cassette = Path(__file__).resolve().parents[3] / "cassettes" / "openai" / "responses_image_input.yaml"
    sender = StreamingChatModel(rillet_openai.RESPONSES_PROVIDER, "gpt-4o-mini", key=KEY)
    assert_plugin_sends_recorded_request(rillet_openai, sender, IMAGE_QUESTION, cassette)
