"""Request building: body fields, options, think, tools, extra routing, multi-turn round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rillet
from rillet import ChatRequest, Message, Reasoning, Tool, ToolCallPart, ToolResultPart
from rillet.cassettes import load_cassette

from rillet_ollama.decoder import OllamaDecoder
from rillet_ollama.request import build_body, build_request, think_value

OWN = Path(__file__).resolve().parents[3] / "cassettes" / "ollama"
WEATHER = Tool(name="get_weather", description="Weather.", parameters={"type": "object", "properties": {"city": {"type": "string"}}})


def test_minimal_body() -> None:
    body = build_body("llama3.1", ChatRequest(messages=[Message.system("be brief"), Message.user("hi")]))
    assert body == {
        "model": "llama3.1",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "stream": True,
    }


def test_sampling_options() -> None:
    request = ChatRequest(messages=[Message.user("hi")], temperature=0.2, max_tokens=64, top_p=0.9, stop=["\n"], seed=7)
    assert build_body("m", request)["options"] == {
        "temperature": 0.2, "num_predict": 64, "top_p": 0.9, "stop": ["\n"], "seed": 7,
    }


def test_tools_and_tool_choice_none() -> None:
    request = ChatRequest(messages=[Message.user("w?")], tools=[WEATHER])
    assert build_body("m", request)["tools"] == [
        {"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": WEATHER.parameters}}
    ]
    assert "tools" not in build_body("m", request.model_copy(update={"tool_choice": "none"}))


@pytest.mark.parametrize(
    ("model", "reasoning", "think"),
    [
        ("qwen3:8b", None, None),
        ("qwen3:8b", Reasoning(), True),
        ("qwen3:8b", Reasoning(effort="high"), True),
        ("deepseek-r1", Reasoning(budget_tokens=2048), True),
        ("qwen3", Reasoning(budget_tokens=0), False),
        ("gpt-oss:20b", Reasoning(effort="high"), "high"),
        ("gpt-oss:120b", Reasoning(effort="minimal"), "low"),
        ("library/gpt-oss", Reasoning(), "medium"),
    ],
)
def test_think_value(model, reasoning, think) -> None:
    assert think_value(model, reasoning) == think
    body = build_body(model, ChatRequest(messages=[Message.user("x")], reasoning=reasoning))
    assert body.get("think") == think


def test_extra_routing_options_vs_top_level() -> None:
    request = ChatRequest(
        messages=[Message.user("x")],
        temperature=0.5,
        reasoning=Reasoning(),
        extra={"num_ctx": 8192, "top_k": 20, "options": {"min_p": 0.05, "temperature": 0.1},
               "keep_alive": "10m", "format": "json", "think": False},
    )
    body = build_body("qwen3", request)
    assert body["options"] == {"temperature": 0.1, "num_ctx": 8192, "top_k": 20, "min_p": 0.05}
    assert (body["keep_alive"], body["format"], body["think"]) == ("10m", "json", False)
    assert "num_ctx" not in body


def test_model_request_keywords_reach_the_body() -> None:
    model = rillet.StreamingChatModel(rillet.ProviderInfo("ollama"), "m")
    body = build_body("m", model.request("x", num_ctx=4096, keep_alive=0))
    assert body["options"] == {"num_ctx": 4096} and body["keep_alive"] == 0


def test_http_request_url_headers_and_no_key() -> None:
    request = build_request("m", ChatRequest(messages=[Message.user("hé")]), base_url="http://h:11434/")
    assert request.method == "POST" and str(request.url) == "http://h:11434/api/chat"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/x-ndjson"
    assert "authorization" not in request.headers
    assert json.loads(request.content)["messages"][0]["content"] == "hé"


def test_optional_key_goes_in_the_header_only() -> None:
    key = "sk-secret-ollama"
    request = build_request("m", ChatRequest(messages=[Message.user("x")]), base_url="https://ollama.example", key=key)
    assert request.headers["authorization"] == f"Bearer {key}"
    assert key not in str(request.url) and key.encode() not in request.content
    model = rillet.StreamingChatModel(rillet.ProviderInfo("ollama"), "m", key=key)
    assert key not in repr(model)


def test_multi_turn_round_trip_of_reasoning_and_tool_calls() -> None:
    [interaction] = load_cassette(OWN / "ollama_chat_thinking_parallel_tool_calls.yaml")
    events = rillet.decode_chunks(OllamaDecoder(), [interaction.response.body])
    assistant = rillet.StreamAggregator.fold(events).message
    calls = assistant.tool_calls
    conversation = [
        Message.user("Weather in Paris and Tokyo?"),
        assistant,
        Message.tool_result(calls[0].call_id, "18°C"),
        Message("tool", [ToolResultPart(call_id=calls[1].call_id, content="timeout", is_error=True)]),
    ]
    messages = build_body("qwen3:8b", ChatRequest(messages=conversation, tools=[WEATHER]))["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": "",
        "thinking": "The user wants the weather in Paris and Tōkyō; I'll call get_weather twice.",
        "tool_calls": [
            {"id": calls[0].call_id, "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris", "days": [1, 2]}}},
            {"id": calls[1].call_id, "function": {"index": 1, "name": "get_weather", "arguments": {"city": "Tōkyō"}}},
        ],
    }
    assert messages[2] == {"role": "tool", "content": "18°C", "tool_name": "get_weather", "tool_call_id": calls[0].call_id}
    assert messages[3] == {"role": "tool", "content": "Error: timeout", "tool_name": "get_weather", "tool_call_id": calls[1].call_id}
    assert len(messages) == 4


def test_unparsed_tool_call_arguments_are_sent_as_an_object() -> None:
    part = ToolCallPart(call_id="c1", name="f", raw_arguments='{"x": 1}')
    broken = ToolCallPart(call_id="c2", name="g", raw_arguments="{oops")
    messages = build_body("m", ChatRequest(messages=[Message("assistant", [part, broken])]))["messages"]
    assert [c["function"]["arguments"] for c in messages[0]["tool_calls"]] == [{"x": 1}, {}]


def test_images_go_in_the_images_list_as_base64_and_links_are_refused() -> None:
    from rillet import ImagePart, TextPart

    inline = ImagePart.from_bytes(b"\x89PNG\r\n\x1a\nbytes")
    body = build_body("llava", ChatRequest(messages=[Message("user", [TextPart(text="What is it?"), inline])]))
    assert body["messages"] == [{"role": "user", "content": "What is it?", "images": [inline.base64()]}]
    linked = ImagePart.from_url("https://example.com/cat.png")
    with pytest.raises(rillet.ConfigurationError, match="Ollama takes image bytes, not links"):
        build_body("llava", ChatRequest(messages=[Message("user", [linked])]))


def test_image_cassette_request_is_what_the_plugin_sends() -> None:
    import rillet_ollama
    from rillet.provider import StreamingChatModel
    from rillet.testing import IMAGE_QUESTION, assert_plugin_sends_recorded_request

    sender = StreamingChatModel(rillet_ollama.PROVIDER, "gemma3", key="rillet-conformance-placeholder")
    assert_plugin_sends_recorded_request(rillet_ollama, sender, IMAGE_QUESTION, OWN / "ollama_image_input.yaml")


def test_vision_is_per_model_family() -> None:
    import rillet_ollama

    info = rillet_ollama.PROVIDER
    assert info.capabilities_for("llava:13b").vision and info.capabilities_for("gemma3:4b").vision
    assert info.capabilities_for("llama3.2-vision").vision
    assert not info.capabilities_for("llama3.2").vision and not info.capabilities.vision
