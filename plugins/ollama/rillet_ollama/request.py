"""``ChatRequest`` → ``POST {base}/api/chat`` with ``stream: true``.

Wire format: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion

Where ``ChatRequest`` fields go:

* ``temperature``, ``top_p``, ``stop``, ``seed`` → ``options`` under the same names;
  ``max_tokens`` → ``options.num_predict``.
* ``reasoning`` → top-level ``think``: ``true``; the effort level (``"low"``, ``"medium"``,
  ``"high"``; ``minimal`` is sent as ``low``) for models that take a level rather than a
  switch (gpt-oss); ``false`` for ``budget_tokens=0``. Ollama has no thinking budget.
* ``tools`` → ``tools`` as ``{"type": "function", "function": {…}}``. Ollama has no
  ``tool_choice``: ``"none"`` is honoured by not sending the tools; other values cannot
  be expressed and are ignored.
* ``extra``: a key that is one of Ollama's model options (``num_ctx``, ``top_k``,
  ``min_p``, ``repeat_penalty`` … see :data:`OPTION_NAMES`) goes into ``options``; an
  ``options`` mapping is merged into ``options``; any other key (``format``,
  ``keep_alive``, ``think``, ``stream`` …) is a top-level body field and overrides what
  rillet set. This lets ``model.stream_tokens(prompt, num_ctx=8192, keep_alive="10m")``
  do the obvious thing.

Messages: text parts are joined into ``content``; an assistant's reasoning goes back as
``thinking`` and its calls as ``tool_calls`` (``arguments`` as an object, the call ``id``
kept); each tool result becomes a ``role: "tool"`` message with ``tool_name`` (taken from
the result, or from the call it answers) and ``tool_call_id``. A failed tool result is
prefixed with ``Error: `` — Ollama has no error flag. Image parts go in the message's
``images`` list as base64; Ollama takes no image links (``ConfigurationError``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rillet.provider import ConfigurationError, ImagePart, Message, ReasoningPart, TextPart, ToolCallPart, ToolResultPart, join_url, json_post

if TYPE_CHECKING:
    import httpx

    from rillet.provider import ChatRequest, Reasoning

__all__ = ["LEVEL_MODELS", "OPTION_NAMES", "build_body", "build_request", "convert_messages", "think_value"]

#: Ollama model options (``options`` in the request body), from its Modelfile parameters and
#: ``api.Options``/``api.Runner``.
OPTION_NAMES = frozenset(
    {
        "num_keep", "seed", "num_predict", "top_k", "top_p", "min_p", "typical_p", "tfs_z",
        "repeat_last_n", "temperature", "repeat_penalty", "presence_penalty",
        "frequency_penalty", "mirostat", "mirostat_tau", "mirostat_eta", "penalize_newline",
        "stop", "numa", "num_ctx", "num_batch", "num_gpu", "main_gpu", "low_vram", "f16_kv",
        "logits_all", "vocab_only", "use_mmap", "use_mlock", "num_thread",
    }
)

#: Model families whose ``think`` takes a level (``"low"``/``"medium"``/``"high"``), not a switch.
LEVEL_MODELS: tuple[str, ...] = ("gpt-oss",)

_LEVELS = {"minimal": "low", "low": "low", "medium": "medium", "high": "high"}


def _model_family(model: str) -> str:
    name = model.rsplit("/", 1)[-1]  # drop a namespace or registry: library/gpt-oss, hf.co/x/y
    return name.split(":", 1)[0].lower()


def think_value(model: str, reasoning: Reasoning | None) -> bool | str | None:
    """Ollama's ``think`` for ``reasoning``; ``None`` leaves the model's default."""
    if reasoning is None:
        return None
    if reasoning.budget_tokens == 0:
        return False
    if reasoning.effort and _model_family(model).startswith(LEVEL_MODELS):
        return _LEVELS[reasoning.effort]
    if _model_family(model).startswith(LEVEL_MODELS):
        return "medium"  # these models reject a boolean `think: true`
    return True


def _arguments_object(part: ToolCallPart) -> Any:
    if isinstance(part.arguments, dict):
        return part.arguments
    try:
        parsed = json.loads(part.raw_arguments) if part.raw_arguments.strip() else {}
    except ValueError:
        parsed = None
    return parsed if isinstance(parsed, dict) else {}


def _tool_names(messages: list[Message]) -> dict[str, str]:
    return {
        part.call_id: part.name
        for message in messages
        for part in message.content
        if isinstance(part, ToolCallPart)
    }


def convert_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """rillet messages → Ollama ``messages``."""
    names = _tool_names(messages)
    converted: list[dict[str, Any]] = []
    for message in messages:
        text: list[str] = []
        thinking: list[str] = []
        calls: list[dict[str, Any]] = []
        results: list[dict[str, Any]] = []
        images: list[str] = []
        for part in message.content:
            if isinstance(part, TextPart):
                text.append(part.text)
            elif isinstance(part, ImagePart):
                images.append(_image_base64(part))
            elif isinstance(part, ReasoningPart):
                thinking.append(part.text)
            elif isinstance(part, ToolCallPart):
                function = {"index": len(calls), "name": part.name, "arguments": _arguments_object(part)}
                calls.append({"id": part.call_id, "function": function})
            elif isinstance(part, ToolResultPart):
                results.append(_tool_result(part, names))
        if text or thinking or calls or images or not results:
            entry: dict[str, Any] = {"role": message.role if message.role != "tool" else "user"}
            entry["content"] = "".join(text)
            if thinking and message.role == "assistant":
                entry["thinking"] = "".join(thinking)
            if calls:
                entry["tool_calls"] = calls
            if images:
                entry["images"] = images
            converted.append(entry)
        converted.extend(results)
    return converted


def _image_base64(part: ImagePart) -> str:
    """An image for a message's ``images`` list: Ollama takes base64 bytes only, never a link."""
    if part.url is not None:
        raise ConfigurationError(
            f"Ollama takes image bytes, not links: download {part.url[:80]!r} and pass the file "
            f"(ImagePart.from_path, or `rillet chat -a FILE`)"
        )
    return part.base64()


