"""The three server formats: where to send, what to send, and how their frames must look."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ._frames import anthropic_problems, chat_problems, responses_problems

__all__ = ["FORMATS", "ServerFormat"]

GREETING = "Say hello in three words."
WEATHER = "What is the weather in Paris? Use the tool."
CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
DESCRIPTION = "Current weather in a city."


@dataclass(frozen=True)
class ServerFormat:
    """One wire format a server may claim.

    ``path`` is appended to the server's URL; ``decoder_url`` is the provider URL whose
    installed plugin decodes the format (rillet's own decoder); ``plays`` maps each play to
    its request body for a model; ``frame_problems(frames, play)`` checks the
    streamed frames; ``error_problems(body)`` the error body of a bad request.
    """

    name: str
    path: str
    decoder_url: str
    plugin: str
    key_header: Callable[[str], dict[str, str]]
    plays: Callable[[str], dict[str, dict[str, Any]]]
    frame_problems: Callable[[list[tuple[str, str]], str], dict[str, list[str]]]
    error_problems: Callable[[Any], list[str]]


def _chat_plays(model: str) -> dict[str, dict[str, Any]]:
    tool = {"type": "function", "function": {"name": "get_weather", "description": DESCRIPTION, "parameters": CITY}}
    return {
        "text": {"model": model, "messages": [{"role": "user", "content": GREETING}], "stream": True,
                 "stream_options": {"include_usage": True}},
        "tool-call": {"model": model, "messages": [{"role": "user", "content": WEATHER}], "tools": [tool], "stream": True,
                      "stream_options": {"include_usage": True}},
        "bad-request": {"model": model, "messages": "not a list of messages", "stream": True},
    }


def _anthropic_plays(model: str) -> dict[str, dict[str, Any]]:
    tool = {"name": "get_weather", "description": DESCRIPTION, "input_schema": CITY}
    return {
        "text": {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": GREETING}], "stream": True},
        "tool-call": {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": WEATHER}], "tools": [tool],
                      "stream": True},
        "bad-request": {"model": model, "max_tokens": 256, "stream": True},
    }


def _responses_plays(model: str) -> dict[str, dict[str, Any]]:
    tool = {"type": "function", "name": "get_weather", "description": DESCRIPTION, "parameters": CITY}
    return {
        "text": {"model": model, "input": GREETING, "stream": True},
        "tool-call": {"model": model, "input": WEATHER, "tools": [tool], "stream": True},
        "bad-request": {"model": model, "stream": True},
    }


def _error_shape(*fields: str, envelope: bool = False) -> Callable[[Any], list[str]]:
    """The error body must be a JSON object whose ``error`` object has string ``fields``
    (and, with ``envelope``, ``"type": "error"`` at the top, as Anthropic sends)."""

    def problems(body: Any) -> list[str]:
        if not isinstance(body, dict):
            return [f"the error body is not a JSON object: {str(body)[:120]!r}"]
        found = []
        if envelope and body.get("type") != "error":
            found.append(f'the error body\'s "type" is {body.get("type")!r}, not "error"')
        error = body.get("error")
        if not isinstance(error, dict):
            return found + [f'the error body has no "error" object: {str(body)[:120]!r}']
        return found + [f'"error.{name}" is not a string' for name in fields if not isinstance(error.get(name), str)]

    return problems


FORMATS = {
    "openai-chat": ServerFormat(
        "openai-chat", "/v1/chat/completions", "https://api.openai.com/v1/chat/completions", "rillet-openai",
        lambda key: {"Authorization": f"Bearer {key}"}, _chat_plays, chat_problems, _error_shape("message", "type"),
    ),
    "anthropic-messages": ServerFormat(
        "anthropic-messages", "/v1/messages", "https://api.anthropic.com/v1/messages", "rillet-anthropic",
        lambda key: {"x-api-key": key}, _anthropic_plays, anthropic_problems, _error_shape("type", "message", envelope=True),
    ),
    "openai-responses": ServerFormat(
        "openai-responses", "/v1/responses", "https://api.openai.com/v1/responses", "rillet-openai",
        lambda key: {"Authorization": f"Bearer {key}"}, _responses_plays, responses_problems, _error_shape("message", "type"),
    ),
}
