"""``stream: false`` answers and error bodies: built from the result of every recording,
each validates against the official SDK's type and says what the stream said."""

from __future__ import annotations

import json
from typing import Any

import pytest
from anthropic.types import Message as AnthropicMessage
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

import rillet
from rillet import StreamAggregator
from rillet.wire import (
    anthropic_error_body,
    anthropic_message,
    chat_completion,
    chat_error_body,
    responses_error_body,
    responses_response,
)
from wire_support import decode_recording, recorded_interactions

RESULTS = [
    pytest.param(result, id=name)
    for name, interaction in recorded_interactions()
    if (result := StreamAggregator.fold(decode_recording(interaction))).error is None
]


def _calls(result: rillet.ChatResult) -> list[tuple[str, str, Any]]:
    return [(call.call_id, call.name, call.arguments) for call in result.message.tool_calls]


@pytest.mark.parametrize("result", RESULTS)
def test_chat_completion(result: rillet.ChatResult) -> None:
    completion = ChatCompletion.model_validate(chat_completion(result, model="m", created=1))
    message = completion.choices[0].message
    assert (message.content or "") + (message.refusal or "") == result.message.text
    if result.finish_reason == "refusal" and message.refusal:  # OpenAI's own refusal, as OpenAI answers it
        assert (message.content, message.refusal, completion.choices[0].finish_reason) == (None, result.message.text, "stop")
    assert [(choice.index, (choice.message.content or "") + (choice.message.refusal or "")) for choice in completion.choices] == [
        (number, answer.text) for number, answer in enumerate(result.choices or [result.message])
    ]
    calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []]
    assert calls == [(c.call_id, c.name, c.raw_arguments or json.dumps(c.arguments)) for c in result.message.tool_calls]
    for wire_call, call in zip(message.tool_calls or [], result.message.tool_calls, strict=True):
        gemini = (call.provider_metadata or {}).get("gemini")  # a thought signature rides along
        assert (wire_call.model_extra or {}).get("extra_content") == ({"google": gemini} if gemini else None)
    if result.usage is not None and result.usage.output_tokens is not None:
        assert completion.usage is not None and completion.usage.completion_tokens == result.usage.output_tokens


@pytest.mark.parametrize("result", RESULTS)
def test_anthropic_message(result: rillet.ChatResult) -> None:
    message = AnthropicMessage.model_validate(anthropic_message(result, model="m"))
    assert "".join(block.text for block in message.content if block.type == "text") == result.message.text
    assert "".join(block.thinking for block in message.content if block.type == "thinking") == result.message.reasoning
    calls = [(block.id, block.name, block.input) for block in message.content if block.type == "tool_use"]
    assert calls == [(i, n, a if isinstance(a, dict) else {}) for i, n, a in _calls(result)]


@pytest.mark.parametrize("result", RESULTS)
def test_responses_response(result: rillet.ChatResult) -> None:
    response = Response.model_validate(responses_response(result, model="m", created=1))
    refusal = "".join(part.refusal for item in response.output if item.type == "message" for part in item.content if part.type == "refusal")
    assert response.output_text + refusal == result.message.text  # OpenAI's refusal in a refusal part
    calls = [(item.call_id, item.name) for item in response.output if item.type == "function_call"]
    assert calls == [(i, n) for i, n, _ in _calls(result)]
    expected = {"length": "incomplete", "content_filter": "incomplete"}.get(result.finish_reason or "", "completed")
    assert response.status == expected


@pytest.mark.parametrize(
    ("error", "status", "openai_type", "anthropic_type"),
    [
        (rillet.BadRequestError("messages[0].role: must be one of …", status_code=400), 400, "invalid_request_error", "invalid_request_error"),
        (rillet.AuthenticationError("bad key", status_code=401), 401, "invalid_request_error", "authentication_error"),
        (rillet.RateLimitError("slow down", status_code=429), 429, "rate_limit_error", "rate_limit_error"),
        (rillet.OverloadedError("busy", status_code=529), 503, "overloaded_error", "overloaded_error"),
        (rillet.ServerError("boom", status_code=500), 502, "server_error", "api_error"),
        (rillet.StreamTimeoutError("no first token", phase="first_token"), 504, "server_error", "timeout_error"),
        (rillet.ConnectError("refused"), 502, "server_error", "api_error"),
        (rillet.UnknownModelError("no model x"), 404, "invalid_request_error", "not_found_error"),
    ],
)
def test_error_bodies(error: rillet.RilletError, status: int, openai_type: str, anthropic_type: str) -> None:
    chat_status, chat_body = chat_error_body(error)
    assert (chat_status, chat_body["error"]["type"], chat_body["error"]["message"]) == (status, openai_type, error.message)
    assert responses_error_body(error) == (chat_status, chat_body)
    anthropic_status, anthropic_body = anthropic_error_body(error)
    assert anthropic_status == (529 if error.code == "overloaded" else status)
    assert anthropic_body == {"type": "error", "error": {"type": anthropic_type, "message": error.message}}


def test_an_error_event_gives_the_same_body_as_its_exception() -> None:
    error = rillet.RateLimitError("slow down", status_code=429)
    assert chat_error_body(rillet.ErrorEvent.from_exception(error)) == chat_error_body(error)
    assert anthropic_error_body(rillet.ErrorEvent.from_exception(error)) == anthropic_error_body(error)
