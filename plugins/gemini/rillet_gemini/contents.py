"""rillet messages converted to Gemini ``contents`` and ``systemInstruction``.

https://ai.google.dev/api/caching#Content and
https://ai.google.dev/gemini-api/docs/thought-signatures. Roles: ``user`` and ``model``;
tool results are ``functionResponse`` parts of a ``user`` turn. Adjacent turns of the same
role are merged, so the results of parallel calls travel in one turn as Gemini expects.
An image part becomes ``inlineData`` (base64 bytes) or ``fileData`` (a link), with its
``mimeType``.

Reasoning goes back the way the decoder kept it: a ``ReasoningPart`` with text becomes a
``thought: true`` part; its ``signature`` (when it is Gemini's, i.e. the part carries
``provider_metadata["gemini"]``) goes on the thought part itself if it came that way,
else on the part that follows it — or on an empty text part when nothing follows, which
is how Gemini sends it. A tool call's own signature (``provider_metadata["gemini"]
["thought_signature"]``) goes on its ``functionCall`` part.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from rillet.provider import LocalProtocolError
from rillet.provider import ImagePart, Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart

from .decoder import METADATA_KEY

__all__ = ["build_contents", "build_system_instruction"]


def build_system_instruction(messages: Sequence[Message]) -> dict[str, Any] | None:
    """``systemInstruction`` from the system messages (one text part each), or ``None``."""
    parts = [{"text": message.text} for message in messages if message.role == "system" and message.text]
    return {"parts": parts} if parts else None


def build_contents(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """The ``contents`` list for every non-system message, in order."""
    names = _call_names(messages)
    contents: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        role = "model" if message.role == "assistant" else "user"
        parts = _model_parts(message) if role == "model" else _user_parts(message, names)
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    return contents


def _call_names(messages: Sequence[Message]) -> dict[str, str]:
    """Tool names by call id, from the assistant messages (a result needs its call's name)."""
    return {
        part.call_id: part.name
        for message in messages
        if message.role == "assistant"
        for part in message.content
        if isinstance(part, ToolCallPart)
    }


def _user_parts(message: Message, names: dict[str, str]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, TextPart):
            parts.append({"text": part.text})
        elif isinstance(part, ImagePart):
            parts.append(image_part(part))
        elif isinstance(part, ToolResultPart):
            parts.append({"functionResponse": _function_response(part, names)})
        # Reasoning and tool calls only belong to assistant messages; ignored elsewhere.
    return parts


def image_part(part: ImagePart) -> dict[str, Any]:
    """An image as a Gemini part: ``inlineData`` (base64 bytes) or ``fileData`` (a URI), with its MIME type."""
    if part.url is not None:
        return {"fileData": {"mimeType": part.media_type, "fileUri": part.url}}
    return {"inlineData": {"mimeType": part.media_type, "data": part.base64()}}


def _function_response(part: ToolResultPart, names: dict[str, str]) -> dict[str, Any]:
    name = part.name or names.get(part.call_id)
    if not name:
        raise LocalProtocolError(
            f"the tool result for call {part.call_id!r} has no name and no earlier assistant tool call "
            "has that id; Gemini needs the function name: pass ToolResultPart(name=...)"
        )
    value = _json_or_text(part.content)
    return {"id": part.call_id, "name": name, "response": {"error" if part.is_error else "output": value}}


def _json_or_text(content: str) -> Any:
    """A JSON result is sent as structured data; anything else as the string."""
    stripped = content.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    return content


def _model_parts(message: Message) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    carried: str | None = None  # a signature waiting for the next part
    for part in message.content:
        if isinstance(part, ReasoningPart):
            metadata = (part.provider_metadata or {}).get(METADATA_KEY)
            signature = part.signature if isinstance(metadata, dict) else None
            on_thought = isinstance(metadata, dict) and bool(signature) and metadata.get("signature_on") == "thought"
            if part.text and not part.redacted:
                thought: dict[str, Any] = {"text": part.text, "thought": True}
                if on_thought:
                    thought["thoughtSignature"] = signature
                parts.append(thought)
            if signature and not on_thought:
                if carried:
                    parts.append({"text": "", "thoughtSignature": carried})
                carried = signature
            continue
        if isinstance(part, TextPart):
            if not part.text and not carried:
                continue  # Gemini rejects an empty text part that carries nothing
            wire: dict[str, Any] = {"text": part.text}
        elif isinstance(part, ToolCallPart):
            wire = {"functionCall": _function_call(part)}
            own = ((part.provider_metadata or {}).get(METADATA_KEY) or {}).get("thought_signature")
            if own:
                if carried:
                    parts.append({"text": "", "thoughtSignature": carried})
                carried = own
        else:
            continue
        if carried:
            wire["thoughtSignature"] = carried
            carried = None
        parts.append(wire)
    if carried:
        parts.append({"text": "", "thoughtSignature": carried})
    return parts


def _function_call(part: ToolCallPart) -> dict[str, Any]:
    arguments = part.arguments
    if arguments is None:
        raw = part.raw_arguments.strip()
        try:
            arguments = json.loads(raw) if raw else {}
        except ValueError:
            raise LocalProtocolError(
                f"tool call {part.call_id!r} has arguments that are not JSON: {raw[:200]!r}"
            ) from None
    return {"id": part.call_id, "name": part.name, "args": arguments}
