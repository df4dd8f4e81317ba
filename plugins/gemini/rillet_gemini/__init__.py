"""rillet-gemini: stream chat completions from Google Gemini (the Gemini API).

The plugin speaks ``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` with the
key in the ``x-goog-api-key`` header. It decodes text, ``thought`` parts and their
signatures, whole ``functionCall`` parts, the running ``usageMetadata``, every
``finishReason`` (safety ones included), blocked prompts and in-band errors.

This module stays light (``rillet providers`` imports it): the request builder, the
decoder and httpx are imported inside the hooks that use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rillet.provider import Capabilities, ProviderInfo
from rillet.provider import hookimpl

if TYPE_CHECKING:
    from rillet.provider import ChatRequest, Decoder, StreamingChatModel, TokenStream

__all__ = [
    "DEFAULT_BASE_URL",
    "PROVIDER",
    "rillet_providers",
    "rillet_replay_decoder",
    "stream_tokens",
]

#: The Gemini API (Google AI Studio keys). ``GEMINI_BASE_URL`` overrides it.
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"

#: Gemini 2.0 Flash does not think (2.5 and later do).
_WITHOUT_THINKING = Capabilities(tools=True, parallel_tools=True, usage_in_stream=True, vision=True)

#: The provider this plugin serves. Any other model id is passed to Gemini as given.
PROVIDER = ProviderInfo(
    name="gemini",
    description="Google Gemini API (AI Studio key in GEMINI_API_KEY; GOOGLE_API_KEY as a fallback)",
    models=(
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        "gemini-2.0-flash",
        "gemini-flash-latest",
        "gemini-flash-lite-latest",
        "gemini-3-pro-preview",
    ),
    key_env_var="GEMINI_API_KEY",
    default_base_url=DEFAULT_BASE_URL,
    base_url_env_var="GEMINI_BASE_URL",
    capabilities=Capabilities(
        tools=True,
        parallel_tools=True,
        reasoning=True,
        usage_in_stream=True,
        vision=True,
    ),
    model_capabilities={"gemini-2.0-flash*": _WITHOUT_THINKING},
)


@hookimpl
def rillet_providers() -> list[ProviderInfo]:
    """rillet-gemini serves the ``gemini`` provider."""
    return [PROVIDER]


@hookimpl
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Stream ``request`` from Gemini when ``model.provider`` is ``gemini``."""
    if model.provider != PROVIDER.name:
        return None
    from rillet.provider import TokenStream

    from .decoder import GeminiDecoder
    from .keys import resolve_gemini_key
    from .request import build_request

    http_request = build_request(model.name, request, base_url=model.base_url, key=resolve_gemini_key(model))
    name = model.name
    return TokenStream(model, http_request, lambda: GeminiDecoder(model=name))


@hookimpl
def rillet_replay_decoder(method: str, url: str, request_body: Any, provider: str | None = None) -> Decoder | None:
    """A decoder for recorded ``…:streamGenerateContent`` (SSE or JSON array) and
    ``…:generateContent`` exchanges, whatever else the query string holds; for a raw body
    (no URL) when ``provider`` is ``gemini``, its first byte tells SSE from a JSON array.

    The framing of a stream is the query's ``alt`` — or ``$alt``, with ``;``-separated
    options, as Google's REST transports write it (``?$alt=sse;enum-encoding=int``) —:
    ``sse`` gives SSE, anything else a JSON array.
    """
    if not url and provider == PROVIDER.name:
        from .decoder import GeminiDecoder

        return GeminiDecoder()
    if method.upper() != "POST":
        return None
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    path = parts.path
    if path.endswith(":streamGenerateContent"):
        from .decoder import GeminiDecoder

        query = parse_qs(parts.query)
        alt = (query.get("alt") or query.get("$alt") or [""])[0].split(";")[0].strip()
        return GeminiDecoder(framing="sse" if alt == "sse" else "json_array")
    if path.endswith(":generateContent"):
        from .decoder import GeminiDecoder

        return GeminiDecoder(framing="json")
    return None
