"""Lazy re-exports: a package's public names imported from their private modules on first use."""

from __future__ import annotations

import importlib
from typing import Any, Mapping

__all__ = ["lazy_attribute"]


def lazy_attribute(package: str, exports: Mapping[str, str], namespace: dict[str, Any], name: str) -> Any:
    """The public ``name`` of ``package`` from the module ``exports`` maps it to (cached in
    ``namespace``); for a package's module-level ``__getattr__``."""
    module = exports.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, package), name)
    namespace[name] = value
    return value
