"""OpenAI-compatible providers served through Chat Completions: built-in presets and the
servers a user added with ``rillet providers add``.

Each preset is a provider of its own (``deepseek/deepseek-chat``, ``groq/…``) with the
base URL and key variable its documentation gives. Hosted presets need their key (a
``MissingKeyError`` names the variable); the local servers (vLLM, LM Studio, llama.cpp)
need none. What a model can take is declared per model where it is known; for the
aggregators and the local servers, which serve whatever model is loaded, images are let
through and the server decides.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

from rillet.provider import Capabilities, ProviderInfo

__all__ = ["BODY_DEFAULTS", "PRESETS", "PRESET_NAMES", "chat_providers", "user_presets"]

_TEXT = Capabilities(tools=True, parallel_tools=True, reasoning=True, usage_in_stream=True)
_SEEING = replace(_TEXT, vision=True)


def _preset(name: str, description: str, base_url: str, key_env_var: str | None, models: tuple[str, ...], **more: Any) -> ProviderInfo:
    return ProviderInfo(
        name=name,
        description=description,
        models=models,
        key_env_var=key_env_var,
        default_base_url=base_url,
        capabilities=more.pop("capabilities", _TEXT),
        **more,
    )


#: The built-in presets (base URLs and key variables as each provider documents them).
PRESETS: tuple[ProviderInfo, ...] = (
    _preset(
        "deepseek", "DeepSeek (OpenAI-compatible Chat Completions)", "https://api.deepseek.com", "DEEPSEEK_API_KEY",
        ("deepseek-chat", "deepseek-reasoner"),
    ),
    _preset(
        "groq", "Groq (OpenAI-compatible Chat Completions)", "https://api.groq.com/openai/v1", "GROQ_API_KEY",
        ("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b", "meta-llama/llama-4-scout-17b-16e-instruct"),
        model_capabilities={"meta-llama/llama-4-*": _SEEING},
    ),
    _preset(
        "mistral", "Mistral AI (OpenAI-compatible Chat Completions)", "https://api.mistral.ai/v1", "MISTRAL_API_KEY",
        ("mistral-large-latest", "mistral-medium-latest", "mistral-small-latest", "magistral-medium-latest", "pixtral-large-latest"),
        model_capabilities={"pixtral-*": _SEEING, "mistral-medium-*": _SEEING, "mistral-small-*": _SEEING},
    ),
    _preset(
        "openrouter", "OpenRouter: many providers' models behind one key", "https://openrouter.ai/api/v1",
        "OPENROUTER_API_KEY", ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash", "deepseek/deepseek-r1"),
        capabilities=_SEEING,
    ),
    _preset(
        "together", "Together AI (OpenAI-compatible Chat Completions)", "https://api.together.ai/v1", "TOGETHER_API_KEY",
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "deepseek-ai/DeepSeek-V3", "Qwen/Qwen2.5-72B-Instruct-Turbo",
         "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"),
        model_capabilities={"meta-llama/Llama-4-*": _SEEING, "*-VL-*": _SEEING, "*Vision*": _SEEING},
    ),
    _preset(
        "xai", "xAI Grok (OpenAI-compatible Chat Completions)", "https://api.x.ai/v1", "XAI_API_KEY",
        ("grok-4", "grok-3", "grok-3-mini"),
        model_capabilities={"grok-4*": _SEEING, "grok-2-vision*": _SEEING},
    ),
    # Local servers answer for the model they serve: the examples are models people load.
    _preset(
        "vllm", "A local vLLM server (vllm serve MODEL); no key", "http://localhost:8000/v1", None,
        ("Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct"), capabilities=_SEEING,
    ),
    _preset(
        "lmstudio", "LM Studio's local server; no key", "http://localhost:1234/v1", None,
        ("qwen/qwen3-8b", "google/gemma-3-12b"), capabilities=_SEEING,
    ),
    _preset(
        "llamacpp", "A local llama.cpp server (llama-server -m MODEL.gguf); no key", "http://localhost:8080/v1", None,
        ("local",), capabilities=_SEEING,  # llama-server answers with the model it loaded, whatever the name
    ),
)

#: The names of the built-in presets.
PRESET_NAMES = frozenset(info.name for info in PRESETS)

#: Body fields a preset's server needs changed, applied before the request's own ``extra``:
#: Mistral rejects fields it does not know and reports usage in its last chunk unasked.
BODY_DEFAULTS: dict[str, dict[str, Any]] = {"mistral": {"stream_options": None}}


def user_presets() -> list[ProviderInfo]:
    """The Chat Completions servers added with ``rillet providers add``, as providers.

    A providers file that cannot be read is reported as a warning, so the built-in
    providers stay usable.
    """
    from rillet.provider import ConfigurationError, load_user_providers

    try:
        added = load_user_providers()
    except ConfigurationError as exc:
        warnings.warn(exc.message, stacklevel=2)
        return []
    return [
        ProviderInfo(
            name=provider.name,
            description=f"OpenAI-compatible server at {provider.base_url} (added with `rillet providers add`)",
            models=provider.models,
            key_env_var=provider.key_env_var,
            default_base_url=provider.base_url,
            capabilities=_SEEING,
        )
        for provider in added
        if provider.api == "openai-chat"
    ]


def chat_providers() -> list[ProviderInfo]:
    """Every provider besides ``openai`` that this plugin streams through Chat Completions."""
    return [*PRESETS, *user_presets()]
