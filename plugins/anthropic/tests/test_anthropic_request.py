"""Request building: body fields, headers, and multi-turn round trips of tools and reasoning."""

from __future__ import annotations

import json

import pytest
import rillet
from rillet import ChatRequest, Message, Reasoning, ReasoningPart, TextPart, Tool, ToolCallPart, ToolResultPart
from rillet.provider import StreamingChatModel
from rillet_anthropic import PROVIDER
from rillet_anthropic.request import (
    DEFAULT_MAX_TOKENS,
    build_body,
    build_http_request,
    convert_messages,
    messages_url,
    tool_choice,
)

from anthropic_cassette_support import PROJECT_CASSETTES, SHARED, decode, interactions

KEY = "sk-ant-test-SECRET-123"


def model(base_url: str | None = None, key: str | None = KEY) -> StreamingChatModel:
    return StreamingChatModel(PROVIDER, "claude-sonnet-4-5", key=key, base_url=base_url)


def test_minimal_body() -> None:
    body = build_body("claude-sonnet-4-5", ChatRequest(messages=[Message.user("hi")]))
    assert body == {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "max_tokens": DEFAULT_MAX_TOKENS,
        "stream": True,
    }


def test_full_body() -> None:
    request = ChatRequest(
        messages=[Message.system("Be brief."), Message.system("Use metric units."), Message.user("Weather?")],
        tools=[Tool(name="get_weather", description="Weather for a city", parameters={"type": "object", "properties": {"city": {"type": "string"}}}),
               Tool(name="noop")],
        tool_choice="required", temperature=0.2, top_p=0.9, max_tokens=321, stop=["END"], seed=7,
        extra={"metadata": {"user_id": "u1"}, "top_k": 5},
    )
    body = build_body("m", request)
    assert body["system"] == [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Use metric units."}]
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Weather?"}]}]
    assert body["tools"] == [
        {"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
        {"name": "noop", "input_schema": {"type": "object", "properties": {}}},
    ]
    assert body["tool_choice"] == {"type": "any"}
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["stop_sequences"]) == (0.2, 0.9, 321, ["END"])
    assert body["metadata"] == {"user_id": "u1"} and body["top_k"] == 5 and body["stream"] is True
    assert "seed" not in body


def test_single_system_message_is_a_string() -> None:
    system, _ = convert_messages([Message.system("S"), Message.user("u")])
    assert system == "S"


def test_extra_overrides_built_fields() -> None:
    body = build_body("m", ChatRequest(messages=[Message.user("x")], max_tokens=10, extra={"max_tokens": 99}))
    assert body["max_tokens"] == 99


@pytest.mark.parametrize(("choice", "wire"), [
    ("auto", {"type": "auto"}), ("required", {"type": "any"}), ("any", {"type": "any"}),
    ("none", {"type": "none"}), ("get_weather", {"type": "tool", "name": "get_weather"}),
])
def test_tool_choice_mapping(choice: str, wire: dict[str, str]) -> None:
    assert tool_choice(choice) == wire


def test_reasoning_budget_and_default_max_tokens_above_it() -> None:
    body = build_body("m", ChatRequest(messages=[Message.user("x")], reasoning=Reasoning(budget_tokens=5000)))
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 5000}
    assert body["max_tokens"] > 5000


@pytest.mark.parametrize(("effort", "budget"), [("minimal", 1024), ("low", 2048), ("medium", 8192), ("high", 24576)])
def test_reasoning_effort_maps_to_a_budget(effort: str, budget: int) -> None:
    body = build_body("m", ChatRequest(messages=[Message.user("x")], max_tokens=30000, reasoning=Reasoning(effort=effort)))
    assert body["thinking"] == {"type": "enabled", "budget_tokens": budget} and body["max_tokens"] == 30000


