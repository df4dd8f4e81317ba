"""The gateway as the official SDKs and curl see it: every client format, every upstream format.

Upstreams are the built-in ``replay`` provider playing the project's cassettes (served
from ``--replay-dir``), so each test compares what a real client assembles with what
rillet itself decodes from the same recording.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any, Iterator

import anthropic
import openai
import pytest
from gateway_support import CASSETTES, HELLO, fast_replay, running_gateway  # noqa: F401 (fast_replay: autouse)

import rillet
from rillet.serve import GatewayConfig

OPENAI_TEXT = "replay/openai/openai_chat_scenario_text.yaml"
OPENAI_TOOL = "replay/openai/openai_chat_scenario_tool_call.yaml"
ANTHROPIC_TEXT = "replay/anthropic/anthropic_scenario_text.yaml"
ANTHROPIC_TOOL = "replay/anthropic/anthropic_scenario_tool_call.yaml"
ANTHROPIC_THINKING = "replay/anthropic/anthropic_redacted_thinking.yaml"
GEMINI_TEXT = "replay/gemini/gemini_scenario_text.yaml"
OLLAMA_TEXT = "replay/ollama/ollama_scenario_text.yaml"
RESPONSES_TEXT = "replay/openai/responses_scenario_text.yaml"


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with running_gateway(GatewayConfig(replay_dir=str(CASSETTES))) as url:
        yield url


def direct(model_id: str) -> rillet.ChatResult:
    """What rillet decodes from the recording itself."""
    path = str(CASSETTES / model_id.removeprefix("replay/"))
    return rillet.get_model(f"replay/{path}").stream_with_aggregation("hi", tokens_per_second=0).result()


def direct_tool_calls(result: rillet.ChatResult) -> list[tuple[str, Any]]:
    return [(part.name, part.arguments) for part in result.message.content if isinstance(part, rillet.ToolCallPart)]


# OpenAI SDK ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", [OPENAI_TEXT, ANTHROPIC_TEXT, GEMINI_TEXT, OLLAMA_TEXT, RESPONSES_TEXT])
def test_openai_sdk_streams_text_from_every_upstream_format(gateway: str, model: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused")
    chunks = list(client.chat.completions.create(model=model, messages=HELLO, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    expected = direct(model)
    assert text == expected.text and text
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finish == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == expected.usage.output_tokens


def test_openai_sdk_accumulates_tool_calls_through_its_stream_helper(gateway: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused")
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    with client.chat.completions.stream(model=ANTHROPIC_TOOL, messages=HELLO, tools=tools) as stream:
        final = stream.get_final_completion()
    calls = [(c.function.name, json.loads(c.function.arguments)) for c in final.choices[0].message.tool_calls]
    assert calls == direct_tool_calls(direct(ANTHROPIC_TOOL)) and calls
    assert final.choices[0].finish_reason == "tool_calls"


def test_openai_sdk_async_streaming_matches_sync(gateway: str) -> None:
    async def collect() -> str:
        client = openai.AsyncOpenAI(base_url=f"{gateway}/v1", api_key="unused")
        stream = await client.chat.completions.create(model=OPENAI_TEXT, messages=HELLO, stream=True)
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert asyncio.run(collect()) == direct(OPENAI_TEXT).text


def test_openai_sdk_non_streaming(gateway: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused")
    completion = client.chat.completions.create(model=OPENAI_TOOL, messages=HELLO)
    expected = direct(OPENAI_TOOL)
    calls = [(c.function.name, json.loads(c.function.arguments)) for c in completion.choices[0].message.tool_calls]
    assert calls == direct_tool_calls(expected)
    assert completion.usage.prompt_tokens == expected.usage.input_tokens


def test_openai_sdk_responses_api_streams(gateway: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused")
    with client.responses.stream(model=ANTHROPIC_TEXT, input="hi") as stream:
        final = stream.get_final_response()
    assert final.output_text == direct(ANTHROPIC_TEXT).text


def test_an_openai_refusal_reaches_the_openai_sdk_as_a_refusal(gateway: str) -> None:
    # OpenAI refuses with `refusal` text and finish_reason "stop"; the SDK's helpers read it
    # there (content_filter would make get_final_completion() raise).
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused", max_retries=0)
    refusal = "replay/openai/responses_refusal.yaml"
    with client.chat.completions.stream(model=refusal, messages=HELLO) as stream:
        final = stream.get_final_completion()
    whole = client.chat.completions.create(model=refusal, messages=HELLO)
    expected = direct(refusal).text
    for choice in (final.choices[0], whole.choices[0]):
        assert (choice.message.refusal, choice.message.content or None, choice.finish_reason) == (expected, None, "stop")
    with client.responses.stream(model=refusal, input="hi") as responses:  # a refusal part in Responses
        parts = [part for item in responses.get_final_response().output if item.type == "message" for part in item.content]
    assert [(part.type, getattr(part, "refusal", None)) for part in parts] == [("refusal", expected)]


def test_openai_sdk_lists_models(gateway: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused")
    ids = {model.id for model in client.models.list()}
    assert "replay/demo" in ids
    assert {f"{name}/{m}" for name, info in rillet.providers().items() for m in info.models} <= ids


# Anthropic SDK ------------------------------------------------------------------------


def test_an_anthropic_upstreams_prompt_usage_is_in_message_start(gateway: str) -> None:
    # Anthropic reports the prompt's tokens in message_start; clients that read them there
    # (older SDKs take only output_tokens from message_delta) see the same through the gateway.
    import httpx

    body = {"model": ANTHROPIC_TEXT, "max_tokens": 50, "stream": True, "messages": HELLO}
    with httpx.stream("POST", f"{gateway}/v1/messages", json=body, headers={"anthropic-version": "2023-06-01"}, timeout=30) as response:
        events = [json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: ")]
    start = events[0]
    final = next(event for event in events if event["type"] == "message_delta")
    assert start["type"] == "message_start" and start["message"]["usage"]["input_tokens"] > 0
    assert start["message"]["usage"]["input_tokens"] == final["usage"]["input_tokens"]


def test_anthropic_sdk_lists_and_retrieves_models_page_by_page(gateway: str) -> None:
    client = anthropic.Anthropic(base_url=gateway, api_key="unused", max_retries=0)
    first = client.models.list(limit=2)
    assert len(first.data) == 2 and first.has_more and first.last_id == first.data[-1].id
    listed = [model.id for model in client.models.list(limit=7)]  # the SDK pages through them all
    everything = {f"{name}/{m}" for name, info in rillet.providers().items() for m in info.models}
    assert everything <= set(listed) and len(listed) == len(set(listed))
    model = client.models.retrieve("replay/demo")
    assert (model.id, model.type, model.display_name) == ("replay/demo", "model", "replay/demo")
    with pytest.raises(anthropic.NotFoundError) as missing:
        client.models.retrieve("nobody/nothing")
    assert "GET /v1/models" in str(missing.value)


def test_openai_sdk_retrieves_a_model_and_an_unknown_one_is_a_404(gateway: str) -> None:
    client = openai.OpenAI(base_url=f"{gateway}/v1", api_key="unused", max_retries=0)
    assert client.models.retrieve("replay/demo").id == "replay/demo"
    assert client.models.retrieve("openai/any-model-the-provider-serves").owned_by == "openai"  # as POST takes it
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("nobody/nothing")



@pytest.mark.parametrize("model", [ANTHROPIC_TEXT, OPENAI_TEXT, GEMINI_TEXT, OLLAMA_TEXT])
def test_anthropic_sdk_streams_text_from_every_upstream_format(gateway: str, model: str) -> None:
    client = anthropic.Anthropic(base_url=gateway, api_key="unused")
    with client.messages.stream(model=model, max_tokens=100, messages=HELLO) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    expected = direct(model)
    assert text == expected.text and text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == expected.usage.output_tokens


def test_anthropic_sdk_assembles_tool_use_from_an_openai_upstream(gateway: str) -> None:
    client = anthropic.Anthropic(base_url=gateway, api_key="unused")
    tools = [{"name": "get_weather", "input_schema": {"type": "object"}}]
    with client.messages.stream(model=OPENAI_TOOL, max_tokens=100, messages=HELLO, tools=tools) as stream:
        final = stream.get_final_message()
    calls = [(block.name, block.input) for block in final.content if block.type == "tool_use"]
    assert calls == direct_tool_calls(direct(OPENAI_TOOL)) and calls
    assert final.stop_reason == "tool_use"


def test_anthropic_sdk_keeps_thinking_and_redacted_thinking(gateway: str) -> None:
    client = anthropic.Anthropic(base_url=gateway, api_key="unused")
    with client.messages.stream(model=ANTHROPIC_THINKING, max_tokens=100, messages=HELLO) as stream:
        final = stream.get_final_message()
    expected = [p for p in direct(ANTHROPIC_THINKING).message.content if isinstance(p, rillet.ReasoningPart)]
    got = [block for block in final.content if block.type in ("thinking", "redacted_thinking")]
    assert len(got) == len(expected) and got
    for block, part in zip(got, expected):
        if part.redacted:
            assert block.type == "redacted_thinking" and block.data == part.data
        else:
            assert block.type == "thinking" and block.thinking == part.text and block.signature == part.signature


def test_anthropic_sdk_non_streaming(gateway: str) -> None:
    client = anthropic.Anthropic(base_url=gateway, api_key="unused")
    message = client.messages.create(model=OPENAI_TEXT, max_tokens=100, messages=HELLO)
    assert "".join(b.text for b in message.content if b.type == "text") == direct(OPENAI_TEXT).text


# curl ---------------------------------------------------------------------------------


def test_curl_streams_sse_ending_in_done(gateway: str) -> None:
    body = json.dumps({"model": "replay/demo", "stream": True, "messages": HELLO})
    done = subprocess.run(
        ["curl", "-sN", f"{gateway}/v1/chat/completions", "-H", "content-type: application/json", "-d", body],
        capture_output=True, text=True, timeout=60,
    )
    frames = [line.removeprefix("data: ") for line in done.stdout.splitlines() if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(frame) for frame in frames[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == rillet.get_model("replay/demo").stream_with_aggregation("hi", tokens_per_second=0).result().text
