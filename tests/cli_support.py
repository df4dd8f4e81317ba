"""Helpers for the CLI tests: run ``rillet`` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from rillet.cli import cli
from rillet.testing import SharedRecordings

REPO_ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None, **kwargs: Any) -> Result:
    """Invoke ``rillet ARGS``; stdout and stderr are kept apart (``result.stdout``/``.stderr``)."""
    return CliRunner().invoke(cli, list(args), input=input, env=env, **kwargs)


def shared_cassettes_dir() -> SharedRecordings:
    """The real recordings: ``$RILLET_SHARED_CASSETTES`` or ``../shared/cassettes`` beside the repo."""
    return SharedRecordings(REPO_ROOT.parent / "shared" / "cassettes")