def test_http_request_headers_url_and_key_placement() -> None:
    http = build_http_request(model(), ChatRequest(messages=[Message.user("hi")]))
    assert http.method == "POST" and str(http.url) == "https://api.anthropic.com/v1/messages"
    assert http.headers["x-api-key"] == KEY
    assert http.headers["anthropic-version"] == "2023-06-01"
    assert http.headers["content-type"] == "application/json"
    assert KEY not in str(http.url) and KEY.encode() not in http.content
    assert json.loads(http.content)["model"] == "claude-sonnet-4-5"


@pytest.mark.parametrize(("base", "url"), [
    ("https://proxy.example/anthropic/", "https://proxy.example/anthropic/v1/messages"),
    ("https://proxy.example/v1", "https://proxy.example/v1/messages"),
])
def test_base_url_override(base: str, url: str) -> None:
    assert str(build_http_request(model(base), ChatRequest(messages=[Message.user("hi")])).url) == url
    assert messages_url(base) == url


def test_base_url_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://localhost:8080")
    assert str(build_http_request(model(), ChatRequest(messages=[Message.user("hi")])).url) == "http://localhost:8080/v1/messages"


def test_missing_key_says_which_variable(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    with pytest.raises(rillet.MissingKeyError) as caught:
        build_http_request(model(key=None), ChatRequest(messages=[Message.user("hi")]))
    assert "ANTHROPIC_API_KEY" in str(caught.value)


def test_key_never_in_reprs() -> None:
    the_model = model()
    http = build_http_request(the_model, ChatRequest(messages=[Message.user("hi")]))
    assert KEY not in repr(the_model) and KEY not in repr(http) and KEY not in str(http.url)


def test_tool_results_merge_into_one_user_turn_results_first() -> None:
    assistant = Message("assistant", [
        TextPart(text="Checking."),
        ToolCallPart(call_id="a", name="f", arguments={"x": 1}),
        ToolCallPart(call_id="b", name="f", raw_arguments='{"x": 2}'),
        ToolCallPart(call_id="c", name="g"),
    ])
    _, turns = convert_messages([
        Message.user("go"), assistant,
        Message.tool_result("a", "one"), Message.tool_result("b", "boom", is_error=True), Message.tool_result("c", "three"),
        Message.user("and then?"),
    ])
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user"]
    assert turns[1]["content"] == [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "a", "name": "f", "input": {"x": 1}},
        {"type": "tool_use", "id": "b", "name": "f", "input": {"x": 2}},
        {"type": "tool_use", "id": "c", "name": "g", "input": {}},
    ]
    assert turns[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "a", "content": "one"},
        {"type": "tool_result", "tool_use_id": "b", "content": "boom", "is_error": True},
        {"type": "tool_result", "tool_use_id": "c", "content": "three"},
        {"type": "text", "text": "and then?"},
    ]


def test_reasoning_without_signature_is_not_sent_and_empty_text_is_dropped() -> None:
    _, turns = convert_messages([Message.user("q"), Message("assistant", [
        ReasoningPart(text="from another provider"), TextPart(text=""), TextPart(text="answer")])])
    assert turns[1]["content"] == [{"type": "text", "text": "answer"}]


def test_tool_result_part_in_a_user_message() -> None:
    _, turns = convert_messages([Message("user", [TextPart(text="see"), ToolResultPart(call_id="t", content="r")])])
    assert turns[0]["content"] == [{"type": "tool_result", "tool_use_id": "t", "content": "r"}, {"type": "text", "text": "see"}]


def _folded(cassette, number: int) -> Message:
    interaction = interactions(cassette)[number]
    return rillet.StreamAggregator.fold(decode(interaction, [interaction.response.body])).message


