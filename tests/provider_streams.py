"""The same small answer ("Hi!") in every shipped plugin's wire format, frame by frame.

Written by hand from each provider's documented wire format, for the tests that feed the
same input to every plugin and expect the same outcome (tests/test_errors.py). Each
``Wire`` says how many leading frames meet the plugin's terminal condition (documented in
docs/events.md) and how the plugin frames an in-band error object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from rillet_anthropic.decoder import AnthropicDecoder
from rillet_gemini.decoder import GeminiDecoder
from rillet_ollama.decoder import OllamaDecoder
from rillet_openai.chat_decoder import ChatCompletionsDecoder
from rillet_openai.responses_decoder import ResponsesDecoder


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


@dataclass(frozen=True)
class Wire:
    """One plugin's complete stream, the frames its terminal condition needs, its error framing."""

    provider: str
    make_decoder: Callable[[], Any]
    frames: list[bytes]
    frames_to_end: int
    error_frame: Callable[[dict[str, Any]], bytes]
    sse: bool = True


def _chat(choices: list[dict[str, Any]], **extra: Any) -> bytes:
    return _sse({"id": "c1", "model": "m", "choices": choices, **extra})


def _anthropic(kind: str, **fields: Any) -> bytes:
    return _sse({"type": kind, **fields}, event=kind)


def _responses(kind: str, **fields: Any) -> bytes:
    return _sse({"type": kind, **fields}, event=kind)


def _ndjson(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode() + b"\n"


WIRES: dict[str, Wire] = {
    "openai": Wire(
        "openai",
        lambda: ChatCompletionsDecoder("openai", include_usage=True, model="m"),
        [
            _chat([{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}]),
            _chat([{"index": 0, "delta": {"content": "!"}, "finish_reason": None}]),
            _chat([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
            _chat([], usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}),
            b"data: [DONE]\n\n",
        ],
        4,  # every choice finished and the asked-for usage arrived: [DONE] may be missing
        lambda error: _sse({"error": error}),
    ),
    "openai-responses": Wire(
        "openai-responses",
        ResponsesDecoder,
        [
            _responses("response.created", response={"id": "r1", "model": "m", "status": "in_progress"}),
            _responses("response.output_text.delta", output_index=0, content_index=0, delta="Hi"),
            _responses("response.output_text.delta", output_index=0, content_index=0, delta="!"),
            _responses("response.completed", response={
                "id": "r1", "model": "m", "status": "completed", "usage": {"input_tokens": 3, "output_tokens": 2},
            }),
        ],
        4,
        lambda error: _sse({"type": "error", "error": error}, event="error"),
    ),
    "anthropic": Wire(
        "anthropic",
        lambda: AnthropicDecoder(model="m"),
        [
            _anthropic("message_start", message={"id": "msg_1", "model": "m", "usage": {"input_tokens": 3, "output_tokens": 1}}),
            _anthropic("content_block_start", index=0, content_block={"type": "text", "text": ""}),
            _anthropic("content_block_delta", index=0, delta={"type": "text_delta", "text": "Hi"}),
            _anthropic("content_block_delta", index=0, delta={"type": "text_delta", "text": "!"}),
            _anthropic("content_block_stop", index=0),
            _anthropic("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 2}),
            _anthropic("message_stop"),
        ],
        7,
        lambda error: _sse({"type": "error", "error": error}, event="error"),
    ),
    "gemini": Wire(
        "gemini",
        lambda: GeminiDecoder(model="m"),
        [
            _sse({"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}}], "responseId": "g1"}),
            _sse({"candidates": [{"content": {"parts": [{"text": "!"}], "role": "model"}, "finishReason": "STOP"}],
                  "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2}}),
        ],
        2,
        lambda error: _sse({"error": error}),
    ),
    "ollama": Wire(
        "ollama",
        lambda: OllamaDecoder(model="m"),
        [
            _ndjson({"model": "m", "message": {"role": "assistant", "content": "Hi"}, "done": False}),
            _ndjson({"model": "m", "message": {"role": "assistant", "content": "!"}, "done": False}),
            _ndjson({"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
                     "prompt_eval_count": 3, "eval_count": 2}),
        ],
        3,
        lambda error: _ndjson({"error": error}),
        sse=False,
    ),
}
