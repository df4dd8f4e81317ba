"""The gateway's request readers: a client's body in each wire format → a ``ChatRequest``."""

from __future__ import annotations

import json

import base64
from typing import Any

import pytest

import rillet
from rillet import ChatRequest, Message, Reasoning, ReasoningPart, TextPart, Tool, ToolCallPart, ToolResultPart
from rillet.wire import chat_error_body, read_anthropic_request, read_chat_request, read_responses_request

TOOLS = [Tool(name="get_weather", description="Weather", parameters={"type": "object", "properties": {"city": {"type": "string"}}})]
ONE = [{"role": "user", "content": "x"}]
CALL = ToolCallPart(call_id="call_1", name="get_weather", arguments={"city": "Paris"}, raw_arguments='{"city": "Paris"}')


def _conversation(reasoning: ReasoningPart) -> list[Message]:
    return [
        Message.system("Be brief."),
        Message.user("Weather in Paris?"),
        Message("assistant", [reasoning, TextPart(text="Checking."), CALL]),
        Message("tool", [ToolResultPart(call_id="call_1", content="18C")]),
        Message.user("Thanks"),
    ]


def _chat_body(request: ChatRequest) -> dict[str, Any]:
    from rillet_openai.chat_request import build_chat_body

    return build_chat_body("gpt-x", request)


def _anthropic_body(request: ChatRequest) -> dict[str, Any]:
    from rillet_anthropic.request import build_body

    return build_body("gpt-x", request)


def _responses_body(request: ChatRequest) -> dict[str, Any]:
    from rillet_openai.responses_request import build_responses_body

    return build_responses_body("gpt-x", request)


ROUND_TRIPS = [
    pytest.param(
        _chat_body, read_chat_request,
        ReasoningPart(text="Need the tool.", signature="SIG", provider_metadata={
            "reasoning_field": "reasoning_content",
            "reasoning_details": [{"type": "reasoning.text", "text": "Need the tool.", "signature": "SIG"}],
        }),
        {"reasoning": Reasoning(effort="low"), "seed": 3, "stop": ["END"]},
        id="chat",
    ),
    pytest.param(
        _anthropic_body, read_anthropic_request, ReasoningPart(text="Need the tool.", signature="SIG"),
        {"reasoning": Reasoning(budget_tokens=2048), "stop": ["END"]},
        id="anthropic",
    ),
    pytest.param(
        _responses_body, read_responses_request,
        ReasoningPart(text="Need the tool.", data="ENC", provider_metadata={"openai": {"item_id": "rs_1", "kind": "summary", "part_index": 0}}),
        {"reasoning": Reasoning(effort="low")},
        id="responses",
    ),
]


@pytest.mark.parametrize(("build", "read", "reasoning", "options"), ROUND_TRIPS)
def test_what_a_plugin_sends_reads_back_as_the_same_request(build: Any, read: Any, reasoning: ReasoningPart, options: dict[str, Any]) -> None:
    """The plugins' request builders write each format; reading their output gives back
    the request they were given: messages, reasoning with its signature, tools, options."""
    request = ChatRequest(
        messages=_conversation(reasoning), tools=TOOLS, tool_choice="get_weather", temperature=0.5, max_tokens=300,
        top_p=0.9, **options,
    )
    read_back = read({**build(request), "stream": True})
    assert read_back.model == "gpt-x" and read_back.stream is True
    assert read_back.request == request


def test_chat_reads_developer_messages_parts_and_stream_options() -> None:
    read_back = read_chat_request({
        "model": "m",
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Rules."}]},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": ""}}
            ], "reasoning_details": [{"type": "reasoning.encrypted", "data": "BLOB"}]},
            {"role": "tool", "tool_call_id": "c1", "content": "done"},
        ],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "max_tokens": 9,
        "stop": "END",
        "stream": True,
        "stream_options": {"include_usage": True},
        "user": "ignored",
    })
    assert read_back.include_usage and read_back.stream
    request = read_back.request
    assert [m.role for m in request.messages] == ["system", "user", "assistant", "tool"]
    assert request.messages[0].text == "Rules." and request.messages[1].text == "ab"
    assistant = request.messages[2].content
    assert assistant[1] == ReasoningPart(redacted=True, data="BLOB")
    assert assistant[2] == ToolCallPart(call_id="c1", name="f", arguments={}, raw_arguments="")
    assert request.tool_choice == "f" and request.max_tokens == 9 and request.stop == ["END"]