def _tool_result(part: ToolResultPart, names: dict[str, str]) -> dict[str, Any]:
    content = f"Error: {part.content}" if part.is_error else part.content
    entry: dict[str, Any] = {"role": "tool", "content": content}
    name = part.name or names.get(part.call_id)
    if name:
        entry["tool_name"] = name
    if part.call_id:
        entry["tool_call_id"] = part.call_id
    return entry


def build_body(model: str, request: ChatRequest) -> dict[str, Any]:
    """The JSON body of ``POST /api/chat`` for ``request`` to ``model``."""
    body: dict[str, Any] = {"model": model, "messages": convert_messages(request.messages), "stream": True}
    if request.tools and request.tool_choice != "none":
        body["tools"] = [
            {
                "type": "function",
                "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
            }
            for tool in request.tools
        ]
    options: dict[str, Any] = {}
    for name, value in (
        ("temperature", request.temperature),
        ("num_predict", request.max_tokens),
        ("top_p", request.top_p),
        ("stop", request.stop),
        ("seed", request.seed),
    ):
        if value is not None:
            options[name] = value
    think = think_value(model, request.reasoning)
    if think is not None:
        body["think"] = think
    for key, value in request.extra.items():
        if key == "options" and isinstance(value, dict):
            options.update(value)
        elif key in OPTION_NAMES:
            options[key] = value
        else:
            body[key] = value
    if options:
        body["options"] = options
    return body


def build_request(model: str, request: ChatRequest, *, base_url: str, key: str | None = None) -> httpx.Request:
    """The ``httpx.Request`` that streams ``request`` from the Ollama server at ``base_url``.

    ``key`` (optional: a local server needs none) is sent as a bearer token, for Ollama
    behind an authenticating proxy or ollama.com.
    """
    headers = {"Accept": "application/x-ndjson"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return json_post(join_url(base_url, "api/chat"), build_body(model, request), headers)
