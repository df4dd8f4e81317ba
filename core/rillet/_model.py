"""``get_model`` and ``StreamingChatModel``: the Python entry point."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Sequence, cast

from ._discovery import plugin_manager, providers
from ._errors import MissingKeyError, UnknownModelError, UnknownProviderError
from ._images import check_images_supported
from ._keys import resolve_key
from ._providers import Capabilities, ProviderInfo
from ._redaction import protect_httpx_logs, redact_url
from ._urls import check_base_url, join_url

if TYPE_CHECKING:
    from ._request import ChatRequest, Prompt, Tool
    from ._stream import AggregatedStream, TokenStream
    from ._transport import StreamOptions

__all__ = ["StreamingChatModel", "get_model", "KNOWN_PLUGINS"]

#: Which distribution to install for a provider rillet knows of but that is not installed.
KNOWN_PLUGINS = {
    "openai": "rillet-openai",
    "openai-responses": "rillet-openai",
    "anthropic": "rillet-anthropic",
    "gemini": "rillet-gemini",
    "ollama": "rillet-ollama",
    **dict.fromkeys(
        ("deepseek", "groq", "mistral", "openrouter", "together", "xai", "vllm", "lmstudio", "llamacpp"), "rillet-openai"
    ),  # the OpenAI-compatible presets of rillet-openai
}

_REQUEST_FIELDS = {"tools", "tool_choice", "temperature", "max_tokens", "top_p", "stop", "seed", "reasoning"}
#: Keywords that go to ``ChatRequest.context`` (read by middleware, never sent to a provider).
_CONTEXT_FIELDS = {"log", "conversation_id", "response_id"}


class StreamingChatModel:
    """A model of one provider, ready to stream.

    Get one with :func:`rillet.get_model`. Every ``stream_*`` method is lazy: nothing is
    sent until the returned stream is iterated. The key is resolved when a stream starts
    and never appears in ``repr``, logs or error messages.
    """

    def __init__(
        self,
        info: ProviderInfo,
        name: str,
        *,
        key: str | None = None,
        base_url: str | None = None,
        options: StreamOptions | None = None,
    ) -> None:
        self.info = info
        self.name = name
        self._explicit_key = key
        self._base_url = base_url
        self._options = options
        protect_httpx_logs()  # httpx logs every request URL at INFO: hide the credentials a base URL may hold

    @property
    def provider(self) -> str:
        """The provider name (``"openai"``)."""
        return self.info.name

    @property
    def capabilities(self) -> Capabilities:
        """What this model can do: its own entry in the provider's ``model_capabilities``, else the provider's."""
        return self.info.capabilities_for(self.name)

    @property
    def id(self) -> str:
        """``provider/name``."""
        return f"{self.provider}/{self.name}"

    @property
    def base_url(self) -> str:
        """The base URL in force: explicit, else the provider's env var, else its default.

        Raises :class:`ConfigurationError` naming the URL when it is not one requests can
        be sent to (a port out of range, not http/https, unparseable). A missing host is
        reported when the request is built (:func:`join_url`, :class:`TokenStream`): a
        plugin may supply one (Ollama reads ``OLLAMA_HOST=:11434`` as the local host).
        """
        url = self._configured_base_url()
        return check_base_url(url, needs_host=False) if url else ""

    def url(self, path: str) -> str:
        """The endpoint ``path`` under :attr:`base_url`, its query string kept (see :func:`join_url`)."""
        return join_url(self.base_url, path)

    def _configured_base_url(self) -> str:
        url = self._base_url
        if not url and self.info.base_url_env_var:
            url = os.environ.get(self.info.base_url_env_var)
        url = url or self.info.default_base_url
        if url and "://" not in url:
            url = "http://" + url
        trimmed = url.rstrip("/")
        return trimmed if "://" in trimmed else url  # "http://" stays whole, to be named as given

    @property
    def options(self) -> StreamOptions:
        """Timeouts and retries for this model's streams."""
        if self._options is None:
            from ._transport import StreamOptions

            self._options = StreamOptions()
        return self._options

    @property
    def key(self) -> str | None:
        """The API key in force, or ``None`` (explicit, env var, then ``rillet keys set``)."""
        return resolve_key(self.provider, self.info.key_env_var, self._explicit_key)

    def require_key(self) -> str:
        """The API key, or raise :class:`MissingKeyError` saying how to provide one."""
        key = self.key
        if key:
            return key
        env = self.info.key_env_var or f"{self.provider.upper()}_API_KEY"
        raise MissingKeyError(
            f"no API key for {self.provider}: set {env}, run `rillet keys set {self.provider}`, "
            f"or pass key=... to rillet.get_model()",
            provider=self.provider,
        )

    def __repr__(self) -> str:
        return f"<StreamingChatModel {self.id} base_url={redact_url(self._configured_base_url())!r}>"

    def request(
        self,
        prompt: Prompt,
        *,
        system: str | None = None,
        tools: Sequence[Tool | dict[str, Any]] | None = None,
        **options: Any,
    ) -> ChatRequest:
        """Build the :class:`ChatRequest` the ``stream_*`` methods send.

        ``options`` are ChatRequest fields (``max_tokens``, ``temperature`` …); ``log=False``
        keeps the stream out of the log store and ``conversation_id=`` files it under a
        conversation (both go to ``context``); any other keyword is a provider-specific body
        field and goes to ``extra``.
        """
        from ._request import ChatRequest, messages_from

        fields = {k: v for k, v in options.items() if k in _REQUEST_FIELDS}
        context = {k: v for k, v in options.items() if k in _CONTEXT_FIELDS}
        context.update(options.get("context") or {})
        named = _REQUEST_FIELDS | _CONTEXT_FIELDS | {"extra", "context"}
        extra = {k: v for k, v in options.items() if k not in named}
        extra.update(options.get("extra") or {})
        tools_list = cast("list[Tool]", list(tools or []))  # pydantic validates the dicts into Tool
        return ChatRequest(messages=messages_from(prompt, system), tools=tools_list, extra=extra, context=context, **fields)

    def stream_tokens(self, prompt: Prompt, **options: Any) -> TokenStream:
        """Stream events for ``prompt`` (a string or messages); iterate with ``for``.

        Keyword options are those of :meth:`request`.
        """
        request = options.pop("request", None) or self.request(prompt, **options)
        check_images_supported(self, request)
        stream: TokenStream | None = plugin_manager().hook.stream_tokens(model=self, request=request)
        if stream is None:
            raise UnknownProviderError(f"no installed plugin streams for provider {self.provider!r}")
        return stream

    def astream_tokens(self, prompt: Prompt, **options: Any) -> TokenStream:
        """Like :meth:`stream_tokens`, iterated with ``async for``."""
        return self.stream_tokens(prompt, **options)

    def stream_with_aggregation(self, prompt: Prompt, **options: Any) -> AggregatedStream:
        """Stream events plus ``content`` snapshots; ``.result()`` gives the final outcome."""
        request = options.pop("request", None) or self.request(prompt, **options)
        check_images_supported(self, request)
        stream: AggregatedStream | None = plugin_manager().hook.stream_with_aggregation(model=self, request=request)
        if stream is None:
            raise UnknownProviderError(f"no installed plugin streams for provider {self.provider!r}")
        return stream

    def astream_with_aggregation(self, prompt: Prompt, **options: Any) -> AggregatedStream:
        """Like :meth:`stream_with_aggregation`, iterated with ``async for``."""
        return self.stream_with_aggregation(prompt, **options)


