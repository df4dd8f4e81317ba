"""End to end through rillet's transport against a loopback server speaking /api/chat."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import rillet
from ollama_loopback import ollama_server

LINES = [
    {"model": "m", "message": {"role": "assistant", "content": "", "thinking": "hm"}, "done": False},
    {"model": "m", "message": {"role": "assistant", "content": "Hel"}, "done": False},
    {"model": "m", "message": {"role": "assistant", "content": "lo"}, "done": False},
    {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
     "prompt_eval_count": 2, "eval_count": 3},
]
NDJSON = b"".join(json.dumps(line).encode() + b"\n" for line in LINES)


def server(status: int = 200, body: bytes = NDJSON) -> Any:
    """A server answering ``/api/chat``; yields its URL and the ``(path, JSON body)`` requests."""
    return ollama_server(status, body, "application/x-ndjson" if status == 200 else "application/json")


def test_sync_stream_with_aggregation() -> None:
    with server() as (url, seen):
        model = rillet.get_model("ollama/m", base_url=url)
        result = model.stream_with_aggregation("hi", temperature=0).result()
    assert (result.text, result.message.reasoning, result.finish_reason) == ("Hello", "hm", "stop")
    assert result.usage.input_tokens == 2 and result.usage.output_tokens == 3
    [(path, body)] = seen
    assert path == "/api/chat"
    assert body == {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True,
                    "options": {"temperature": 0}}


def test_async_stream_gives_the_same_events() -> None:
    async def collect(model: rillet.StreamingChatModel) -> list[str]:
        return [event.type async for event in model.astream_tokens("hi")]

    with server() as (url, _):
        model = rillet.get_model("ollama/m", base_url=url)
        sync_kinds = [event.type for event in model.stream_tokens("hi")]
        async_kinds = asyncio.run(collect(model))
    assert sync_kinds == async_kinds == ["start", "reasoning", "token", "token", "usage", "end"]


def test_unknown_model_is_not_found_with_the_pull_command() -> None:
    with server(404, b'{"error":"model \\"nope\\" not found, try pulling it first"}') as (url, _):
        events = list(rillet.get_model("ollama/nope", base_url=url).stream_tokens("hi"))
    assert events[-1].type == "error" and events[-1].code == "not_found"
    assert "ollama pull nope" in events[-1].message