def test_anthropic_reads_system_blocks_tool_results_and_redacted_thinking() -> None:
    read_back = read_anthropic_request({
        "model": "claude",
        "max_tokens": 100,
        "system": [{"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": "Go"},
            {"role": "assistant", "content": [
                {"type": "redacted_thinking", "data": "BLOB"},
                {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "42"}], "is_error": True},
                {"type": "text", "text": "and then?"},
            ]},
        ],
        "tool_choice": {"type": "any"},
        "thinking": {"type": "disabled"},
    })
    request = read_back.request
    assert [m.role for m in request.messages] == ["system", "user", "assistant", "tool", "user"]
    assert request.messages[0].text == "Rules."
    assert request.messages[2].content[0] == ReasoningPart(redacted=True, data="BLOB")
    assert request.messages[3].content == [ToolResultPart(call_id="toolu_1", content="42", is_error=True)]
    assert request.messages[4].text == "and then?"
    assert request.tool_choice == "required" and request.reasoning is None and read_back.stream is False


def test_responses_reads_a_string_input_instructions_and_outputs() -> None:
    assert read_responses_request({"model": "m", "input": "hi", "instructions": "Rules."}).request.messages == [
        Message.system("Rules."), Message.user("hi")
    ]
    request = read_responses_request({
        "model": "m",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Go"}]},
            {"type": "reasoning", "id": "rs_9", "summary": [], "encrypted_content": "ENC"},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call", "call_id": "c2", "name": "g", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "one"},
            {"type": "function_call_output", "call_id": "c2", "output": "two"},
        ],
        "tool_choice": {"type": "function", "name": "f"},
        "max_output_tokens": 50,
    }).request
    assert [m.role for m in request.messages] == ["user", "assistant", "tool"]
    assert request.messages[1].content[0].redacted and request.messages[1].content[0].data == "ENC"
    assert [call.call_id for call in request.messages[1].tool_calls] == ["c1", "c2"]
    assert [part.content for part in request.messages[2].content] == ["one", "two"]
    assert request.tool_choice == "f" and request.max_tokens == 50


