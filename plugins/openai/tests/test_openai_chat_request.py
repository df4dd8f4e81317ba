"""Chat Completions request building, key handling and the plugin hooks."""

from __future__ import annotations

import json

import pytest

import rillet
from rillet import ChatRequest, Message, Reasoning, ReasoningPart, TextPart, Tool, ToolCallPart, ToolResultPart
from rillet.provider import StreamingChatModel
from rillet_openai import PROVIDER, RESPONSES_PROVIDER, rillet_providers, rillet_replay_decoder, stream_tokens
from rillet_openai.chat_decoder import ChatCompletionsDecoder
from rillet_openai.chat_request import build_chat_body, build_chat_request

KEY = "sk-test-secret-123"


def model(base_url: str | None = None, key: str | None = KEY, name: str = "gpt-4.1-mini") -> StreamingChatModel:
    return StreamingChatModel(PROVIDER, name, key=key, base_url=base_url)


def body_of(http_request) -> dict:
    return json.loads(http_request.content)


def test_request_url_headers_and_body() -> None:
    request = ChatRequest(
        messages=[Message.system("Be brief."), Message.user("Weather?")],
        tools=[Tool(name="get_weather", description="Weather", parameters={"type": "object", "properties": {}})],
        tool_choice="get_weather",
        temperature=0.2,
        max_tokens=100,
        top_p=0.9,
        stop=["END"],
        seed=7,
        reasoning=Reasoning(effort="low"),
        extra={"parallel_tool_calls": False, "user": "u1"},
    )
    http_request = build_chat_request(model(), request)
    assert http_request.method == "POST"
    assert str(http_request.url) == "https://api.openai.com/v1/chat/completions"
    assert http_request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in str(http_request.url)
    body = body_of(http_request)
    assert body["model"] == "gpt-4.1-mini"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}]
    assert body["tools"] == [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                                               "parameters": {"type": "object", "properties": {}}}}]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["temperature"] == 0.2 and body["top_p"] == 0.9 and body["stop"] == ["END"] and body["seed"] == 7
    assert body["max_completion_tokens"] == 100 and "max_tokens" not in body
    assert body["reasoning_effort"] == "low"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["parallel_tool_calls"] is False and body["user"] == "u1"


def test_compatible_server_gets_max_tokens_and_extra_can_drop_fields() -> None:
    request = ChatRequest(messages=[Message.user("hi")], max_tokens=5, tool_choice="required",
                          extra={"stream_options": None, "top_k": 20})
    body = build_chat_body("llama3.1", request, openai_host=False)
    assert body["max_tokens"] == 5 and "max_completion_tokens" not in body
    assert "stream_options" not in body and body["top_k"] == 20 and body["tool_choice"] == "required"


def test_local_server_without_key_sends_no_authorization(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))  # no stored keys
    local = model("http://localhost:11434/v1/", key=None, name="llama3.1")
    assert local.key is None
    http_request = build_chat_request(local, ChatRequest(messages=[Message.user("hi")]))
    assert str(http_request.url) == "http://localhost:11434/v1/chat/completions"
    assert "authorization" not in http_request.headers
    with pytest.raises(rillet.MissingKeyError) as info:
        build_chat_request(model(key=None), ChatRequest(messages=[Message.user("hi")]))
    assert "OPENAI_API_KEY" in str(info.value)


def test_key_never_in_repr_or_errors() -> None:
    chat_model = model()
    assert KEY not in repr(chat_model)
    http_request = build_chat_request(chat_model, ChatRequest(messages=[Message.user("hi")]))
    assert KEY not in repr(http_request)
    decoder = ChatCompletionsDecoder("openai")
    error = decoder.error_from_response(401, {}, b'{"error": {"message": "Incorrect API key provided: sk-tes*****123"}}')
    assert KEY not in error.message and KEY not in repr(error)


