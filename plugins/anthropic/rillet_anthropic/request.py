"""Build the Anthropic Messages API request from a provider-neutral ``ChatRequest``.

https://docs.anthropic.com/en/api/messages — ``POST {base}/v1/messages`` with the key in
``x-api-key`` (never in the URL), ``anthropic-version: 2023-06-01`` and ``stream: true``. An image part becomes an ``image``
block whose ``source`` is ``base64`` (media type and data) or ``url``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rillet.provider import ImagePart, Message, ReasoningPart, ServerToolPart, TextPart, ToolCallPart, ToolResultPart, join_url, json_post, read_tool_arguments

from .decoder import PROVIDER_BLOCK_KEY

if TYPE_CHECKING:
    import httpx

    from rillet.provider import StreamingChatModel
    from rillet.provider import ChatRequest, Reasoning

__all__ = [
    "ANTHROPIC_VERSION",
    "DEFAULT_MAX_TOKENS",
    "EFFORT_BUDGETS",
    "build_body",
    "build_http_request",
    "convert_messages",
    "image_source",
    "messages_url",
    "thinking_config",
    "tool_choice",
]

#: The API version rillet speaks (the ``anthropic-version`` header).
ANTHROPIC_VERSION = "2023-06-01"

#: ``max_tokens`` is required by the API; this is used when the request leaves it unset.
DEFAULT_MAX_TOKENS = 4096

#: Thinking budget (tokens) for each ``Reasoning.effort`` level; the API's minimum is 1024.
EFFORT_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576}


def messages_url(base_url: str) -> str:
    """The Messages endpoint under ``base_url`` (which may or may not end in ``/v1``)."""
    ends_in_v1 = urlsplit(base_url).path.rstrip("/").endswith("/v1")
    return join_url(base_url, "messages" if ends_in_v1 else "v1/messages")


def tool_choice(choice: str) -> dict[str, Any]:
    """Map rillet's ``tool_choice`` to Anthropic's: ``auto``, ``required``/``any`` → ``any``,
    ``none``, or a tool name → ``{"type": "tool", "name": …}``."""
    if choice == "auto":
        return {"type": "auto"}
    if choice in ("required", "any"):
        return {"type": "any"}
    if choice == "none":
        return {"type": "none"}
    return {"type": "tool", "name": choice}


def thinking_config(reasoning: Reasoning) -> dict[str, Any] | None:
    """The ``thinking`` field for ``reasoning`` (``budget_tokens`` wins over ``effort``)."""
    budget = reasoning.budget_tokens
    if budget is None and reasoning.effort is not None:
        budget = EFFORT_BUDGETS[reasoning.effort]
    if budget is None:
        return None
    return {"type": "enabled", "budget_tokens": budget}


def build_body(model_name: str, request: ChatRequest) -> dict[str, Any]:
    """The JSON body for ``request``; ``request.extra`` is merged last, as given."""
    system, messages = convert_messages(request.messages)
    body: dict[str, Any] = {"model": model_name, "messages": messages}
    if system is not None:
        body["system"] = system
    thinking = thinking_config(request.reasoning) if request.reasoning is not None else None
    max_tokens = request.max_tokens
    if max_tokens is None:
        max_tokens = DEFAULT_MAX_TOKENS
        if thinking is not None:  # the API wants max_tokens > budget_tokens
            max_tokens += thinking["budget_tokens"]
    body["max_tokens"] = max_tokens
    if thinking is not None:
        body["thinking"] = thinking
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.stop:
        body["stop_sequences"] = list(request.stop)
    if request.tools:
        body["tools"] = [_tool(tool) for tool in request.tools]
    if request.tool_choice is not None:
        body["tool_choice"] = tool_choice(request.tool_choice)
    # ``seed`` has no Messages API equivalent and is not sent.
    body["stream"] = True
    body.update(request.extra)
    return body


def build_http_request(model: StreamingChatModel, request: ChatRequest) -> httpx.Request:
    """The ``httpx.Request`` that streams ``request`` from ``model``.

    Raises ``MissingKeyError`` when no key is configured.
    """
    key = model.require_key()
    headers = {
        "x-api-key": key,
        "anthropic-version": ANTHROPIC_VERSION,
        "accept": "text/event-stream",
    }
    return json_post(messages_url(model.base_url), build_body(model.name, request), headers)


def convert_messages(messages: list[Message]) -> tuple[str | list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """Split ``messages`` into Anthropic's top-level ``system`` and its ``messages`` list.

    System text goes to ``system`` (a string, or text blocks when there are several);
    ``tool`` messages become ``tool_result`` blocks in a user turn; consecutive turns of the
    same role are merged (parallel tool results must share one user message, results first).
    """
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            system.extend(part.text for part in message.content if isinstance(part, TextPart) and part.text)
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _assistant_blocks(message) if role == "assistant" else _user_blocks(message)
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:
        if turn["role"] == "user":  # tool_result blocks must come first in a user turn
            turn["content"].sort(key=lambda block: block["type"] != "tool_result")
    if not system:
        return None, turns
    if len(system) == 1:
        return system[0], turns
    return [{"type": "text", "text": text} for text in system], turns


def _user_blocks(message: Message) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            if part.text:
                blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart):
            blocks.append({"type": "image", "source": image_source(part)})
        elif isinstance(part, ToolResultPart):
            block: dict[str, Any] = {"type": "tool_result", "tool_use_id": part.call_id, "content": part.content}
            if part.is_error:
                block["is_error"] = True
            blocks.append(block)
    return blocks


def image_source(part: ImagePart) -> dict[str, Any]:
    """An ``image`` block's ``source``: ``base64`` with the media type, or ``url``."""
    if part.url is not None:
        return {"type": "url", "url": part.url}
    return {"type": "base64", "media_type": part.media_type, "data": part.base64()}


def _assistant_blocks(message: Message) -> list[dict[str, Any]]:
    """Assistant parts as content blocks, in order: thinking (with its signature) or
    redacted thinking, text, tool_use. Reasoning without a signature (from another
    provider) cannot be verified by Anthropic and is left out."""
    blocks: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            if part.text:
                text_block: dict[str, Any] = {"type": "text", "text": part.text}
                citations = (part.provider_metadata or {}).get("citations")
                if citations:
                    text_block["citations"] = citations
                blocks.append(text_block)
        elif isinstance(part, ToolCallPart):
            arguments = part.arguments
            if arguments is None:  # arguments that were not JSON are sent back as no arguments
                arguments = read_tool_arguments(part.raw_arguments)[0] or {}
            blocks.append({"type": "tool_use", "id": part.call_id, "name": part.name, "input": arguments})
        elif isinstance(part, ReasoningPart):
            block = _reasoning_block(part)
            if block is not None:
                blocks.append(block)
        elif isinstance(part, ServerToolPart):
            server_block = (part.provider_metadata or {}).get(PROVIDER_BLOCK_KEY)
            if isinstance(server_block, dict):  # another provider's server tools cannot be sent here
                blocks.append(server_block)
    return blocks


def _reasoning_block(part: ReasoningPart) -> dict[str, Any] | None:
    if part.redacted:
        return {"type": "redacted_thinking", "data": part.data or ""}
    if part.signature:
        return {"type": "thinking", "thinking": part.text, "signature": part.signature}
    return None


def _tool(tool: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": tool.name, "input_schema": tool.parameters}
    if tool.description:
        spec["description"] = tool.description
    return spec
