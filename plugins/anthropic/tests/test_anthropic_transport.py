"""End to end through the core's TokenStream with a mock HTTP transport (no network)."""

from __future__ import annotations

import asyncio

import httpx
import rillet
from rillet import ChatRequest, Message, StreamOptions, TokenStream
from rillet.provider import StreamingChatModel
from rillet_anthropic import PROVIDER
from rillet_anthropic.decoder import AnthropicDecoder
from rillet_anthropic.request import build_http_request

from anthropic_cassette_support import SHARED, interactions

KEY = "sk-ant-e2e-SECRET-456"


def _stream(handler) -> TokenStream:
    model = StreamingChatModel(PROVIDER, "claude-haiku-4-5", key=KEY, options=StreamOptions(max_retries=0))
    request = build_http_request(model, ChatRequest(messages=[Message.user("Say just hello")]))
    return TokenStream(model, request, lambda: AnthropicDecoder("anthropic", model.name), transport=httpx.MockTransport(handler))


def _recorded(path: str, number: int = 0):
    response = interactions(SHARED / path)[number].response
    return response.status, response.body


def _handler(status: int, body: bytes, seen: list[httpx.Request]):
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        kind = "text/event-stream" if status < 400 else "application/json"
        return httpx.Response(status, headers={"content-type": kind}, content=body)
    return handle


@SHARED.required
def test_sync_and_async_streams_give_the_same_events() -> None:
    status, body = _recorded("anthropic/simonw_anthropic_text_stream.yaml")
    seen: list[httpx.Request] = []
    sync_events = list(_stream(_handler(status, body, seen)))

    async def collect() -> list:
        return [event async for event in _stream(_handler(status, body, seen))]

    async_events = asyncio.run(collect())
    assert [e.model_dump(exclude={"timing"}) for e in sync_events] == [e.model_dump(exclude={"timing"}) for e in async_events]
    result = rillet.StreamAggregator.fold(sync_events)
    assert result.text == "Hello" and result.finish_reason == "stop" and result.usage.output_tokens == 4
    assert seen[0].headers["x-api-key"] == KEY and KEY not in str(seen[0].url)
    assert seen[0].url.path == "/v1/messages"


@SHARED.required
def test_http_401_becomes_an_authentication_error_without_the_key() -> None:
    status, body = _recorded("errors/mirascope_anthropic_401_stream_request.yaml")
    events = list(_stream(_handler(status, body, [])))
    assert [e.type for e in events] == ["start", "error"]
    error = events[-1]
    assert error.code == "authentication" and error.status_code == 401
    assert "ANTHROPIC_API_KEY" in error.message and KEY not in error.message and KEY not in repr(error)
