"""Request building: URL, headers, body fields, and multi-turn round trips of reasoning
and tool calls."""

from __future__ import annotations

import json

import pytest
from gemini_test_support import OWN, SHARED, decode, fold

import rillet_gemini
from rillet import ChatRequest, Message, Reasoning, StreamingChatModel, Tool
from rillet.provider import LocalProtocolError, MissingKeyError
from rillet.provider import ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from rillet.cassettes import load_cassette
from rillet_gemini.request import build_body, build_request, stream_url

KEY = "AIza-test-SECRET-key"
BASE = "https://generativelanguage.googleapis.com/v1beta"


def body_of(request: ChatRequest, model: str = "gemini-2.5-flash") -> dict:
    return json.loads(build_request(model, request, base_url=BASE, key=KEY).content)


def test_url_and_headers_key_only_in_header() -> None:
    http = build_request("gemini-2.5-flash", ChatRequest(messages=[Message.user("hi")]), base_url=BASE + "/", key=KEY)
    assert http.method == "POST"
    assert str(http.url) == f"{BASE}/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert http.headers["x-goog-api-key"] == KEY
    assert http.headers["content-type"] == "application/json"
    assert KEY not in str(http.url) and "key=" not in str(http.url)
    assert KEY not in repr(http)


def test_model_name_forms() -> None:
    assert stream_url(BASE, "models/gemini-2.5-pro") == f"{BASE}/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    assert stream_url(BASE, "tunedModels/my-model") == f"{BASE}/tunedModels/my-model:streamGenerateContent?alt=sse"


def test_generation_config_and_system_instruction() -> None:
    request = ChatRequest(
        messages=[Message.system("Be brief."), Message.system("Be kind."), Message.user("hi")],
        temperature=0.2, max_tokens=100, top_p=0.9, stop=["END"], seed=7,
    )
    body = body_of(request)
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}, {"text": "Be kind."}]}
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    assert body["generationConfig"] == {"temperature": 0.2, "maxOutputTokens": 100, "topP": 0.9, "stopSequences": ["END"], "seed": 7}
    assert "tools" not in body and "toolConfig" not in body
    assert "generationConfig" not in body_of(ChatRequest(messages=[Message.user("x")]))


def test_tools_and_tool_choice() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}
    tools = [Tool(name="get_weather", description="Weather now.", parameters=schema), Tool(name="noop")]
    body = body_of(ChatRequest(messages=[Message.user("x")], tools=tools, tool_choice="required"))
    assert body["tools"] == [{"functionDeclarations": [
        {"name": "get_weather", "parametersJsonSchema": schema, "description": "Weather now."},
        {"name": "noop", "parametersJsonSchema": {"type": "object", "properties": {}}},
    ]}]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    for choice, config in [("auto", {"mode": "AUTO"}), ("none", {"mode": "NONE"}),
                           ("get_weather", {"mode": "ANY", "allowedFunctionNames": ["get_weather"]})]:
        assert body_of(ChatRequest(messages=[Message.user("x")], tools=tools, tool_choice=choice))["toolConfig"] == {"functionCallingConfig": config}


def test_reasoning_to_thinking_config() -> None:
    budget = body_of(ChatRequest(messages=[Message.user("x")], reasoning=Reasoning(budget_tokens=2048)))
    assert budget["generationConfig"]["thinkingConfig"] == {"includeThoughts": True, "thinkingBudget": 2048}
    effort = body_of(ChatRequest(messages=[Message.user("x")], reasoning=Reasoning(effort="low")))
    assert effort["generationConfig"]["thinkingConfig"] == {"includeThoughts": True, "thinkingBudget": 1024}
    level = body_of(ChatRequest(messages=[Message.user("x")], reasoning=Reasoning(effort="high")), model="gemini-3-pro-preview")
    assert level["generationConfig"]["thinkingConfig"] == {"includeThoughts": True, "thinkingLevel": "high"}


