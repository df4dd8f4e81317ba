"""Helpers of the wire tests: every recorded interaction, decoded, and the decoders of
each target format (found through the replay decoder selection, as ``rillet replay`` does)."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import openai
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

import rillet
from rillet._discovery import plugin_manager
from rillet._replay import replay_decoder, split_frames
from rillet.cassettes import Interaction, load_cassette
from rillet.framing import SSEParser
from rillet.wire import AnthropicMessagesEncoder, OpenAIChatEncoder, OpenAIResponsesEncoder

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RILLET_SHARED_CASSETTES", REPO.parent / "shared" / "cassettes"))
CASSETTES = sorted((REPO / "cassettes").glob("**/*.yaml")) + sorted(SHARED.glob("**/*.yaml"))

#: Each target format: how to make its encoder, and the recorded request its decoder answers.
FORMATS: dict[str, tuple[Any, str, dict[str, Any]]] = {
    "openai-chat": (
        lambda: OpenAIChatEncoder(include_usage=True),
        "https://api.openai.com/v1/chat/completions",
        {"stream": True, "stream_options": {"include_usage": True}},
    ),
    "anthropic": (AnthropicMessagesEncoder, "https://api.anthropic.com/v1/messages", {"stream": True}),
    "openai-responses": (OpenAIResponsesEncoder, "https://api.openai.com/v1/responses", {"stream": True}),
}


def recorded_interactions() -> list[tuple[str, Interaction]]:
    """``(name, interaction)`` for every interaction a plugin decodes, in every cassette."""
    found = []
    for path in CASSETTES:
        for interaction in load_cassette(path):
            if replay_decoder(interaction) is not None:
                found.append((f"{path.parent.name}/{path.stem}#{interaction.number}", interaction))
    return found


def decode_recording(interaction: Interaction) -> list[Any]:
    """The events of a recorded response, decoded by the plugin that owns its URL."""
    response = interaction.response
    headers = {name: values[0] for name, values in response.headers.items()}
    return rillet.decode_response(
        replay_decoder(interaction), response.status, headers, split_frames(response.body)
    )


def target_decoder(target: str) -> Any:
    """A fresh decoder of the ``target`` format, from the plugin that serves it."""
    _, url, body = FORMATS[target]
    decoder = plugin_manager().hook.rillet_replay_decoder(method="POST", url=url, request_body=body, provider=None)
    assert decoder is not None, f"no installed plugin decodes {url}"
    return decoder


def encode_all(target: str, events: list[Any]) -> bytes:
    """The whole body the ``target`` encoder writes for ``events``."""
    encoder = FORMATS[target][0]()
    return b"".join(encoder.stream(events))


def decode_target(target: str, body: bytes) -> list[Any]:
    """Decode a body written in the ``target`` format with rillet's own decoder."""
    return rillet.decode_chunks(target_decoder(target), split_frames(body))


def sse_frames(body: bytes) -> list[Any]:
    """The SSE frames of a whole body."""
    parser = SSEParser()
    return parser.feed(body) + parser.close()


def loads_or_raw(text: str) -> Any:
    """A tool call's arguments as the SDKs leave them: parsed JSON, else the raw text."""
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError:
        return text


@functools.cache
def _adapter(event_type: Any) -> TypeAdapter[Any]:
    """The validator of an SDK's event union, built once (building one takes a while)."""
    return TypeAdapter(event_type)


def openai_chat_sdk_answer(body: bytes) -> dict[str, Any]:
    """A Chat Completions body accumulated by the OpenAI SDK (``ChatCompletionStreamState``)."""
    state = ChatCompletionStreamState()
    for frame in sse_frames(body):
        if frame.data != "[DONE]":
            state.handle_chunk(ChatCompletionChunk.model_validate(json.loads(frame.data), strict=False))
    choice = state.current_completion_snapshot.choices[0]
    calls = [(call.id, call.function.name, loads_or_raw(call.function.arguments)) for call in choice.message.tool_calls or []]
    return {"text": choice.message.content or "", "calls": calls, "finish": choice.finish_reason}


def anthropic_sdk_answer(body: bytes) -> dict[str, Any]:
    """A Messages body accumulated by the Anthropic SDK (``accumulate_event``), each frame
    validated against its event types."""
    adapter = _adapter(RawMessageStreamEvent)
    snapshot: Any = None
    buffers: dict[int, bytes] = {}
    for frame in sse_frames(body):
        event = adapter.validate_python(json.loads(frame.data))
        snapshot = accumulate_event(event=event, current_snapshot=snapshot, json_bufs=buffers)
    blocks = snapshot.content
    return {
        "text": "".join(block.text for block in blocks if block.type == "text"),
        "reasoning": "".join(block.thinking for block in blocks if block.type == "thinking"),
        "signatures": "".join(block.signature for block in blocks if block.type == "thinking"),
        "calls": [(block.id, block.name, block.input) for block in blocks if block.type == "tool_use"],
        "finish": snapshot.stop_reason,
    }


def openai_responses_sdk_answer(body: bytes) -> dict[str, Any]:
    """A Responses body accumulated by the OpenAI SDK (``ResponseStreamState``), each frame
    validated against its event types; the final response's output."""
    adapter = _adapter(ResponseStreamEvent)
    state: Any = ResponseStreamState(input_tools=openai.omit, text_format=openai.omit)
    final: Any = None
    for frame in sse_frames(body):
        event = adapter.validate_python(json.loads(frame.data))
        state.handle_event(event)
        if event.type in ("response.completed", "response.incomplete", "response.failed"):
            final = event.response
    output = final.output
    return {
        "text": "".join(
            part.text for item in output if item.type == "message" for part in item.content if part.type == "output_text"
        ),
        "reasoning": "".join(
            part.text for item in output if item.type == "reasoning" for part in item.summary
        ),
        "calls": [(item.call_id, item.name, loads_or_raw(item.arguments)) for item in output if item.type == "function_call"],
        "finish": final.status,
    }


def openai_refusal(message: Any) -> str:
    """The text of ``message`` that came marked as OpenAI refusal text (``""`` if none)."""
    return "".join(
        part.text for part in message.content
        if part.type == "text" and ((part.provider_metadata or {}).get("openai") or {}).get("refusal") is True
    )
