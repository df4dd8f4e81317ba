"""``--tool MODULE:FUNCTION``: load the Python functions an agent run may call."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import click

__all__ = ["load_tool", "load_tools"]


def _module(name: str) -> ModuleType:
    if name.endswith(".py") or os.sep in name:
        path = Path(name)
        if not path.is_file():
            raise click.BadParameter(f"no such file: {name}", param_hint="--tool")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise click.BadParameter(f"cannot load {name} as Python", param_hint="--tool")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # like `python -m`: modules in the current directory
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise click.BadParameter(f"cannot import {name!r}: {exc}", param_hint="--tool") from None


def load_tool(spec: str) -> Callable[..., Any]:
    """The function named by ``MODULE:FUNCTION`` (MODULE may be a ``.py`` file path)."""
    name, colon, attribute = spec.rpartition(":")
    if not colon or not name or not attribute:
        raise click.BadParameter(f"{spec!r} is not MODULE:FUNCTION (e.g. mytools:get_weather)", param_hint="--tool")
    module = _module(name)
    function = getattr(module, attribute, None)
    if not callable(function):
        raise click.BadParameter(f"{name} has no function {attribute!r}", param_hint="--tool")
    return function  # type: ignore[no-any-return]


def load_tools(specs: tuple[str, ...]) -> list[Callable[..., Any]]:
    """Every ``--tool`` given, in order."""
    return [load_tool(spec) for spec in specs]