def test_extra_is_merged_nested_objects_key_by_key() -> None:
    extra = {"safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
             "generationConfig": {"responseMimeType": "application/json"}}
    body = body_of(ChatRequest(messages=[Message.user("x")], temperature=0.5, extra=extra))
    assert body["safetySettings"] == extra["safetySettings"]
    assert body["generationConfig"] == {"temperature": 0.5, "responseMimeType": "application/json"}


def test_tool_results_name_lookup_and_merge_into_one_user_turn() -> None:
    messages = [
        Message.user("weather?"),
        Message("assistant", [ToolCallPart(call_id="c1", name="get_weather", arguments={"city": "Paris"}),
                              ToolCallPart(call_id="c2", name="get_time", raw_arguments='{"tz": "CET"}')]),
        Message.tool_result("c1", '{"temp": 21}'),
        Message("tool", [ToolResultPart(call_id="c2", content="boom", name="get_time", is_error=True)]),
    ]
    contents = body_of(ChatRequest(messages=messages))["contents"]
    assert contents[1] == {"role": "model", "parts": [
        {"functionCall": {"id": "c1", "name": "get_weather", "args": {"city": "Paris"}}},
        {"functionCall": {"id": "c2", "name": "get_time", "args": {"tz": "CET"}}},
    ]}
    assert contents[2] == {"role": "user", "parts": [
        {"functionResponse": {"id": "c1", "name": "get_weather", "response": {"output": {"temp": 21}}}},
        {"functionResponse": {"id": "c2", "name": "get_time", "response": {"error": "boom"}}},
    ]}
    assert len(contents) == 3


def test_tool_result_without_a_name_is_refused_clearly() -> None:
    with pytest.raises(LocalProtocolError, match="unknown-call"):
        build_body("gemini-2.5-flash", ChatRequest(messages=[Message.tool_result("unknown-call", "x")]))


def _assistant_from(path, number: int = 0) -> Message:  # type: ignore[no-untyped-def]
    interaction = load_cassette(path)[number]
    decoder = rillet_gemini.rillet_replay_decoder(method="POST", url=interaction.request.uri, request_body=None)
    return fold(decode(decoder, [interaction.response.body])).message