def test_multi_turn_round_trip_with_tools_and_reasoning() -> None:
    history = [
        Message.user("Weather in Paris?"),
        Message("assistant", [
            ReasoningPart(text="Need the tool.", provider_metadata={"reasoning_field": "reasoning_content"}),
            TextPart(text="Let me check."),
            ToolCallPart(call_id="call_1", name="get_weather", arguments={"city": "Paris"}, raw_arguments='{"city":"Paris"}'),
            ToolCallPart(call_id="call_2", name="get_time", arguments={}),
        ]),
        Message("tool", [ToolResultPart(call_id="call_1", content="18C"), ToolResultPart(call_id="call_2", content="noon")]),
        Message("assistant", [
            ReasoningPart(text="Done.", signature="sig", provider_metadata={
                "reasoning_field": "reasoning",
                "reasoning_details": [{"type": "reasoning.text", "text": "Done.", "signature": "sig", "index": 0}]}),
            TextPart(text="18C at noon."),
        ]),
        Message.user("Thanks"),
    ]
    wire = build_chat_body("m", ChatRequest(messages=history))["messages"]
    assert wire[1] == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
        ],
        "reasoning_content": "Need the tool.",
    }
    assert wire[2:4] == [
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "tool", "tool_call_id": "call_2", "content": "noon"},
    ]
    # no tool calls: plain reasoning text is not sent back, OpenRouter details are
    assert wire[4] == {"role": "assistant", "content": "18C at noon.",
                       "reasoning_details": [{"type": "reasoning.text", "text": "Done.", "signature": "sig", "index": 0}]}
    assert wire[5] == {"role": "user", "content": "Thanks"}


