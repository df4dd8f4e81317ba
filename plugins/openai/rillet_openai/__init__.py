"""rillet-openai: stream OpenAI models, and any OpenAI-compatible server.

Two providers:

* ``openai`` — Chat Completions (``POST {base_url}/chat/completions``, SSE). Point
  ``base_url`` (or ``OPENAI_BASE_URL``) at vLLM, DeepSeek, OpenRouter, Groq, Ollama's
  ``/v1`` …; a server other than api.openai.com may run without a key.
* ``openai-responses`` — the Responses API (``POST {base_url}/responses``, SSE).

This module stays light (``rillet providers`` imports it): request builders and decoders
are imported only when a stream is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rillet.provider import Capabilities, ProviderInfo
from rillet.provider import hookimpl

if TYPE_CHECKING:
    from rillet.provider import ChatRequest, Decoder, StreamingChatModel, TokenStream

__all__ = ["PROVIDER", "RESPONSES_PROVIDER", "rillet_providers", "rillet_replay_decoder", "stream_tokens"]

__version__ = "0.1.0"

_MODELS = (
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o3",
    "o4-mini",
)

_CAPABILITIES = Capabilities(tools=True, parallel_tools=True, reasoning=True, usage_in_stream=True, vision=True)

#: Chat Completions: OpenAI and every OpenAI-compatible server.
PROVIDER = ProviderInfo(
    name="openai",
    description="OpenAI Chat Completions (streaming SSE); any OpenAI-compatible server via base_url",
    models=_MODELS,
    key_env_var="OPENAI_API_KEY",
    default_base_url="https://api.openai.com/v1",
    base_url_env_var="OPENAI_BASE_URL",
    capabilities=_CAPABILITIES,
)

#: The Responses API, as a second model family.
RESPONSES_PROVIDER = ProviderInfo(
    name="openai-responses",
    description="OpenAI Responses API (streaming SSE)",
    models=_MODELS,
    key_env_var="OPENAI_API_KEY",
    default_base_url="https://api.openai.com/v1",
    base_url_env_var="OPENAI_BASE_URL",
    capabilities=_CAPABILITIES,
)


@hookimpl
def rillet_providers() -> list[ProviderInfo]:
    """rillet-openai serves ``openai`` (Chat Completions) and ``openai-responses``."""
    return [PROVIDER, RESPONSES_PROVIDER]


@hookimpl
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Stream ``request`` from an ``openai/…`` or ``openai-responses/…`` model; else ``None``."""
    if model.provider == PROVIDER.name:
        from rillet.provider import TokenStream

        from .chat_decoder import ChatCompletionsDecoder
        from .chat_request import build_chat_request

        http_request = build_chat_request(model, request)
        provider, name = model.provider, model.name
        options = request.extra.get("stream_options")
        include_usage = "stream_options" not in request.extra or bool(
            isinstance(options, dict) and options.get("include_usage")
        )
        return TokenStream(
            model, http_request, lambda: ChatCompletionsDecoder(provider, include_usage=include_usage, model=name)
        )
    if model.provider == RESPONSES_PROVIDER.name:
        from rillet.provider import TokenStream

        try:
            from .responses_decoder import ResponsesDecoder
            from .responses_request import build_responses_request
        except ImportError as exc:  # the Responses part is not installed in this build
            from rillet.provider import UnknownProviderError

            raise UnknownProviderError(f"the openai-responses provider is unavailable: {exc}") from None
        return TokenStream(
            model, build_responses_request(model, request), lambda: ResponsesDecoder(provider=RESPONSES_PROVIDER.name)
        )
    return None


@hookimpl
def rillet_replay_decoder(method: str, url: str, request_body: Any) -> Decoder | None:
    """A fresh decoder for a recorded ``POST …/chat/completions`` or ``POST …/responses``.

    A query string (Azure's ``?api-version=…``) does not matter. For Chat Completions,
    ``stream_options.include_usage`` is read from the recorded body (it decides whether a
    body without ``[DONE]`` is complete). A request without ``"stream": true`` was answered
    with one JSON object (``chat.completion`` or ``response``), which the decoder reads
    whole; its HTTP errors map the same way. A request body that is not JSON is taken as
    streaming.
    """
    if method.upper() != "POST":
        return None
    path = urlsplit(url).path.rstrip("/")
    body = request_body if isinstance(request_body, dict) else {}
    whole_body = isinstance(request_body, dict) and body.get("stream") is not True
    if path.endswith("/chat/completions"):
        from .chat_decoder import ChatCompletionsDecoder

        options = body.get("stream_options")
        include_usage = bool(isinstance(options, dict) and options.get("include_usage"))
        model = body.get("model")
        return ChatCompletionsDecoder(
            PROVIDER.name, include_usage=include_usage, model=model if isinstance(model, str) else "",
            whole_body=whole_body,
        )
    if path.endswith("/responses"):
        try:
            from .responses_decoder import ResponsesDecoder
        except ImportError:
            return None
        return ResponsesDecoder(whole_body=whole_body)
    return None
