"""Which plugin decodes a recorded exchange: the one whose provider's host it was sent to,
the one named with ``--provider``, else whichever claims its URL path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._errors import UnknownProviderError

if TYPE_CHECKING:
    from ._decoding import Decoder

__all__ = ["choose_decoder", "providers_at"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_and_port(url: str) -> tuple[str, int | None] | None:
    parts = urlsplit(url if "://" in url else "http://" + url)
    if not parts.hostname:
        return None
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    return parts.hostname.lower(), port


def providers_at(url: str) -> list[str]:
    """The installed providers whose default base URL has the host and port of ``url``."""
    from ._discovery import providers

    where = _host_and_port(url)
    if where is None:
        return []
    return [name for name, info in providers().items() if info.default_base_url and _host_and_port(info.default_base_url) == where]


def _ask_plugin_of(provider: str, method: str, url: str, request_body: Any) -> Decoder | None:
    """The decoder the plugin serving ``provider`` gives for the exchange, asking it alone."""
    from ._discovery import plugin_manager, provider_plugin

    plugin_name = provider_plugin(provider)
    if plugin_name is None:
        return None
    manager = plugin_manager()
    others = [plugin for name, plugin in manager.list_name_plugin() if name != plugin_name]
    caller = manager.subset_hook_caller("rillet_replay_decoder", remove_plugins=others)
    decoder: Decoder | None = caller(method=method, url=url, request_body=request_body, provider=provider)
    return decoder


def choose_decoder(method: str, url: str, request_body: Any, provider: str | None = None) -> Decoder | None:
    """A fresh decoder for a recorded exchange, or ``None`` when no installed plugin reads it.

    ``provider`` forces the plugin that serves it (:class:`UnknownProviderError` when none
    does, or when it has no decoder for that provider). Otherwise the plugin of a provider
    whose default base URL has the recorded host decodes it as that provider (a DeepSeek
    recording replays as ``deepseek``); failing that, every plugin is asked by URL path.
    """
    from ._discovery import plugin_manager, providers

    if provider is not None:
        if provider not in providers():
            from ._model import _unknown_provider

            raise _unknown_provider(provider, providers())
        decoder = _ask_plugin_of(provider, method, url, request_body)
        if decoder is None:
            shown = urlsplit(url).path or "a raw body"
            raise UnknownProviderError(f"the plugin of provider {provider!r} has no decoder for {method} {shown}")
        return decoder
    for name in providers_at(url):
        decoder = _ask_plugin_of(name, method, url, request_body)
        if decoder is not None:
            return decoder
    fallback: Decoder | None = plugin_manager().hook.rillet_replay_decoder(
        method=method, url=url, request_body=request_body, provider=None
    )
    return fallback
