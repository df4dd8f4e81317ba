"""A :class:`rillet.ChatRequest` turned into a Gemini ``streamGenerateContent`` request.

``POST {base}/models/{model}:streamGenerateContent?alt=sse`` with the key in the
``x-goog-api-key`` header — never in the URL, so it cannot leak into logs or cassettes
(https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rillet.provider import ChatRequest, Reasoning, Tool, join_url, json_post

from .contents import build_contents, build_system_instruction

if TYPE_CHECKING:
    import httpx

__all__ = ["THINKING_BUDGETS", "build_body", "build_request", "stream_url"]

#: Thinking budgets (tokens) for ``Reasoning(effort=…)`` on Gemini 2.x models; Gemini 3
#: models get ``thinkingLevel`` instead. ``minimal`` is the smallest budget a Pro model takes.
THINKING_BUDGETS = {"minimal": 128, "low": 1024, "medium": 8192, "high": 24576}

_TOOL_CHOICE = {"auto": "AUTO", "none": "NONE", "required": "ANY"}


def stream_url(base_url: str, model: str) -> str:
    """The streaming endpoint for ``model`` (``gemini-2.5-flash``, ``models/…`` or ``tunedModels/…``)."""
    if model.startswith("models/"):
        model = model[len("models/"):]
    path = model if "/" in model else f"models/{model}"
    return join_url(base_url, f"{quote(path, safe='/-._~')}:streamGenerateContent?alt=sse")


def build_request(model: str, request: ChatRequest, *, base_url: str, key: str) -> httpx.Request:
    """The ``httpx.Request`` that streams ``request`` from ``model``."""
    headers = {"x-goog-api-key": key, "accept": "text/event-stream"}
    return json_post(stream_url(base_url, model), build_body(model, request), headers)


def build_body(model: str, request: ChatRequest) -> dict[str, Any]:
    """The JSON body: contents, systemInstruction, tools, toolConfig, generationConfig, extras."""
    body: dict[str, Any] = {"contents": build_contents(request.messages)}
    system = build_system_instruction(request.messages)
    if system is not None:
        body["systemInstruction"] = system
    if request.tools:
        body["tools"] = [{"functionDeclarations": [_declaration(tool) for tool in request.tools]}]
    if request.tool_choice is not None:
        body["toolConfig"] = {"functionCallingConfig": _calling_config(request.tool_choice)}
    config = _generation_config(model, request)
    if config:
        body["generationConfig"] = config
    if request.extra:
        _merge(body, request.extra)
    return body


def _declaration(tool: Tool) -> dict[str, Any]:
    # parametersJsonSchema takes JSON Schema as is (additionalProperties, $defs …), unlike
    # ``parameters``, which accepts only Google's OpenAPI subset.
    declaration: dict[str, Any] = {"name": tool.name, "parametersJsonSchema": tool.parameters}
    if tool.description:
        declaration["description"] = tool.description
    return declaration


def _calling_config(choice: str) -> dict[str, Any]:
    mode = _TOOL_CHOICE.get(choice)
    if mode is not None:
        return {"mode": mode}
    return {"mode": "ANY", "allowedFunctionNames": [choice]}


def _generation_config(model: str, request: ChatRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.max_tokens is not None:
        config["maxOutputTokens"] = request.max_tokens
    if request.top_p is not None:
        config["topP"] = request.top_p
    if request.stop:
        config["stopSequences"] = list(request.stop)
    if request.seed is not None:
        config["seed"] = request.seed
    if request.reasoning is not None:
        config["thinkingConfig"] = _thinking_config(model, request.reasoning)
    return config


def _thinking_config(model: str, reasoning: Reasoning) -> dict[str, Any]:
    thinking: dict[str, Any] = {"includeThoughts": True}
    if reasoning.budget_tokens is not None:
        thinking["thinkingBudget"] = reasoning.budget_tokens
    elif reasoning.effort is not None:
        if model.removeprefix("models/").startswith("gemini-3"):
            thinking["thinkingLevel"] = reasoning.effort
        else:
            thinking["thinkingBudget"] = THINKING_BUDGETS[reasoning.effort]
    return thinking


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    """Merge ``extra`` into ``target``; nested objects (``generationConfig`` …) merge key by key."""
    for name, value in extra.items():
        current = target.get(name)
        if isinstance(current, dict) and isinstance(value, dict):
            merged = dict(current)
            _merge(merged, value)
            target[name] = merged
        else:
            target[name] = value
