"""Finding plugins: entry points in the ``rillet`` group, loaded once, failures kept.

Listing providers imports each plugin's top-level module only; a plugin that raises on
import is recorded with its error and skipped, never breaking the caller.
``RILLET_PLUGINS`` selects plugins by entry-point name (comma-separated; empty = none).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs
from ._providers import ProviderInfo

__all__ = ["FailedPlugin", "LoadedPlugin", "plugin_manager", "providers", "reset_plugins", "failed_plugins", "loaded_plugins"]

ENTRY_POINT_GROUP = "rillet"


@dataclass(frozen=True)
class LoadedPlugin:
    """A plugin that loaded: its entry-point name, distribution and version."""

    name: str
    distribution: str | None
    version: str | None


@dataclass(frozen=True)
class FailedPlugin:
    """A plugin that could not be loaded, and why."""

    name: str
    distribution: str | None
    error: str


class _Registry:
    def __init__(self) -> None:
        self.manager = pluggy.PluginManager("rillet")
        self.manager.add_hookspecs(hookspecs)
        self.loaded: list[LoadedPlugin] = []
        self.failed: list[FailedPlugin] = []
        self.providers: dict[str, ProviderInfo] | None = None


_registry: _Registry | None = None
_lock = threading.Lock()


def _selected(name: str) -> bool:
    chosen = os.environ.get("RILLET_PLUGINS")
    if chosen is None:
        return True
    return name in {part.strip() for part in chosen.split(",") if part.strip()}


def _load() -> _Registry:
    registry = _Registry()
    from . import _builtin
    from .logs import _plugin as logger

    registry.manager.register(_builtin, name="rillet.builtin")
    registry.manager.register(logger, name="rillet.logs")
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        if not _selected(entry_point.name) or registry.manager.has_plugin(entry_point.name):
            continue
        distribution = entry_point.dist.name if entry_point.dist else None
        try:
            plugin = entry_point.load()
            registry.manager.register(plugin, name=entry_point.name)
        except Exception as exc:  # a broken plugin must not break rillet
            registry.failed.append(FailedPlugin(entry_point.name, distribution, f"{type(exc).__name__}: {exc}"))
            continue
        version = entry_point.dist.version if entry_point.dist else None
        registry.loaded.append(LoadedPlugin(entry_point.name, distribution, version))
    return registry


def _get() -> _Registry:
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = _load()
    return _registry


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
                    FailedPlugin(impl.plugin_name, plugin.distribution if plugin else None, f"rillet_providers() raised {type(exc).__name__}: {exc}")
                )
                continue
            plugin = names.get(impl.plugin_name)
            for info in [infos] if isinstance(infos, ProviderInfo) else infos or []:
                if plugin is not None and info.plugin is None:
                    info = _with_plugin(info, plugin)
                found.setdefault(info.name, info)
        registry.providers = dict(sorted(found.items()))
    return registry.providers


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
