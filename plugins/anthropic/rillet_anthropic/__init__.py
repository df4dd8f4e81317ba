"""rillet-anthropic: stream Claude models through the Anthropic Messages API.

This module stays light (``rillet providers`` imports it): the request builder and the
decoder are imported only when a stream is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dataclasses import replace

from rillet.provider import Capabilities, ProviderInfo
from rillet.provider import hookimpl

if TYPE_CHECKING:
    from rillet.provider import ChatRequest, Decoder, StreamingChatModel, TokenStream

__all__ = ["PROVIDER", "rillet_providers", "rillet_replay_decoder", "stream_tokens"]

__version__ = "0.1.0"

_CAPABILITIES = Capabilities(tools=True, parallel_tools=True, reasoning=True, usage_in_stream=True, vision=True)

#: The provider this plugin serves.
PROVIDER = ProviderInfo(
    name="anthropic",
    description="Anthropic Claude models (Messages API, streaming SSE)",
    models=(
        "claude-sonnet-4-5",
        "claude-opus-4-1",
        "claude-haiku-4-5",
        "claude-sonnet-4-0",
        "claude-opus-4-0",
        "claude-3-7-sonnet-latest",
        "claude-3-5-haiku-latest",
    ),
    key_env_var="ANTHROPIC_API_KEY",
    default_base_url="https://api.anthropic.com",
    base_url_env_var="ANTHROPIC_BASE_URL",
    capabilities=_CAPABILITIES,
    model_capabilities={"claude-3-5-haiku*": replace(_CAPABILITIES, reasoning=False)},  # no extended thinking
)


@hookimpl
def rillet_providers() -> list[ProviderInfo]:
    """rillet-anthropic serves the ``anthropic`` provider."""
    return [PROVIDER]


@hookimpl
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Stream ``request`` from an ``anthropic/…`` model; ``None`` for other providers."""
    if model.provider != PROVIDER.name:
        return None
    from rillet.provider import TokenStream

    from .decoder import AnthropicDecoder
    from .request import build_http_request

    http_request = build_http_request(model, request)
    provider, name = model.provider, model.name
    return TokenStream(model, http_request, lambda: AnthropicDecoder(provider, name))


@hookimpl
def rillet_replay_decoder(method: str, url: str, request_body: Any, provider: str | None = None) -> Decoder | None:
    """A fresh decoder for a recorded ``POST …/v1/messages`` exchange (query string allowed),
    or for a raw body (no URL) when ``provider`` is ``anthropic``.

    A request without ``"stream": true`` was answered with one JSON ``message`` object,
    which the decoder reads whole; a request body that is not JSON is taken as streaming.
    """
    raw_body = not url and provider == PROVIDER.name
    if not raw_body and (method.upper() != "POST" or not urlsplit(url).path.rstrip("/").endswith("/v1/messages")):
        return None
    from .decoder import AnthropicDecoder

    body = request_body if isinstance(request_body, dict) else {}
    model = body.get("model")
    whole_body = isinstance(request_body, dict) and body.get("stream") is not True
    return AnthropicDecoder(PROVIDER.name, model if isinstance(model, str) else "", whole_body=whole_body)