def _wire_parts(path, number: int = 0) -> list:  # type: ignore[no-untyped-def]
    body = load_cassette(path)[number].response.body.decode()
    objects = json.loads(body) if body.lstrip().startswith("[") else [
        json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:")]
    return [part for obj in objects for part in obj["candidates"][0]["content"]["parts"]]


def _merged(parts: list) -> list:
    """Adjacent unsigned parts of the same kind joined, as an aggregated message sends them."""
    out: list = []
    for part in parts:
        if out and "text" in part and "text" in out[-1] and "thoughtSignature" not in part \
                and bool(part.get("thought")) == bool(out[-1].get("thought")):
            out[-1] = {**out[-1], "text": out[-1]["text"] + part["text"]}
        else:
            out.append(dict(part))
    return out


@pytest.mark.parametrize("path", [
    SHARED / "gemini" / "simonw_gemini_json_array_stream_prompt_gzip.yaml",
    SHARED / "gemini" / "pydanticai_gemini25pro_thought_parts.yaml",
])
@SHARED.required
def test_reasoning_and_signatures_go_back_where_they_came_from(path) -> None:  # type: ignore[no-untyped-def]
    assistant = _assistant_from(path)
    contents = body_of(ChatRequest(messages=[Message.user("q"), assistant, Message.user("next")]))["contents"]
    assert contents[1]["role"] == "model"
    assert contents[1]["parts"] == _merged(_wire_parts(path))


def test_function_call_signature_round_trip() -> None:
    path = OWN / "gemini_function_call_thought_signature.yaml"
    assistant = _assistant_from(path)
    calls = assistant.tool_calls
    results = [Message.tool_result(call.call_id, "sunny") for call in calls]
    contents = body_of(ChatRequest(messages=[Message.user("q"), assistant, *results]), model="gemini-3-pro-preview")["contents"]
    wire = _wire_parts(path)
    sent = contents[1]["parts"]
    assert sent[0] == wire[0]
    for sent_part, wire_part, call in zip(sent[1:], wire[1:], calls):
        assert sent_part.get("thoughtSignature") == wire_part.get("thoughtSignature")
        assert sent_part["functionCall"] == {"id": call.call_id, **wire_part["functionCall"]}
    assert [p["functionResponse"]["name"] for p in contents[2]["parts"]] == ["get_weather", "get_weather"]


def test_foreign_and_hand_made_signatures_are_handled() -> None:
    foreign = Message("assistant", [ReasoningPart(text="hmm", signature="anthropic-sig"), TextPart(text="ok")])
    parts = body_of(ChatRequest(messages=[foreign]))["contents"][0]["parts"]
    assert parts == [{"text": "hmm", "thought": True}, {"text": "ok"}]
    both = Message("assistant", [
        ReasoningPart(signature="S1", provider_metadata={"gemini": {"signature_on": "next"}}),
        ToolCallPart(call_id="c", name="f", arguments={}, provider_metadata={"gemini": {"thought_signature": "S2"}}),
        TextPart(text=""),
    ])
    parts = body_of(ChatRequest(messages=[both]))["contents"][0]["parts"]
    assert parts == [{"text": "", "thoughtSignature": "S1"},
                     {"functionCall": {"id": "c", "name": "f", "args": {}}, "thoughtSignature": "S2"}]


def _model(**kwargs) -> StreamingChatModel:  # type: ignore[no-untyped-def]
    return StreamingChatModel(rillet_gemini.PROVIDER, "gemini-2.5-flash", **kwargs)


def test_stream_tokens_builds_the_request_and_ignores_other_providers(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    monkeypatch.delenv("GEMINI_BASE_URL", raising=False)
    model = _model(key=KEY)
    stream = rillet_gemini.stream_tokens(model=model, request=ChatRequest(messages=[Message.user("hi")]))
    assert stream.request.headers["x-goog-api-key"] == KEY
    assert str(stream.request.url).startswith(BASE + "/models/gemini-2.5-flash:streamGenerateContent")
    assert KEY not in repr(stream) and KEY not in repr(model)
    from dataclasses import replace
    other = StreamingChatModel(replace(rillet_gemini.PROVIDER, name="openai"), "gpt", key=KEY)
    assert rillet_gemini.stream_tokens(model=other, request=ChatRequest(messages=[Message.user("hi")])) is None


def test_key_resolution_and_base_url_env(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rillet_gemini.keys import resolve_gemini_key

    monkeypatch.setenv("RILLET_HOME", str(tmp_path))
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="GEMINI_API_KEY") as caught:
        resolve_gemini_key(_model())
    assert KEY not in str(caught.value)
    monkeypatch.setenv("GOOGLE_API_KEY", "google-fallback")
    assert resolve_gemini_key(_model()) == "google-fallback"
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-first")
    assert resolve_gemini_key(_model()) == "gemini-first"
    assert resolve_gemini_key(_model(key="explicit")) == "explicit"
    monkeypatch.setenv("GEMINI_BASE_URL", "http://localhost:9999/v1beta/")
    assert _model().base_url == "http://localhost:9999/v1beta"


def test_images_become_inline_data_or_file_data_parts() -> None:
    from rillet import ImagePart

    inline = ImagePart.from_bytes(b"GIF89a tiny")
    linked = ImagePart.from_url("https://example.com/scan.png")
    body = body_of(ChatRequest(messages=[Message("user", [TextPart(text="Read these"), inline, linked])]))
    assert body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"text": "Read these"},
                {"inlineData": {"mimeType": "image/gif", "data": inline.base64()}},
                {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/scan.png"}},
            ],
        }
    ]


def test_image_cassette_request_is_what_the_plugin_sends() -> None:
    from rillet.testing import IMAGE_QUESTION, assert_plugin_sends_recorded_request

    sender = StreamingChatModel(rillet_gemini.PROVIDER, "gemini-2.5-flash", key=KEY)
    assert_plugin_sends_recorded_request(rillet_gemini, sender, IMAGE_QUESTION, OWN / "gemini_image_input.yaml")
