"""Build OpenAI Responses API requests (``POST {base_url}/responses``) from a ``ChatRequest``.

Conversation messages become Responses *input items*:

* leading ``system`` messages → ``instructions``; a later one → a ``system`` role item;
* ``user`` / ``assistant`` text → ``{"role", "content"}`` message items; a user message
  with images → one item whose content lists ``input_text`` and ``input_image`` parts;
* an assistant ``ToolCallPart`` → a ``function_call`` item (with its ``fc_…`` item id when
  the decoder kept it);
* a ``ToolResultPart`` → a ``function_call_output`` item;
* an assistant ``ReasoningPart`` that came from this API (its ``provider_metadata`` holds
  the reasoning item id) → a ``reasoning`` item, with ``encrypted_content`` when the
  stream carried it. Consecutive parts of one reasoning item (one per summary part) are
  merged back into that item, so multi-turn reasoning + tool calls round-trip.

Reasoning the model produced elsewhere (another provider) has no item id and is left
out: the Responses API accepts only its own reasoning items.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rillet.provider import ConfigurationError, json_post
from rillet.provider import ImagePart, ReasoningPart, TextPart, ToolCallPart, ToolResultPart

if TYPE_CHECKING:
    import httpx

    from rillet.provider import Message
    from rillet.provider import StreamingChatModel
    from rillet.provider import ChatRequest

__all__ = ["METADATA_KEY", "build_responses_body", "build_responses_request", "input_items"]

#: The ``provider_metadata`` key under which the decoder keeps Responses item ids.
METADATA_KEY = "openai"

_CHOICES = ("auto", "none", "required")


def build_responses_request(model: StreamingChatModel, request: ChatRequest) -> httpx.Request:
    """The streaming ``POST {model.base_url}/responses`` request for ``request``.

    The key goes in the ``Authorization: Bearer`` header, never in the URL. Raises
    ``MissingKeyError`` when there is no key and ``ConfigurationError`` for options the
    Responses API does not have (``stop``, ``seed``, a reasoning token budget).
    """
    key = model.require_key()
    headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
    return json_post(model.url("responses"), build_responses_body(model.name, request), headers)


def build_responses_body(model_name: str, request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streaming Responses request; ``request.extra`` is merged last."""
    if request.stop:
        raise ConfigurationError(
            "the OpenAI Responses API has no stop sequences; drop stop= or use the "
            "openai (Chat Completions) provider"
        )
    if request.seed is not None:
        raise ConfigurationError(
            "the OpenAI Responses API has no seed parameter; drop seed= or use the "
            "openai (Chat Completions) provider"
        )
    instructions, items = input_items(request.messages)
    body: dict[str, Any] = {"model": model_name}
    if instructions is not None:
        body["instructions"] = instructions
    body["input"] = items
    if request.tools:
        body["tools"] = [
            {"type": "function", "name": tool.name, "description": tool.description, "parameters": tool.parameters}
            for tool in request.tools
        ]
    if request.tool_choice is not None:
        choice = request.tool_choice
        body["tool_choice"] = choice if choice in _CHOICES else {"type": "function", "name": choice}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_output_tokens"] = request.max_tokens
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.reasoning is not None:
        body["reasoning"] = _reasoning(request)
    body["stream"] = True
    body.update(request.extra)
    return body


def _reasoning(request: ChatRequest) -> dict[str, Any]:
    reasoning = request.reasoning
    assert reasoning is not None
    if reasoning.effort is None and reasoning.budget_tokens is not None:
        raise ConfigurationError(
            "the OpenAI Responses API takes a reasoning effort, not a token budget; "
            "use Reasoning(effort='low'|'medium'|'high')"
        )
    settings: dict[str, Any] = {"summary": "auto"}
    if reasoning.effort is not None:
        settings = {"effort": reasoning.effort, "summary": "auto"}
    return settings


def input_items(messages: list[Message]) -> tuple[str | None, list[dict[str, Any]]]:
    """``(instructions, input items)`` for ``messages``, in conversation order."""
    leading: list[str] = []
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            if not items:
                leading.append(message.text)
            else:
                items.append({"role": "system", "content": message.text})
        elif message.role == "assistant":
            items.extend(_assistant_items(message))
        else:
            items.extend(_user_or_tool_items(message))
    return ("\n\n".join(leading) if leading else None), items


def _user_or_tool_items(message: Message) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    texts: list[str] = []
    for part in message.content:
        if isinstance(part, ToolResultPart):
            if texts:
                items.append({"role": "user", "content": "".join(texts)})
                texts = []
            items.append({"type": "function_call_output", "call_id": part.call_id, "output": part.content})
        elif isinstance(part, TextPart):
            texts.append(part.text)
    if message.images:
        items.append({"role": "user", "content": _input_content(message)})
    elif texts or (not items and message.role == "user"):
        items.append({"role": "user", "content": "".join(texts)})
    return items


def _input_content(message: Message) -> list[dict[str, Any]]:
    """Text and images in order: ``input_text`` and ``input_image`` (a link or a ``data:`` URL)."""
    content: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            content.append({"type": "input_text", "text": part.text})
        elif isinstance(part, ImagePart):
            content.append({"type": "input_image", "image_url": part.as_url()})
    return content


def _assistant_items(message: Message) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    texts: list[str] = []
    reasoning: dict[str, Any] | None = None  # the reasoning item being merged

    def flush_text() -> None:
        if texts:
            items.append({"role": "assistant", "content": "".join(texts)})
            texts.clear()

    for part in message.content:
        if isinstance(part, TextPart):
            texts.append(part.text)
            reasoning = None
        elif isinstance(part, ToolCallPart):
            flush_text()
            reasoning = None
            items.append(_function_call(part))
        elif isinstance(part, ReasoningPart):
            meta = _metadata(part.provider_metadata)
            item_id = meta.get("item_id")
            if not item_id:
                continue  # not reasoning from this API: it cannot be sent back
            flush_text()
            if reasoning is None or reasoning["id"] != item_id:
                reasoning = {"type": "reasoning", "id": item_id, "summary": []}
                items.append(reasoning)
            _merge_reasoning(reasoning, part, meta)
    flush_text()
    return items


def _merge_reasoning(item: dict[str, Any], part: ReasoningPart, meta: dict[str, Any]) -> None:
    if part.text:
        if meta.get("kind") == "reasoning_text":
            item.setdefault("content", []).append({"type": "reasoning_text", "text": part.text})
        else:
            item["summary"].append({"type": "summary_text", "text": part.text})
    encrypted = part.data or part.signature
    if encrypted:
        item["encrypted_content"] = encrypted


def _function_call(part: ToolCallPart) -> dict[str, Any]:
    arguments = part.raw_arguments
    if not arguments:
        arguments = json.dumps(part.arguments if part.arguments is not None else {}, ensure_ascii=False)
    item: dict[str, Any] = {"type": "function_call", "call_id": part.call_id, "name": part.name, "arguments": arguments}
    item_id = _metadata(part.provider_metadata).get("item_id")
    if item_id:
        item["id"] = item_id
    return item


def _metadata(provider_metadata: dict[str, Any] | None) -> dict[str, Any]:
    if not provider_metadata:
        return {}
    meta = provider_metadata.get(METADATA_KEY)
    return meta if isinstance(meta, dict) else {}