@pytest.mark.parametrize(
    ("read", "body", "field", "words"),
    [
        (read_chat_request, [], "body", "must be a JSON object"),
        (read_chat_request, {"messages": ONE}, "model", "is required"),
        (read_chat_request, {"model": "m"}, "messages", "is required"),
        (read_chat_request, {"model": "m", "messages": []}, "messages", "must not be empty"),
        (read_chat_request, {"model": "m", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role", "must be one of"),
        (read_chat_request, {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}, "messages[0].content[0].image_url.url", "is required"),
        (read_chat_request, {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@"}}]}]}, "messages[0].content[0].image_url.url", "no valid base64"),
        (read_chat_request, {"model": "m", "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}, {"type": "image_url", "image_url": {"url": "https://e.com/a.png"}}]}]}, "messages[0].content[0].type", "'input_audio' parts are not supported"),
        (read_chat_request, {"model": "m", "messages": ONE, "n": 2}, "n", "only one choice"),
        (read_chat_request, {"model": "m", "messages": ONE, "response_format": {"type": "json_object"}}, "response_format.type", "structured output"),
        (read_chat_request, {"model": "m", "messages": ONE, "temperature": "hot"}, "temperature", "must be a number"),
        (read_chat_request, {"model": "m", "messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id", "is required"),
        (read_chat_request, {"model": "m", "messages": ONE, "functions": [{"name": "f", "parameters": {}}]}, "functions", "send tools instead"),
        (read_chat_request, {"model": "m", "messages": ONE, "function_call": "auto"}, "function_call", "send tool_choice instead"),
        (read_anthropic_request, {"model": "c", "messages": ONE, "output_format": {"type": "json_schema", "schema": {}}}, "output_format", "structured output"),
        (read_anthropic_request, {"model": "c", "messages": ONE, "output_config": {"format": {"type": "json_schema", "schema": {}}}}, "output_config.format", "structured output"),
        (read_chat_request, {"model": "m", "messages": ONE, "tools": [{"type": "function", "function": {}}]}, "tools[0].function.name", "is required"),
        (read_chat_request, {"model": "m", "messages": ONE, "tool_choice": "sometimes"}, "tool_choice", "must be auto"),
        (read_chat_request, {"model": "m", "messages": ONE, "reasoning_effort": "max"}, "reasoning_effort", "must be one of"),
        (read_anthropic_request, {"model": "c", "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]}, "messages[0].content[0].source.type", "must be one of"),
        (read_anthropic_request, {"model": "c", "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "%%%"}}]}]}, "messages[0].content[0].source.data", "no valid base64"),
        (read_anthropic_request, {"model": "c", "messages": [{"role": "user", "content": [{"type": "document", "source": {}}]}]}, "messages[0].content[0].type", "'document' blocks are not supported"),
        (read_anthropic_request, {"model": "c", "messages": ONE, "tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "tools[0].type", "server tools"),
        (read_anthropic_request, {"model": "c", "messages": ONE, "thinking": {"type": "enabled"}}, "thinking.budget_tokens", "is required"),
        (read_anthropic_request, {"model": "c", "messages": ONE, "max_tokens": True}, "max_tokens", "must be an integer"),
        (read_responses_request, {"model": "m", "input": "x", "previous_response_id": 7}, "previous_response_id", "must be a string"),
        (read_responses_request, {"model": "m", "input": [{"type": "item_reference", "id": "x"}]}, "input[0].type", "'item_reference' items are not supported"),
        (read_responses_request, {"model": "m", "input": "x", "tools": [{"type": "web_search"}]}, "tools[0].type", "only function tools"),
        (read_responses_request, {"model": "m", "input": "x", "text": {"format": {"type": "json_schema"}}}, "text.format.type", "structured output"),
    ],
)
def test_a_bad_body_is_a_typed_error_naming_the_field(read: Any, body: Any, field: str, words: str) -> None:
    with pytest.raises(rillet.InvalidRequestError) as caught:
        read(body)
    error = caught.value
    assert error.field == field and error.message.startswith(f"{field}: ") and words in error.message
    assert isinstance(error, rillet.BadRequestError) and error.code == "bad_request"
    status, response = chat_error_body(error)
    assert status == 400 and response["error"]["param"] == field


@pytest.mark.parametrize(
    ("read", "body"),
    [
        (read_chat_request, {"model": "m", "messages": [*ONE, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"city": "Pa'}}]}]}),
        (read_responses_request, {"model": "m", "input": [*ONE, {"type": "function_call", "call_id": "c", "name": "f", "arguments": '{"city": "Pa'}]}),
    ],
    ids=["chat", "responses"],
)
def test_a_tool_call_cut_by_the_token_limit_comes_back_as_it_was(read: Any, body: dict[str, Any]) -> None:
    # An agent loop sends back the call the gateway relayed, arguments cut mid-JSON: the
    # text is kept (and marked), not refused, so the conversation can go on.
    call = read(body).request.messages[-1].content[0]
    assert (call.name, call.raw_arguments, call.arguments) == ("f", '{"city": "Pa', None)
    assert "not valid JSON" in call.arguments_error


WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}}


@pytest.mark.parametrize(
    ("read", "body"),
    [
        (read_chat_request, {"model": "m", "messages": ONE, "tools": [{"type": "function", "function": {"name": name, "parameters": WEATHER}} for name in ("a", "b", "c")],
                             "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "c"}}, {"type": "function", "function": {"name": "a"}}]}}}),
        (read_responses_request, {"model": "m", "input": "x", "tools": [{"type": "function", "name": name, "parameters": WEATHER} for name in ("a", "b", "c")],
                                  "tool_choice": {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "c"}, {"type": "function", "name": "a"}]}}),
    ],
    ids=["chat", "responses"],
)
def test_allowed_tools_keeps_the_tools_it_names_with_its_mode(read: Any, body: dict[str, Any]) -> None:
    request = read(body).request
    assert [tool.name for tool in request.tools] == ["a", "c"] and request.tool_choice == "required"
    body["tool_choice"] = json.loads(json.dumps(body["tool_choice"]).replace('"c"', '"z"'))
    with pytest.raises(rillet.InvalidRequestError) as caught:
        read(body)
    assert "does not define: z" in caught.value.message


def test_anthropic_thinking_that_is_not_enabled_asks_for_no_reasoning() -> None:
    for kind in ("disabled", "adaptive", "between_tools"):
        assert read_anthropic_request({"model": "c", "max_tokens": 5, "messages": ONE, "thinking": {"type": kind}}).request.reasoning is None


def test_images_from_openai_and_anthropic_clients_become_image_parts() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(8)).decode()
    chat = read_chat_request({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Compare"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/b.jpg"}},
    ]}]}).request
    [message] = chat.messages
    assert [part.type for part in message.content] == ["text", "image", "image"]
    assert message.images[0].base64() == png and message.images[1].url == "https://example.com/b.jpg"
    anthropic = read_anthropic_request({"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}},
        {"type": "text", "text": "What "}, {"type": "text", "text": "is it?"},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/c.gif"}},
    ]}]}).request
    [message] = anthropic.messages
    assert [part.type for part in message.content] == ["image", "text", "image"]
    assert message.text == "What is it?" and message.images[0].media_type == "image/png"
    assert message.images[1].media_type == "image/gif"


def test_images_from_a_responses_client_become_image_parts() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(8)).decode()
    request = read_responses_request({"model": "m", "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "What is it?"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{png}", "detail": "auto"},
    ]}]}).request
    [message] = request.messages
    assert [part.type for part in message.content] == ["text", "image"] and message.images[0].base64() == png
    with pytest.raises(rillet.InvalidRequestError) as caught:
        read_responses_request({"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-1"}]}]})
    assert caught.value.field == "input[0].content[0].file_id" and "uploaded files are not supported" in caught.value.message


def test_a_responses_request_keeps_the_answer_it_continues() -> None:
    client = read_responses_request({"model": "m", "input": "and then?", "previous_response_id": "resp_1"})
    assert client.previous_response_id == "resp_1" and client.request.messages[-1].text == "and then?"
    assert read_responses_request({"model": "m", "input": "x"}).previous_response_id is None
