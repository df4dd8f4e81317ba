"""Finding plugins: entry points in the ``rillet`` group, loaded once, failures kept.

Listing providers imports each plugin's top-level module only; a plugin that raises on
import is recorded with its error and skipped, never breaking the caller.
``RILLET_PLUGINS`` selects plugins by entry-point name (comma-separated; empty = none).
"""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import hookspecs
from ._entry_points import entry_points as installed_entry_points
from ._errors import LocalProtocolError
from ._providers import ProviderInfo

__all__ = ["FailedPlugin", "LoadedPlugin", "PluginSelectionWarning", "plugin_manager", "providers", "reset_plugins", "failed_plugins", "loaded_plugins", "provider_plugin"]

ENTRY_POINT_GROUP = "rillet"


@dataclass(frozen=True)
class LoadedPlugin:
    """A plugin that loaded: its entry-point name, distribution and version."""

    name: str
    distribution: str | None
    version: str | None


@dataclass(frozen=True)
class FailedPlugin:
    """A plugin that could not be loaded, and why.

    ``exception`` is what loading raised (its traceback included), for ``--debug``.
    """

    name: str
    distribution: str | None
    error: str
    exception: BaseException | None = field(default=None, compare=False, repr=False)


class PluginSelectionWarning(UserWarning):
    """``RILLET_PLUGINS`` names a plugin that is not installed."""


class _Registry:
    def __init__(self) -> None:
        self.manager = pluggy.PluginManager("rillet")
        self.manager.add_hookspecs(hookspecs)
        self.loaded: list[LoadedPlugin] = []
        self.failed: list[FailedPlugin] = []
        self.providers: dict[str, ProviderInfo] | None = None
        self.provider_plugins: dict[str, str] = {}


_registry: _Registry | None = None
_lock = threading.Lock()
_importing: tuple[int, str] | None = None  # (thread, entry-point name) of the plugin being imported


def _selection() -> set[str] | None:
    """The plugin names ``RILLET_PLUGINS`` selects, or ``None`` when it is not set (all)."""
    chosen = os.environ.get("RILLET_PLUGINS")
    if chosen is None:
        return None
    return {part.strip() for part in chosen.split(",") if part.strip()}


def _warn_unmatched(selection: set[str] | None, installed: list[str]) -> None:
    unmatched = sorted(selection - set(installed)) if selection is not None else []
    if unmatched:
        warnings.warn(
            f"RILLET_PLUGINS names no installed plugin: {', '.join(unmatched)} "
            f"(installed: {', '.join(sorted(installed)) or 'none'}); those names are ignored",
            PluginSelectionWarning,
            stacklevel=2,
        )


def _load() -> _Registry:
    global _importing
    registry = _Registry()
    from . import _builtin
    from .logs import _plugin as logger

    registry.manager.register(_builtin, name="rillet.builtin")
    registry.manager.register(logger, name="rillet.logs")
    selection = _selection()
    entry_points = sorted(installed_entry_points(ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    _warn_unmatched(selection, [entry_point.name for entry_point in entry_points])
    for entry_point in entry_points:
        if (selection is not None and entry_point.name not in selection) or registry.manager.has_plugin(entry_point.name):
            continue
        distribution = entry_point.distribution
        _importing = (threading.get_ident(), entry_point.name)
        try:
            plugin = entry_point.load()
            registry.manager.register(plugin, name=entry_point.name)
        except Exception as exc:  # a broken plugin must not break rillet
            registry.failed.append(FailedPlugin(entry_point.name, distribution, f"{type(exc).__name__}: {exc}", exc))
            continue
        finally:
            _importing = None
        registry.loaded.append(LoadedPlugin(entry_point.name, distribution, entry_point.version))
    return registry


def _get() -> _Registry:
    global _registry
    if _registry is None:
        _refuse_reentry()
        with _lock:
            if _registry is None:
                _registry = _load()
    return _registry


def _refuse_reentry() -> None:
    """Fail, rather than wait forever on the lock, when a plugin being imported asks for
    the plugins (``rillet.providers()``, ``rillet.get_model()`` … at its module level)."""
    importing = _importing
    if importing is not None and importing[0] == threading.get_ident():
        raise LocalProtocolError(
            f"plugin {importing[1]!r} uses rillet's plugins (rillet.providers(), rillet.get_model(), …) "
            f"while it is being imported, before discovery has finished; call them inside its "
            f"functions or hooks, not at the module level"
        )


def plugin_manager() -> pluggy.PluginManager:
    """The pluggy manager with every selected plugin registered (loaded on first use)."""
    return _get().manager


def loaded_plugins() -> list[LoadedPlugin]:
    """The plugins that loaded, by entry-point name."""
    return list(_get().loaded)


def failed_plugins() -> list[FailedPlugin]:
    """The plugins that failed to load, with their errors."""
    return list(_get().failed)


def providers() -> dict[str, ProviderInfo]:
    """Every provider the installed plugins serve, by name."""
    registry = _get()
    if registry.providers is None:
        found: dict[str, ProviderInfo] = {}
        names = {plugin.name: plugin for plugin in registry.loaded}
        for impl in registry.manager.hook.rillet_providers.get_hookimpls():
            try:
                infos: Any = impl.function()
            except Exception as exc:
                plugin = names.get(impl.plugin_name)
                registry.failed.append(
                    FailedPlugin(
                        impl.plugin_name,
                        plugin.distribution if plugin else None,
                        f"rillet_providers() raised {type(exc).__name__}: {exc}",
                        exc,
                    )
                )
                continue
            plugin = names.get(impl.plugin_name)
            for info in [infos] if isinstance(infos, ProviderInfo) else infos or []:
                if plugin is not None and info.plugin is None:
                    info = _with_plugin(info, plugin)
                if info.name not in found:
                    found[info.name] = info
                    registry.provider_plugins[info.name] = impl.plugin_name
        registry.providers = dict(sorted(found.items()))
    return registry.providers


def provider_plugin(name: str) -> str | None:
    """The registration name of the plugin that serves provider ``name``, or ``None``."""
    providers()
    return _get().provider_plugins.get(name)


def _with_plugin(info: ProviderInfo, plugin: LoadedPlugin) -> ProviderInfo:
    from dataclasses import replace

    return replace(info, plugin=plugin.distribution, plugin_version=plugin.version)


def register_plugin(plugin: Any, name: str | None = None) -> None:
    """Register a plugin object (a module, or any object with ``@rillet.hookimpl`` methods) by
    hand, without an entry point: for tests and applications embedding rillet."""
    registry = _get()
    registry.manager.register(plugin, name=name)
    registry.providers = None


def unregister_plugin(name: str) -> None:
    """Remove the plugin registered under ``name`` (by :func:`register_plugin` or discovery)."""
    registry = _get()
    registry.manager.unregister(name=name)
    registry.providers = None


def reset_plugins() -> None:
    """Forget loaded plugins; the next use discovers them again (after installs, in tests)."""
    global _registry
    with _lock:
        _registry = None
