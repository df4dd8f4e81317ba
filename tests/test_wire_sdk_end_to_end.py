"""The official OpenAI and Anthropic clients, streaming from an ASGI app that serves rillet
streams through ``rillet.wire``: recorded answers of every provider reach each client whole,
and a cut upstream reaches it as an error, never as a finished answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import anyio
import httpx2
import openai
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

import rillet
from rillet.wire import (
    AnthropicMessagesEncoder,
    OpenAIChatEncoder,
    OpenAIResponsesEncoder,
    read_anthropic_request,
    read_chat_request,
    read_responses_request,
)
from wire_support import CASSETTES

ROUTES = {
    "/v1/chat/completions": (read_chat_request, lambda asked: OpenAIChatEncoder(model=asked.model, include_usage=asked.include_usage)),
    "/v1/messages": (read_anthropic_request, lambda asked: AnthropicMessagesEncoder(model=asked.model)),
    "/v1/responses": (read_responses_request, lambda asked: OpenAIResponsesEncoder(model=asked.model)),
}


def _app() -> FastAPI:
    """A gateway in miniature: the client's ``model`` names a recording to replay."""
    app = FastAPI()
    for path, (read, make_encoder) in ROUTES.items():

        async def endpoint(request: Request, read: Any = read, make_encoder: Any = make_encoder) -> StreamingResponse:
            asked = read(await request.json())
            events = rillet.get_model(f"replay/{asked.model}").astream_tokens(asked.request.messages, tokens_per_second=0)
            return StreamingResponse(make_encoder(asked).astream(events), media_type="text/event-stream")

        app.post(path)(endpoint)
    return app


def _recording(name: str) -> str:
    return str(next(path for path in CASSETTES if path.stem == name))


def _expected(recording: str) -> rillet.ChatResult:
    stream = rillet.get_model(f"replay/{recording}").stream_with_aggregation("hi", tokens_per_second=0)
    for _ in stream:
        pass
    return stream.aggregator.result()


RECORDINGS = [
    "anthropic_scenario_tool_call",
    "pydanticai_anthropic_thinking_signature",
    "crewai_gpt4omini_tool_call_include_usage",
    "pydanticai_deepseek_responses_reasoning_text",
    "gemini_scenario_text",
    "openllmetry_ollama_chat_stream_llama3",
]
CUT = "anthropic_truncated_body"
HEADERS = {"api_key": "sk-test-not-a-key"}


def _clients() -> tuple[Any, Any]:
    transport = httpx2.ASGITransport(app=_app())
    http = httpx2.AsyncClient(transport=transport, base_url="http://gateway")
    return (
        openai.AsyncOpenAI(base_url="http://gateway/v1", http_client=http, max_retries=0, **HEADERS),
        anthropic.AsyncAnthropic(base_url="http://gateway", http_client=http, max_retries=0, **HEADERS),
    )


def _calls(result: rillet.ChatResult) -> list[tuple[str, str, Any]]:
    return [(call.call_id, call.name, call.arguments) for call in result.message.tool_calls]


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_openai_client_streams_chat_completions(name: str) -> None:
    recording = _recording(name)
    expected = _expected(recording)

    async def run() -> Any:
        client, _ = _clients()
        async with client.chat.completions.stream(
            model=recording, messages=[{"role": "user", "content": "hi"}], stream_options={"include_usage": True}
        ) as stream:
            async for _ in stream:
                pass
            return await stream.get_final_completion()

    completion = anyio.run(run)
    message = completion.choices[0].message
    assert (message.content or "") == expected.text
    calls = [(call.id, call.function.name, json.loads(call.function.arguments)) for call in message.tool_calls or []]
    assert calls == _calls(expected)
    if expected.usage is not None and expected.usage.output_tokens is not None:
        assert completion.usage is not None and completion.usage.completion_tokens == expected.usage.output_tokens


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_anthropic_client_streams_messages(name: str) -> None:
    recording = _recording(name)
    expected = _expected(recording)

    async def run() -> Any:
        _, client = _clients()
        async with client.messages.stream(model=recording, max_tokens=100, messages=[{"role": "user", "content": "hi"}]) as stream:
            return await stream.get_final_message()

    message = anyio.run(run)
    assert "".join(block.text for block in message.content if block.type == "text") == expected.text
    assert "".join(block.thinking for block in message.content if block.type == "thinking") == expected.message.reasoning
    signatures = "".join(part.signature or "" for part in expected.message.content if part.type == "reasoning")
    assert "".join(block.signature for block in message.content if block.type == "thinking") == signatures
    assert [(block.id, block.name, block.input) for block in message.content if block.type == "tool_use"] == _calls(expected)


@pytest.mark.parametrize("name", RECORDINGS)
def test_the_openai_client_streams_responses(name: str) -> None:
    recording = _recording(name)
    expected = _expected(recording)

    async def run() -> Any:
        client, _ = _clients()
        async with client.responses.stream(model=recording, input="hi") as stream:
            async for _ in stream:
                pass
            return await stream.get_final_response()

    response = anyio.run(run)
    assert response.output_text == expected.text
    calls = [(item.call_id, item.name) for item in response.output if item.type == "function_call"]
    assert calls == [(call_id, call_name) for call_id, call_name, _ in _calls(expected)]


def test_a_cut_upstream_is_an_error_in_every_client() -> None:
    recording = _recording(CUT)

    async def chat() -> None:
        client, _ = _clients()
        stream = await client.chat.completions.create(model=recording, messages=[{"role": "user", "content": "hi"}], stream=True)
        async for _ in stream:
            pass

    async def messages() -> None:
        _, client = _clients()
        async with client.messages.stream(model=recording, max_tokens=100, messages=[{"role": "user", "content": "hi"}]) as stream:
            await stream.get_final_message()

    async def responses() -> Any:
        client, _ = _clients()
        async with client.responses.stream(model=recording, input="hi") as stream:
            async for event in stream:
                if event.type == "response.failed":
                    return event.response
        return None

    with pytest.raises(openai.APIError, match="stream ended before message_stop"):
        anyio.run(chat)
    with pytest.raises(anthropic.APIStatusError, match="stream ended before message_stop"):
        anyio.run(messages)
    failed = anyio.run(responses)
    assert failed is not None and failed.status == "failed" and "message_stop" in failed.error.message


def test_the_recordings_exist() -> None:
    for name in [*RECORDINGS, CUT]:
        assert Path(_recording(name)).is_file()