def test_assistant_with_only_tool_calls_has_null_content_and_foreign_reasoning_is_dropped() -> None:
    message = Message("assistant", [ReasoningPart(text="anthropic thinking", signature="x"),
                                    ToolCallPart(call_id="c", name="f", arguments={"a": 1})])
    (wire,) = build_chat_body("m", ChatRequest(messages=[message]))["messages"]
    assert wire == {"role": "assistant", "content": None,
                    "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]}


def test_providers_hook() -> None:
    infos = {info.name: info for info in rillet_providers()}
    presets = {"deepseek", "groq", "mistral", "openrouter", "together", "xai", "vllm", "lmstudio", "llamacpp"}
    assert set(infos) >= {"openai", "openai-responses"} | presets
    for info in (infos["openai"], infos["openai-responses"]):
        assert info.key_env_var == "OPENAI_API_KEY" and info.default_base_url == "https://api.openai.com/v1"
        assert info.capabilities.as_dict() == dict.fromkeys(
            ["tools", "parallel_tools", "reasoning", "usage_in_stream", "vision"], True)
    assert infos["openai"].base_url_env_var == "OPENAI_BASE_URL"


def test_stream_tokens_hook_owns_only_its_providers() -> None:
    from rillet.provider import ProviderInfo

    other = StreamingChatModel(ProviderInfo(name="anthropic"), "x", key="k")
    assert stream_tokens(model=other, request=ChatRequest(messages=[Message.user("hi")])) is None
    stream = stream_tokens(model=model(), request=ChatRequest(messages=[Message.user("hi")]))
    assert stream is not None and str(stream.request.url).endswith("/chat/completions")


def test_replay_decoder_hook() -> None:
    chat = rillet_replay_decoder(method="POST", url="https://api.deepseek.com/chat/completions",
                                 request_body={"model": "deepseek-chat", "stream_options": {"include_usage": True}})
    assert isinstance(chat, ChatCompletionsDecoder) and chat.include_usage and chat.model == "deepseek-chat"
    plain = rillet_replay_decoder(method="POST", url="http://localhost:8000/v1/chat/completions", request_body=None)
    assert isinstance(plain, ChatCompletionsDecoder) and not plain.include_usage
    assert rillet_replay_decoder(method="GET", url="https://api.openai.com/v1/models", request_body=None) is None
    assert rillet_replay_decoder(method="POST", url="https://api.anthropic.com/v1/messages", request_body={}) is None
    responses = rillet_replay_decoder(method="POST", url="https://api.openai.com/v1/responses", request_body={})
    assert responses is not None and not isinstance(responses, ChatCompletionsDecoder)
    assert RESPONSES_PROVIDER.name == "openai-responses"


@pytest.mark.parametrize(("url", "body", "chat", "whole_body"), [
    ("https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"stream": True}, True, False),
    ("https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"model": "m"}, True, True),
    ("https://api.mistral.ai/v1/chat/completions", {"model": "m", "stream": False}, True, True),
    ("https://res.openai.azure.com/openai/v1/responses?api-version=preview", {"model": "m", "stream": True}, False, False),
    ("https://api.openai.com/v1/responses?x=1", {"model": "m"}, False, True),
    ("https://api.openai.com/v1/chat/completions", None, True, False),
])
def test_replay_decoder_ignores_query_strings_and_reads_non_streaming_answers_whole(url, body, chat, whole_body) -> None:
    decoder = rillet_replay_decoder(method="POST", url=url, request_body=body)
    assert isinstance(decoder, ChatCompletionsDecoder) is chat
    assert decoder._kind.json is whole_body  # the first guess; the body's first byte settles it


def _mock_transport(body: bytes, seen: list):
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    return httpx.MockTransport(handler)


SSE_BODY = (
    b'data: {"id":"c1","model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
    b'data: {"id":"c1","model":"gpt-4.1-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
    b'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1}}\n\n'
    b"data: [DONE]\n\n"
)


def test_token_stream_end_to_end_sync_and_async() -> None:
    import asyncio

    from rillet.provider import TokenStream

    chat_model = model()
    request = ChatRequest(messages=[Message.user("hi")])
    seen: list = []

    def make() -> TokenStream:
        return TokenStream(chat_model, build_chat_request(chat_model, request),
                           lambda: ChatCompletionsDecoder("openai", model="gpt-4.1-mini"),
                           transport=_mock_transport(SSE_BODY, seen))

    sync_events = list(make())

    async def collect() -> list:
        return [event async for event in make()]

    async_events = asyncio.run(collect())
    assert [e.type for e in sync_events] == ["start", "token", "usage", "end"]
    assert [e.model_dump(exclude={"timing"}) for e in sync_events] == [
        e.model_dump(exclude={"timing"}) for e in async_events
    ]
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


# images ---------------------------------------------------------------------------------

def test_images_make_the_content_a_list_of_text_and_image_url_parts() -> None:
    from rillet import ImagePart

    linked = ImagePart.from_url("https://example.com/cat.png")
    inline = ImagePart.from_bytes(b"\x89PNG\r\n\x1a\n1234")
    message = Message("user", [TextPart(text="Compare"), linked, TextPart(text="with"), inline])
    body = build_chat_body("gpt-4o", ChatRequest(messages=[Message.system("Be brief."), message]))
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Compare"},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                {"type": "text", "text": "with"},
                {"type": "image_url", "image_url": {"url": inline.as_url()}},
            ],
        },
    ]
    assert inline.as_url().startswith("data:image/png;base64,")


def test_image_cassette_request_is_what_the_plugin_sends() -> None:
    import rillet_openai
    from pathlib import Path

    from rillet.testing import IMAGE_QUESTION, assert_plugin_sends_recorded_request

    cassette = Path(__file__).resolve().parents[3] / "cassettes" / "openai" / "openai_chat_image_input.yaml"
    assert_plugin_sends_recorded_request(rillet_openai, model(name="gpt-4o-mini"), IMAGE_QUESTION, cassette)


def test_a_model_without_vision_is_refused_before_sending() -> None:
    from rillet import ImagePart

    blind = model(name="o3-mini")
    assert blind.capabilities.vision is False and model(name="gpt-4o").capabilities.reasoning is False
    with pytest.raises(rillet.ConfigurationError, match="openai/o3-mini cannot take images"):
        blind.stream_tokens(Message("user", [ImagePart.from_bytes(b"\x89PNG\r\n\x1a\n1234")]))
