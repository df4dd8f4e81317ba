"""The entry points of one group, read straight from the installed distributions.

``importlib.metadata`` answers the same question, but it costs a fresh process about 25 ms:
it imports ``email``, ``zipfile`` and ``csv``, and reads every distribution's metadata.
Discovery runs in every process that streams, so this reads only what it needs — each
distribution's ``entry_points.txt`` on ``sys.path``, and the name and version of those that
declare the group — with ``importlib.metadata``'s rules: the first distribution of a name
on ``sys.path`` wins, later copies are ignored. Where it cannot follow those rules exactly
(a zip file on ``sys.path``, an import hook that finds distributions of its own) it hands
the question to ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["PluginEntryPoint", "entry_points"]

_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?(\[.*\]\s*)?$")


@dataclass(frozen=True)
class PluginEntryPoint:
    """One entry point: ``name = value`` of the distribution ``distribution`` (``version``)."""

    name: str
    value: str
    distribution: str | None
    version: str | None

    def load(self) -> Any:
        """Import the module ``value`` names and return the object it points at."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"entry point {self.name!r} has a value that names no module: {self.value!r}")
        target: Any = importlib.import_module(match.group("module"))
        for attribute in (match.group("attr") or "").split("."):
            if attribute:
                target = getattr(target, attribute)
        return target


def entry_points(group: str) -> list[PluginEntryPoint]:
    """Every entry point of ``group`` among the distributions on ``sys.path``."""
    if not _plain_search_path():
        return _from_importlib_metadata(group)
    seen: set[str] = set()
    found: list[PluginEntryPoint] = []
    for entry in sys.path:
        directory = entry or "."
        try:
            children = os.listdir(directory)
        except OSError:
            continue
        for child in children:
            stem, extension = os.path.splitext(child)
            if extension.lower() not in (".dist-info", ".egg-info"):
                continue
            name = _normalize(stem.partition("-")[0])
            if name in seen:
                continue
            seen.add(name)
            found.extend(_declared(os.path.join(directory, child), group))
    return found


def _plain_search_path() -> bool:
    """Whether distributions are found only by the standard path finder, in directories."""
    for finder in sys.meta_path:
        if finder is not importlib.machinery.PathFinder and hasattr(finder, "find_distributions"):
            return False
    return not any(os.path.isfile(entry) for entry in sys.path if entry)


def _declared(metadata_directory: str, group: str) -> list[PluginEntryPoint]:
    """The entry points of ``group`` in one distribution's metadata directory."""
    try:
        with open(os.path.join(metadata_directory, "entry_points.txt"), encoding="utf-8") as file:
            text = file.read()
    except OSError:  # no entry points, or a PKG-INFO file rather than a directory
        return []
    pairs = _section(text, group)
    if not pairs:
        return []
    distribution, version = _name_and_version(metadata_directory)
    return [PluginEntryPoint(name, value, distribution, version) for name, value in pairs]


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of the ``[group]`` section of an ``entry_points.txt``."""
    pairs: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
            continue
        if inside:
            name, equals, value = line.partition("=")
            if equals:
                pairs.append((name.strip(), value.strip()))
    return pairs


def _name_and_version(metadata_directory: str) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` from the head of a distribution's METADATA (or PKG-INFO)."""
    fields: dict[str, str] = {}
    for file_name in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(metadata_directory, file_name), encoding="utf-8") as file:
                for line in file:
                    if not line.strip():
                        break
                    key, colon, value = line.partition(":")
                    if colon and key in ("Name", "Version") and key not in fields:
                        fields[key] = value.strip()
            break
        except OSError:
            continue
    return fields.get("Name"), fields.get("Version")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _from_importlib_metadata(group: str) -> list[PluginEntryPoint]:
    from importlib import metadata

    return [
        PluginEntryPoint(
            entry_point.name,
            entry_point.value,
            entry_point.dist.name if entry_point.dist else None,
            entry_point.dist.version if entry_point.dist else None,
        )
        for entry_point in metadata.entry_points(group=group)
    ]
