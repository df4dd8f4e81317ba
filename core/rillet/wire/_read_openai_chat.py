"""A Chat Completions request body (``POST /v1/chat/completions``) → a :class:`ClientRequest`.

Reads ``messages`` (``system``/``developer``, ``user``, ``assistant`` with ``tool_calls``
— a Gemini thought signature in ``extra_content`` included —, ``reasoning_content`` and
OpenRouter ``reasoning_details``, ``tool``), ``tools``,
``tool_choice`` (``allowed_tools`` keeps the tools it names), ``max_completion_tokens``/``max_tokens``, ``temperature``, ``top_p``,
``stop``, ``seed``, ``reasoning_effort``, ``stream`` and ``stream_options``. Fields that
steer only OpenAI (``user``, ``metadata``, ``logprobs`` …) are ignored; what rillet
cannot honour (``n`` > 1, a JSON ``response_format``, the legacy ``functions`` and
``function_call``, content parts other than text and a user's ``image_url``) is refused
with an error naming the field.
"""

from __future__ import annotations

from typing import Any

from .._messages import Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart
from .._request import Reasoning, Tool
from ._openai_chat import thought_signature_metadata
from ._read_images import has_image, read_openai_image, user_parts
from ._reading import Body, ClientRequest, bad, call_arguments, chat_request, max_tokens, read_tool, text_content, tools_and_choice

__all__ = ["read_chat_request"]

_EFFORTS = ("minimal", "low", "medium", "high")
_TEXT = ("text",)


def read_chat_request(body: Any) -> ClientRequest:
    """Read a Chat Completions request body (parsed JSON).

    Raises :class:`rillet.InvalidRequestError` naming the first bad field.
    """
    root = Body(body)
    model = root.need("model", str)
    if root.get("n", int, 1) != 1:
        raise bad("n", "only one choice per request is supported; send n: 1 or leave it out")
    response_format = root.body("response_format")
    if response_format is not None and response_format.get("type", str, "text") != "text":
        raise bad("response_format.type", "structured output is not supported yet; leave response_format out")
    for legacy, modern in (("functions", "tools"), ("function_call", "tool_choice")):
        if root.value.get(legacy) is not None:  # an old client's: refused, never silently dropped
            raise bad(legacy, f"the legacy {legacy} field is not supported; send {modern} instead")
    tools, tool_choice = tools_and_choice(root, [_tool(item) for item in root.bodies("tools")], nested="function")
    options = root.body("stream_options")
    effort = root.choice("reasoning_effort", _EFFORTS)
    request = chat_request(
        messages=[_message(item) for item in root.bodies("messages", required=True)],
        tools=tools,
        tool_choice=tool_choice,
        temperature=root.get("temperature", float),
        top_p=root.get("top_p", float),
        max_tokens=max_tokens(root, "max_completion_tokens", "max_tokens"),
        stop=root.stop("stop"),
        seed=root.get("seed", int),
        reasoning=Reasoning(effort=effort) if effort else None,  # type: ignore[arg-type]
    )
    include_usage = bool(options is not None and options.get("include_usage", bool, False))
    return ClientRequest(model, bool(root.get("stream", bool, False)), request, include_usage)


def _message(item: Body) -> Message:
    role = item.choice("role", ("system", "developer", "user", "assistant", "tool"))
    if role is None:
        raise bad(item.at("role"), "is required")
    content = item.value.get("content")
    if role == "user" and has_image(content, "image_url"):
        return Message("user", user_parts(item, "image_url", read_openai_image, _TEXT))
    if role in ("system", "developer", "user"):
        text = text_content(content if content is not None else "", item.at("content"), _TEXT, f"{role} messages")
        return Message("user" if role == "user" else "system", text)
    if role == "tool":
        text = text_content(content if content is not None else "", item.at("content"), _TEXT, "tool messages")
        return Message("tool", [ToolResultPart(call_id=item.need("tool_call_id", str), content=text)])
    parts: list[Any] = _reasoning(item)
    if content is not None:
        text = text_content(content, item.at("content"), (*_TEXT, "refusal"), "assistant messages")
        if text:
            parts.append(TextPart(text=text))
    for call in item.bodies("tool_calls"):
        function = call.body("function")
        if function is None:
            raise bad(call.at("function"), "is required")
        raw = function.get("arguments", str, "")
        parts.append(ToolCallPart(
            call_id=call.need("id", str),
            name=function.need("name", str),
            **call_arguments(raw),
            provider_metadata=thought_signature_metadata(call.value.get("extra_content")),
        ))
    return Message("assistant", parts)


def _reasoning(item: Body) -> list[Any]:
    """An assistant's reasoning: ``reasoning_content`` (or ``reasoning``) text, with the
    signatures and encrypted blobs of OpenRouter's ``reasoning_details``.

    The field it came in and the details themselves are kept in ``provider_metadata``
    (as the Chat Completions decoder keeps them), so they can be sent back as received.
    """
    field = next((name for name in ("reasoning_content", "reasoning") if item.get(name, str)), None)
    text = item.value[field] if field else ""
    signature, parts = None, []
    details = item.bodies("reasoning_details")
    for detail in details:
        kind = detail.get("type", str)
        if kind == "reasoning.encrypted" and detail.get("data", str):
            parts.append(ReasoningPart(redacted=True, data=detail.value["data"]))
        elif detail.get("signature", str):
            signature = (signature or "") + detail.value["signature"]
        if kind == "reasoning.text" and field is None:
            text += detail.get("text", str, "")
    metadata: dict[str, Any] = {}
    if field:
        metadata["reasoning_field"] = field
    if details:
        metadata["reasoning_details"] = [detail.value for detail in details]
    if text or signature or metadata:
        parts.insert(0, ReasoningPart(text=text, signature=signature, provider_metadata=metadata or None))
    return parts


def _tool(item: Body) -> Tool:
    refusal = "only function tools are supported, not {!r}"
    return read_tool(item, kind="function", definition=item.body("function"), schema="parameters", refusal=refusal)
