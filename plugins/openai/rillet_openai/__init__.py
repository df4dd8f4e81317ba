"""rillet-openai: stream OpenAI models, and any OpenAI-compatible server.

Two providers:

* ``openai`` — Chat Completions (``POST {base_url}/chat/completions``, SSE). Point
  ``base_url`` (or ``OPENAI_BASE_URL``) at vLLM, DeepSeek, OpenRouter, Groq, Ollama's
  ``/v1`` …; a server other than api.openai.com may run without a key.
* ``openai-responses`` — the Responses API (``POST {base_url}/responses``, SSE).

And, through Chat Completions, presets of OpenAI-compatible providers (``deepseek``,
``groq``, ``mistral``, ``openrouter``, ``together``, ``xai``; local ``vllm``, ``lmstudio``,
``llamacpp``: see :mod:`rillet_openai.presets`) and the servers a user added with
``rillet providers add``.

This module stays light (``rillet providers`` imports it): request builders and decoders
are imported only when a stream is opened.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rillet.provider import Capabilities, ProviderInfo
from rillet.provider import hookimpl

if TYPE_CHECKING:
    from rillet.provider import ChatRequest, Decoder, StreamingChatModel, TokenStream

__all__ = ["PROVIDER", "RESPONSES_PROVIDER", "rillet_providers", "rillet_replay_decoder", "stream_tokens"]

__version__ = "0.1.0"

#: The distribution name discovery records as the plugin of this plugin's providers.
DISTRIBUTION = "rillet-openai"

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

#: Where OpenAI's models differ from the provider's capabilities: GPT-4o and GPT-4.1 do not
#: reason; o3-mini, o1-mini and GPT-3.5 take no images.
_MODEL_CAPABILITIES = {
    "gpt-4o*": replace(_CAPABILITIES, reasoning=False),
    "gpt-4.1*": replace(_CAPABILITIES, reasoning=False),
    "o3-mini*": replace(_CAPABILITIES, vision=False),
    "o1-mini*": replace(_CAPABILITIES, vision=False),
    "gpt-3.5*": replace(_CAPABILITIES, reasoning=False, vision=False),
}

#: Chat Completions: OpenAI and every OpenAI-compatible server.
PROVIDER = ProviderInfo(
    name="openai",
    description="OpenAI Chat Completions (streaming SSE); any OpenAI-compatible server via base_url",
    models=_MODELS,
    key_env_var="OPENAI_API_KEY",
    default_base_url="https://api.openai.com/v1",
    base_url_env_var="OPENAI_BASE_URL",
    capabilities=_CAPABILITIES,
    model_capabilities=_MODEL_CAPABILITIES,
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
    model_capabilities=_MODEL_CAPABILITIES,
)


@hookimpl
def rillet_providers() -> list[ProviderInfo]:
    """rillet-openai serves ``openai`` (Chat Completions), ``openai-responses``, the presets
    of OpenAI-compatible providers and the servers added with ``rillet providers add``."""
    from .presets import chat_providers

    return [PROVIDER, RESPONSES_PROVIDER, *chat_providers()]


def _is_chat_provider(name: str) -> bool:
    """Whether ``name`` streams through Chat Completions: ``openai``, a preset, or a server
    the user added (the providers file is read only for a name that is neither)."""
    from .presets import PRESET_NAMES, user_presets

    if name == PROVIDER.name or name in PRESET_NAMES:
        return True
    return name != RESPONSES_PROVIDER.name and any(info.name == name for info in user_presets())


@hookimpl
def stream_tokens(model: StreamingChatModel, request: ChatRequest) -> TokenStream | None:
    """Stream ``request`` from an ``openai/…``, ``openai-responses/…`` or preset model; else ``None``."""
    if model.info.plugin is not None and model.info.plugin != DISTRIBUTION:
        return None  # another plugin's provider: answered without reading the providers file
    if _is_chat_provider(model.provider):
        from rillet.provider import TokenStream

        from .presets import BODY_DEFAULTS

        defaults = BODY_DEFAULTS.get(model.provider)
        if defaults:
            request = request.model_copy(update={"extra": {**defaults, **request.extra}})

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
def rillet_replay_decoder(method: str, url: str, request_body: Any, provider: str | None = None) -> Decoder | None:
    """A fresh decoder for a recorded ``POST …/chat/completions`` or ``POST …/responses``.

    A query string (Azure's ``?api-version=…``) does not matter. For Chat Completions,
    ``stream_options.include_usage`` is read from the recorded body (it decides whether a
    body without ``[DONE]`` is complete). A request without ``"stream": true`` was answered
    with one JSON object (``chat.completion`` or ``response``), which the decoder reads
    whole; its HTTP errors map the same way. A request body that is not JSON is taken as
    streaming. Chat Completions events are named after ``provider`` when it is one of the
    presets (a recording sent to api.deepseek.com replays as ``deepseek``); a raw body (no
    URL) is read as Chat Completions SSE, or as Responses SSE for ``openai-responses``.
    """
    raw_body = not url and provider is not None
    if method.upper() != "POST" and not raw_body:
        return None
    path = urlsplit(url).path.rstrip("/")
    body = request_body if isinstance(request_body, dict) else {}
    whole_body = isinstance(request_body, dict) and body.get("stream") is not True
    chat_name = provider if provider is not None and _is_chat_provider(provider) else PROVIDER.name
    if path.endswith("/chat/completions") or (raw_body and provider != RESPONSES_PROVIDER.name):
        from .chat_decoder import ChatCompletionsDecoder

        options = body.get("stream_options")
        include_usage = bool(isinstance(options, dict) and options.get("include_usage"))
        model = body.get("model")
        return ChatCompletionsDecoder(
            chat_name, include_usage=include_usage, model=model if isinstance(model, str) else "",
            whole_body=whole_body,
        )
    if path.endswith("/responses") or raw_body:
        try:
            from .responses_decoder import ResponsesDecoder
        except ImportError:
            return None
        return ResponsesDecoder(whole_body=whole_body)
    return None
