"""Build the Chat Completions request (``POST {base_url}/chat/completions``) from a ``ChatRequest``.

Decisions, documented in the README:

* ``max_tokens`` is sent as ``max_completion_tokens`` to api.openai.com (the reasoning
  models reject ``max_tokens``) and as ``max_tokens`` to every other server (DeepSeek,
  Ollama, older vLLM only know that one). Put either name in ``extra`` to force it.
* ``Reasoning.effort`` becomes ``reasoning_effort``; ``Reasoning.budget_tokens`` has no Chat
  Completions field and is not sent (OpenRouter: ``extra={"reasoning": {"max_tokens": N}}``).
* Reasoning parts of earlier assistant turns: OpenRouter ``reasoning_details`` are sent back
  whenever the part carries them; plain reasoning text is sent back in the field it came in
  (``reasoning_content`` / ``reasoning``) only on assistant messages that also carry tool
  calls — DeepSeek's thinking mode requires exactly that and ignores it elsewhere, and
  api.openai.com never returns reasoning text, so nothing is sent to it.
* Image parts turn a message's ``content`` into a list of ``text`` and ``image_url`` parts
  (the image's link, or its bytes as a ``data:`` URL); messages without images keep plain
  string content, which every compatible server takes.
* ``stream: true`` and ``stream_options.include_usage: true`` always; ``request.extra`` is
  merged last, so it can override anything (``{"stream_options": None}`` drops the key for
  servers that reject it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

    from rillet.provider import Message
    from rillet.provider import StreamingChatModel
    from rillet.provider import ChatRequest

__all__ = ["build_chat_body", "build_chat_request", "chat_headers", "is_openai_host", "messages_to_wire"]

OPENAI_HOST = "api.openai.com"


def is_openai_host(base_url: str) -> bool:
    """Whether ``base_url`` is OpenAI's own API (not a compatible server)."""
    return (urlsplit(base_url).hostname or "").lower() == OPENAI_HOST


def chat_headers(model: StreamingChatModel) -> dict[str, str]:
    """Request headers: the key goes in ``Authorization``, never in the URL.

    api.openai.com always needs a key (``MissingKeyError`` otherwise), and so does a preset
    that names a key variable (``deepseek``: ``DEEPSEEK_API_KEY``). Any other base URL is
    taken to be a compatible server that may run without one (a local vLLM or Ollama): the
    header is sent only when a key is configured.
    """
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    preset_needs_key = model.provider != "openai" and model.info.needs_key  # deepseek, groq …: their key variable
    key = model.require_key() if preset_needs_key or is_openai_host(model.base_url) else model.key
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def build_chat_body(model_name: str, request: ChatRequest, *, openai_host: bool = True) -> dict[str, Any]:
    """The JSON body for ``request``; ``openai_host`` picks the max-tokens field name."""
    body: dict[str, Any] = {"model": model_name, "messages": messages_to_wire(request.messages)}
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
            }
            for tool in request.tools
        ]
    choice = request.tool_choice
    if choice is not None:
        if choice in ("auto", "none", "required"):
            body["tool_choice"] = choice
        else:  # a tool name: force that tool
            body["tool_choice"] = {"type": "function", "function": {"name": choice}}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_completion_tokens" if openai_host else "max_tokens"] = request.max_tokens
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop:
        body["stop"] = list(request.stop)
    if request.seed is not None:
        body["seed"] = request.seed
    if request.reasoning is not None and request.reasoning.effort is not None:
        body["reasoning_effort"] = request.reasoning.effort
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    for key, value in request.extra.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def build_chat_request(model: StreamingChatModel, request: ChatRequest) -> httpx.Request:
    """The ``httpx.Request`` streaming ``request`` from ``model``."""
    from rillet.provider import join_url, json_post

    base_url = model.base_url
    body = build_chat_body(model.name, request, openai_host=is_openai_host(base_url))
    return json_post(join_url(base_url, "chat/completions"), body, chat_headers(model))


def messages_to_wire(messages: list[Message]) -> list[dict[str, Any]]:
    """Chat Completions ``messages`` from rillet messages (tool results become ``tool`` messages)."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "assistant":
            wire.append(_assistant(message))
            continue
        texts: list[str] = []
        for part in message.content:
            if part.type == "text":
                texts.append(part.text)
            elif part.type == "tool_result":
                wire.append({"role": "tool", "tool_call_id": part.call_id, "content": part.content})
        images = message.images
        if texts or images or message.role in ("system", "user"):
            role = "user" if message.role == "tool" else message.role
            wire.append({"role": role, "content": _content_parts(message) if images else "".join(texts)})
    return wire


def _content_parts(message: Message) -> list[dict[str, Any]]:
    """Text and images in order, as content parts (``image_url`` holds a link or a ``data:`` URL)."""
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if part.type == "text":
            parts.append({"type": "text", "text": part.text})
        elif part.type == "image":
            parts.append({"type": "image_url", "image_url": {"url": part.as_url()}})
    return parts


def _assistant(message: Message) -> dict[str, Any]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    reasoning: dict[str, list[str]] = {}
    details: list[Any] = []
    for part in message.content:
        if part.type == "text":
            texts.append(part.text)
        elif part.type == "tool_call":
            arguments = part.raw_arguments or json.dumps(part.arguments if part.arguments is not None else {})
            calls.append({"id": part.call_id, "type": "function", "function": {"name": part.name, "arguments": arguments}})
        elif part.type == "reasoning":
            metadata = part.provider_metadata or {}
            field = metadata.get("reasoning_field")
            if field in ("reasoning_content", "reasoning") and part.text:
                reasoning.setdefault(field, []).append(part.text)
            if isinstance(metadata.get("reasoning_details"), list):
                details.extend(metadata["reasoning_details"])
    entry: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if calls:
        entry["tool_calls"] = calls
        for field, chunks in reasoning.items():
            entry[field] = "".join(chunks)
    if details:
        entry["reasoning_details"] = details
    return entry
