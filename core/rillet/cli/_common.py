"""Small pieces shared by the commands: the ``--debug`` option and JSON output."""

from __future__ import annotations

import json
import os
from typing import Any, Callable

import click

__all__ = ["DEBUG_KEY", "debug_option", "debug_requested", "echo_json"]

DEBUG_KEY = "rillet.debug"


def debug_requested(ctx: click.Context | None) -> bool:
    """Whether ``--debug`` was given (anywhere on the command line) or ``RILLET_DEBUG`` is set."""
    if ctx is not None and ctx.meta.get(DEBUG_KEY):
        return True
    return os.environ.get("RILLET_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[DEBUG_KEY] = True
    return value


def debug_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--debug`` on a subcommand, the same as ``rillet --debug``."""
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="Show the full traceback when the command fails (or set RILLET_DEBUG=1).  [default: off]",
    )(function)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
