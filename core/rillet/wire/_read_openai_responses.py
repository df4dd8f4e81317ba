"""An OpenAI Responses request body (``POST /v1/responses``) → a :class:`ClientRequest`.

Reads ``instructions``, ``input`` (a string, or items: messages with ``input_text`` /
``output_text`` parts and a user's ``input_image`` parts, ``function_call``, ``function_call_output`` and ``reasoning`` items
— the assistant-side items of a turn join one assistant message), ``tools`` (function
tools), ``tool_choice``, ``max_output_tokens``, ``temperature``, ``top_p``,
``reasoning.effort``, ``stream`` and ``previous_response_id`` (kept on the
:class:`ClientRequest`: the server that reads it supplies the history). A JSON
``text.format`` (structured output) is refused: rillet cannot honour it yet.
"""

from __future__ import annotations

from typing import Any

from .._messages import Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from .._request import Reasoning, Tool
from ._read_images import has_image, read_responses_image, user_parts
from ._reading import (
    Body,
    ClientRequest,
    append_part,
    bad,
    call_arguments,
    chat_request,
    max_tokens,
    read_tool,
    text_content,
    tools_and_choice,
)

__all__ = ["read_responses_request"]

_TEXT = ("input_text", "output_text", "text", "refusal")
_ROLES = ("user", "system", "developer", "assistant")
#: The key of ``provider_metadata`` under which OpenAI reasoning items keep their id.
_OPENAI = "openai"


def read_responses_request(body: Any) -> ClientRequest:
    """Read an OpenAI Responses request body (parsed JSON).

    Raises :class:`rillet.InvalidRequestError` naming the first bad field.
    """
    root = Body(body)
    model = root.need("model", str)
    previous_response_id = root.get("previous_response_id", str) or None
    text = root.body("text")
    text_format = text.body("format") if text is not None else None
    if text_format is not None and text_format.get("type", str, "text") != "text":
        raise bad("text.format.type", "structured output is not supported yet; leave text.format out")
    messages: list[Message] = []
    instructions = root.get("instructions", str)
    if instructions:
        messages.append(Message.system(instructions))
    given = root.value.get("input")
    if isinstance(given, str):
        messages.append(Message.user(given))
    else:
        for item in root.bodies("input", required=True):
            _item(item, messages)
    reasoning = root.body("reasoning")
    effort = reasoning.choice("effort", ("minimal", "low", "medium", "high")) if reasoning is not None else None
    tools, tool_choice = tools_and_choice(root, [_tool(item) for item in root.bodies("tools")])
    request = chat_request(
        messages=messages,
        tools=tools,
        tool_choice=tool_choice,
        temperature=root.get("temperature", float),
        top_p=root.get("top_p", float),
        max_tokens=max_tokens(root, "max_output_tokens"),
        reasoning=Reasoning(effort=effort) if effort else None,  # type: ignore[arg-type]
    )
    return ClientRequest(model, bool(root.get("stream", bool, False)), request, previous_response_id=previous_response_id)


def _item(item: Body, messages: list[Message]) -> None:
    kind = item.get("type", str, "message")
    if kind == "message":
        role = item.choice("role", _ROLES)
        if role is None:
            raise bad(item.at("role"), "is required")
        content = item.value.get("content", "")
        if role == "user" and has_image(content, "input_image"):
            messages.append(Message("user", user_parts(item, "input_image", read_responses_image, _TEXT)))
            return
        text = text_content(content, item.at("content"), _TEXT, f"{role} messages")
        if role == "assistant":
            append_part(messages, "assistant", TextPart(text=text))
        else:
            messages.append(Message("user" if role == "user" else "system", text))
    elif kind == "function_call":
        raw = item.need("arguments", str)
        append_part(messages, "assistant", ToolCallPart(
            call_id=item.need("call_id", str),
            name=item.need("name", str),
            **call_arguments(raw),
            provider_metadata={_OPENAI: {"item_id": item.value["id"]}} if item.get("id", str) else None,
        ))
    elif kind == "function_call_output":
        output = text_content(item.value.get("output", ""), item.at("output"), _TEXT, "function call outputs")
        append_part(messages, "tool", ToolResultPart(call_id=item.need("call_id", str), content=output))
    elif kind == "reasoning":
        _reasoning(item, messages)
    else:
        raise bad(item.at("type"), f"{kind!r} items are not supported; send messages, function calls and their outputs")


def _reasoning(item: Body, messages: list[Message]) -> None:
    """A reasoning item: one part per summary (or ``reasoning_text``) part, the item id and
    the part's place kept in ``provider_metadata`` as the Responses decoder keeps them, and
    the ``encrypted_content`` on the first part so the item can be sent back whole."""
    item_id = item.get("id", str)
    encrypted = item.get("encrypted_content", str)
    texts = [("summary", part) for part in item.bodies("summary")]
    texts += [("reasoning_text", part) for part in item.bodies("content")]
    if not texts:
        meta = {"item_id": item_id, "kind": "summary", "part_index": 0} if item_id else None
        part = ReasoningPart(redacted=bool(encrypted), data=encrypted, provider_metadata={_OPENAI: meta} if meta else None)
        append_part(messages, "assistant", part)
        return
    for position, (kind, text_part) in enumerate(texts):
        number = position if kind == "summary" else position - len(item.value.get("summary") or [])
        meta = {"item_id": item_id, "kind": kind, "part_index": number} if item_id else None
        append_part(messages, "assistant", ReasoningPart(
            text=text_part.need("text", str),
            data=encrypted if position == 0 else None,
            provider_metadata={_OPENAI: meta} if meta else None,
        ))


def _tool(item: Body) -> Tool:
    refusal = "only function tools are supported, not {!r}"
    return read_tool(item, kind="function", definition=item, schema="parameters", refusal=refusal)
