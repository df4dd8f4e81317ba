"""An Anthropic Messages request body (``POST /v1/messages``) → a :class:`ClientRequest`.

Reads ``system`` (a string or text blocks), ``messages`` (``text``, ``thinking`` with its
``signature``, ``redacted_thinking``, ``tool_use`` and ``tool_result`` blocks; a user
turn's tool results become rillet ``tool`` messages before its text), ``tools``,
``tool_choice``, ``max_tokens``, ``temperature``, ``top_p``, ``stop_sequences``,
``thinking`` and ``stream``. ``metadata``, ``top_k`` and ``cache_control`` marks are
ignored; a user's ``image`` blocks become image parts; documents, server tools and
structured output (``output_format``, ``output_config.format``) are refused with an
error naming the field.
"""

from __future__ import annotations

import json
from typing import Any

from .._messages import Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from .._request import Reasoning, Tool
from ._read_images import read_anthropic_image
from ._reading import Body, ClientRequest, append_part, bad, chat_request, max_tokens, read_tool, text_content

__all__ = ["read_anthropic_request"]

_TEXT = ("text",)


def read_anthropic_request(body: Any) -> ClientRequest:
    """Read an Anthropic Messages request body (parsed JSON).

    Raises :class:`rillet.InvalidRequestError` naming the first bad field.
    """
    root = Body(body)
    model = root.need("model", str)
    output_config = root.body("output_config")
    formats = {"output_format": root.value.get("output_format"), "output_config.format": output_config and output_config.value.get("format")}
    for field, value in formats.items():
        if value is not None:  # refused as the OpenAI formats refuse it, never silently dropped
            raise bad(field, f"structured output is not supported yet; leave {field} out")
    messages: list[Message] = []
    system = root.value.get("system")
    if system is not None:
        messages.append(Message.system(text_content(system, "system", _TEXT, "the system prompt")))
    for item in root.bodies("messages", required=True):
        _message(item, messages)
    request = chat_request(
        messages=messages,
        tools=[_tool(item) for item in root.bodies("tools")],
        tool_choice=_tool_choice(root.body("tool_choice")),
        temperature=root.get("temperature", float),
        top_p=root.get("top_p", float),
        max_tokens=max_tokens(root, "max_tokens"),
        stop=root.stop("stop_sequences"),
        reasoning=_thinking(root.body("thinking")),
    )
    return ClientRequest(model, bool(root.get("stream", bool, False)), request)


def _message(item: Body, messages: list[Message]) -> None:
    role = item.choice("role", ("user", "assistant"))
    if role is None:
        raise bad(item.at("role"), "is required")
    content = item.value.get("content")
    if isinstance(content, str):
        messages.append(Message.user(content) if role == "user" else Message.assistant(content))
        return
    blocks = item.bodies("content", required=True)
    if role == "assistant":
        messages.append(Message("assistant", [_assistant_block(block) for block in blocks]))
        return
    parts: list[Any] = []
    for block in blocks:
        kind = block.need("type", str)
        if kind == "tool_result":
            append_part(messages, "tool", _tool_result(block))
        elif kind == "text":
            parts.append(TextPart(text=block.need("text", str)))
        elif kind == "image":
            parts.append(read_anthropic_image(block))
        else:
            raise bad(block.at("type"), f"{kind!r} blocks are not supported in user messages; send text, image or tool_result")
    if parts:
        messages.append(Message("user", _joined_text(parts)))


def _joined_text(parts: list[Any]) -> list[Any]:
    """Adjacent text blocks joined into one part (as one user text always was)."""
    joined: list[Any] = []
    for part in parts:
        if isinstance(part, TextPart) and joined and isinstance(joined[-1], TextPart):
            joined[-1] = TextPart(text=joined[-1].text + part.text)
        else:
            joined.append(part)
    return joined


def _assistant_block(block: Body) -> Any:
    kind = block.need("type", str)
    if kind == "text":
        return TextPart(text=block.need("text", str))
    if kind == "thinking":
        return ReasoningPart(text=block.get("thinking", str, ""), signature=block.get("signature", str) or None)
    if kind == "redacted_thinking":
        return ReasoningPart(redacted=True, data=block.need("data", str))
    if kind == "tool_use":
        arguments = block.get("input", dict, {})
        return ToolCallPart(
            call_id=block.need("id", str),
            name=block.need("name", str),
            arguments=arguments,
            raw_arguments=json.dumps(arguments, ensure_ascii=False),
        )
    raise bad(block.at("type"), f"{kind!r} blocks are not supported in assistant messages")


def _tool_result(block: Body) -> ToolResultPart:
    content = block.value.get("content")
    text = text_content(content if content is not None else "", block.at("content"), _TEXT, "tool results")
    return ToolResultPart(call_id=block.need("tool_use_id", str), content=text, is_error=bool(block.get("is_error", bool, False)))


def _tool(item: Body) -> Tool:
    refusal = "server tools ({!r}) are not supported; declare client tools with input_schema"
    return read_tool(item, kind="custom", definition=item, schema="input_schema", refusal=refusal)


def _tool_choice(choice: Body | None) -> str | None:
    if choice is None:
        return None
    kind = choice.choice("type", ("auto", "any", "none", "tool"))
    if kind == "tool":
        return str(choice.need("name", str))
    return {"any": "required", None: None}.get(kind, kind)


def _thinking(thinking: Body | None) -> Reasoning | None:
    if thinking is None or thinking.choice("type", ("enabled", "disabled", "adaptive", "between_tools")) != "enabled":
        return None
    return Reasoning(budget_tokens=thinking.need("budget_tokens", int))
