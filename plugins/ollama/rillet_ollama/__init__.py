"""rillet-ollama: stream chat completions from a local Ollama server.

The plugin speaks Ollama's native API: ``POST /api/chat`` with ``stream: true`` answers
newline-delimited JSON, one object per line, the last one with ``done: true``. Models are
read live from ``GET /api/tags``; no key is needed.

This module stays light (``rillet providers`` imports it): the request builder, the
decoder and httpx are imported inside the hooks that use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dataclasses import replace

from rillet.provider import Capabilities, ProviderInfo
from rillet.provider import hookimpl

if TYPE_CHECKING:
    from rillet.provider import ChatRequest, Decoder, StreamingChatModel, TokenStream

__all__ = [
    "DEFAULT_BASE_URL",
    "PROVIDER",
    "VISION_MODEL_PATTERNS",
    "rillet_list_models",
    "rillet_providers",
    "rillet_replay_decoder",
    "stream_tokens",
]

#: Where a local ``ollama serve`` listens unless ``OLLAMA_HOST`` says otherwise.
DEFAULT_BASE_URL = "http://localhost:11434"

_TEXT_MODELS = Capabilities(tools=True, parallel_tools=True, reasoning=True, usage_in_stream=True)
_VISION_MODELS = replace(_TEXT_MODELS, vision=True)

#: The model families Ollama's library lists as taking images (``llava:13b`` matches
#: ``llava*``); every other model is taken to read text only.
VISION_MODEL_PATTERNS = (
    "llava*",
    "bakllava*",
    "*vision*",
    "gemma3*",
    "qwen2.5vl*",
    "qwen3-vl*",
    "minicpm-v*",
    "moondream*",
    "llama4*",
    "mistral-small3.1*",
    "mistral-small3.2*",
)

#: The provider this plugin serves. ``models`` is empty: the list is read live from the server.
PROVIDER = ProviderInfo(
    name="ollama",
    description="Local models served by Ollama (ollama serve); no key needed",
    models=(),
    key_env_var=None,
    default_base_url=DEFAULT_BASE_URL,
    base_url_env_var="OLLAMA_HOST",
    capabilities=_TEXT_MODELS,
    model_capabilities={pattern: _VISION_MODELS for pattern in VISION_MODEL_PATTERNS},
)


@hookimpl
def rillet_providers() -> list[ProviderInfo]:
    """rillet-ollama serves the ``ollama`` provider."""
    return [PROVIDER]


@hookimpl
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Stream ``request`` from an Ollama server when ``model.provider`` is ``ollama``."""
    if model.provider != PROVIDER.name:
        return None
    from rillet.provider import TokenStream

    from .base_url import model_base_url
    from .decoder import OllamaDecoder
    from .request import build_request

    http_request = build_request(model.name, request, base_url=model_base_url(model), key=model.key)
    name = model.name
    return TokenStream(model, http_request, lambda: OllamaDecoder(model=name))


@hookimpl
def rillet_replay_decoder(method: str, url: str, request_body: Any, provider: str | None = None) -> Decoder | None:
    """A decoder for recorded ``POST …/api/chat`` and ``POST …/api/generate`` exchanges
    (query string allowed) sent to an Ollama server: ``provider`` is ``ollama`` (rillet
    matched the host, or ``--provider ollama``), or the URL is on Ollama's port 11434 or at
    ollama.com. Other servers use the same paths, so the path alone claims nothing. A raw
    body (no URL) with ``provider="ollama"`` is read as ``/api/chat`` lines. A
    non-streaming answer (``stream: false``) is one JSON line, which the same decoder reads."""
    from .decoder import OllamaDecoder, decoder_for_url

    model = request_body.get("model") if isinstance(request_body, dict) else None
    model_name = model if isinstance(model, str) else ""
    if not url and provider == PROVIDER.name:
        return OllamaDecoder(mode="chat", model=model_name)
    if method.upper() != "POST" or not (provider == PROVIDER.name or _is_ollama_server(url)):
        return None
    return decoder_for_url(url, model_name)


def _is_ollama_server(url: str) -> bool:
    """Whether ``url`` is on Ollama's default port or Ollama's cloud."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return False
    return port == 11434 or (parts.hostname or "").lower() in ("ollama.com", "www.ollama.com")


@hookimpl
def rillet_list_models(provider: ProviderInfo, base_url: str) -> list[str] | None:
    """The models pulled on the Ollama server at ``base_url`` (``GET /api/tags``)."""
    if provider.name != PROVIDER.name:
        return None
    from .base_url import effective_base_url
    from .models import list_models

    return list_models(effective_base_url(base_url))