def _unknown_provider(name: str, installed: dict[str, ProviderInfo]) -> UnknownProviderError:
    """The error for provider ``name``: a plugin of it failed to load, or none is installed."""
    from ._discovery import failed_plugins
    from ._plugin_sources import install_command

    listed = ", ".join(installed) or "none"
    hint = KNOWN_PLUGINS.get(name)
    failed = failed_plugins()
    culprit = next((f for f in failed if f.name == name or (hint and f.distribution == hint)), None)
    if culprit is not None:
        package = f" ({culprit.distribution})" if culprit.distribution else ""
        error = UnknownProviderError(
            f"provider {name!r} is unavailable: its plugin {culprit.name!r}{package} is installed but failed "
            f"to load: {culprit.error}; `rillet plugins` lists the failed plugins, `rillet --debug …` shows "
            f"the import traceback; fix the plugin or reinstall it"
        )
        error.__cause__ = culprit.exception
        return error
    advice = f"install it with `{install_command(hint)}`" if hint else (
        "install the plugin that provides it, then check `rillet providers`"
    )
    if failed:
        advice += f" (plugins that failed to load: {', '.join(f.name for f in failed)}; `rillet plugins` says why)"
    return UnknownProviderError(f"unknown provider {name!r} (installed: {listed}); {advice}")


def get_model(
    model_id: str,
    *,
    key: str | None = None,
    base_url: str | None = None,
    key_env_var: str | None = None,
    options: StreamOptions | None = None,
) -> StreamingChatModel:
    """The model ``provider/model`` (``"anthropic/claude-sonnet-4-5"``).

    A bare model id is looked up among the installed providers' known models.
    ``base_url`` and ``key_env_var`` point a provider at a compatible server (an
    OpenAI-compatible vLLM, DeepSeek or Groq endpoint, say).
    """
    installed = providers()
    provider, slash, name = model_id.partition("/")
    info: ProviderInfo | None
    if not slash:
        owners = [info for info in installed.values() if model_id in info.models]
        if not owners:
            raise UnknownModelError(
                f"model {model_id!r} names no provider; write it as provider/model "
                f"(providers: {', '.join(installed) or 'none'}; see `rillet models`)"
            )
        info, name = owners[0], model_id
    else:
        if not provider:
            raise UnknownModelError(
                f"model id {model_id!r} has no provider before the '/'; write it as provider/model "
                f"(providers: {', '.join(installed) or 'none'}; see `rillet models`)"
            )
        info = installed.get(provider)
        if info is None:
            raise _unknown_provider(provider, installed)
        if not name:
            raise UnknownModelError(f"no model given after {provider}/ (see `rillet models`)")
    if key_env_var is not None:
        info = replace(info, key_env_var=key_env_var)
    return StreamingChatModel(info, name, key=key, base_url=base_url, options=options)