def test_redacted_thinking_round_trip_reproduces_the_documented_second_request() -> None:
    cassette = PROJECT_CASSETTES / "anthropic_redacted_thinking.yaml"
    first, second = interactions(cassette)
    sent = first.request.json()
    tools = [Tool(name=t["name"], description=t["description"], parameters=t["input_schema"]) for t in sent["tools"]]
    request = ChatRequest(
        messages=[Message.user("Where is order A-1042?"), _folded(cassette, 0),
                  Message.tool_result("toolu_01HandRedactedCall000001", "shipped 2025-03-02, arriving Thursday")],
        tools=tools, max_tokens=6144, reasoning=Reasoning(budget_tokens=2048),
    )
    assert build_body(sent["model"], request) == second.request.json()


@SHARED.required
def test_real_tool_call_round_trips_as_recorded() -> None:
    cassette = SHARED / "anthropic" / "crewai_anthropic_tool_use_input_json_delta.yaml"
    recorded_assistant = interactions(cassette)[1].request.json()["messages"][1]
    _, turns = convert_messages([Message.user("What is the temperature in San Francisco?"), _folded(cassette, 0)])
    assert turns[1] == recorded_assistant


@SHARED.required
def test_real_thinking_signature_is_sent_back() -> None:
    cassette = SHARED / "anthropic" / "pydanticai_anthropic_thinking_signature.yaml"
    body = interactions(cassette)[0].response.body.decode()
    signature = next(json.loads(line[6:])["delta"]["signature"] for line in body.splitlines() if "signature_delta" in line)
    _, turns = convert_messages([Message.user("How do I cross the street?"), _folded(cassette, 0)])
    thinking, text = turns[1]["content"]
    assert thinking["type"] == "thinking" and thinking["signature"] == signature
    assert thinking["thinking"].startswith("This is a straightforward question")
    assert text["type"] == "text" and text["text"].startswith("Here are the basic steps")


@SHARED.required
def test_server_tool_blocks_are_sent_back_verbatim() -> None:
    cassette = SHARED / "anthropic" / "simonw_anthropic_web_search_citations.yaml"
    _, turns = convert_messages([Message.user("What is the current weather in San Francisco?"), _folded(cassette, 0)])
    blocks = turns[1]["content"]
    assert blocks[0] == {"type": "server_tool_use", "id": "srvtoolu_01SPfvT38PDPAFnkcrMNGUrM", "name": "web_search",
                         "input": {"query": "San Francisco weather today"}}
    assert blocks[1]["type"] == "web_search_tool_result" and blocks[1]["tool_use_id"] == "srvtoolu_01SPfvT38PDPAFnkcrMNGUrM"
    assert all(block["type"] == "text" for block in blocks[2:])
    cited = [block for block in blocks[2:] if block.get("citations")]
    assert cited and all(c["type"] == "web_search_result_location" for block in cited for c in block["citations"])


def test_a_tool_call_whose_arguments_were_not_json_is_sent_back_without_arguments() -> None:
    from rillet.provider import ToolCallPart

    broken = ToolCallPart(call_id="t", name="f", raw_arguments='{"a": ', arguments_error="not JSON")
    _, turns = convert_messages([Message.user("hi"), Message("assistant", [broken])])
    assert turns[1]["content"] == [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]


def test_images_become_image_blocks_with_a_base64_or_url_source() -> None:
    from rillet import ImagePart

    inline = ImagePart.from_bytes(b"\xff\xd8\xff\xe0 jpeg bytes")
    linked = ImagePart.from_url("https://example.com/chart.gif")
    body = build_body("claude-sonnet-4-5", ChatRequest(messages=[Message("user", [inline, TextPart(text="and"), linked])]))
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": inline.base64()}},
                {"type": "text", "text": "and"},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/chart.gif"}},
            ],
        }
    ]


def test_image_cassette_request_is_what_the_plugin_sends() -> None:
    import rillet_anthropic
    from rillet.testing import IMAGE_QUESTION, assert_plugin_sends_recorded_request

    assert_plugin_sends_recorded_request(
        rillet_anthropic, model(), IMAGE_QUESTION, PROJECT_CASSETTES / "anthropic_image_input.yaml"
    )
