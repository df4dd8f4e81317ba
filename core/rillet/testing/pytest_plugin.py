"""rillet's pytest plugin (entry point ``pytest11``): options and vcrpy wiring for the kit.

pytest loads this module in every session where rillet is installed, so it imports
nothing beyond pytest itself; the kit is imported by the test modules that use it.
Parametrization lives on :class:`rillet.testing.ProviderConformance` itself (a class-level
``pytest_generate_tests``), so the kit keeps working with plugin autoloading disabled.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

_RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")


def pytest_addoption(parser: Any) -> None:
    """``--rillet-draft-expected`` and ``--rillet-record-mode`` (and ``--record-mode`` when
    pytest-recording, which defines it itself, is not installed)."""
    group = parser.getgroup("rillet", "rillet conformance kit")
    group.addoption(
        "--rillet-draft-expected",
        action="store_true",
        default=False,
        help="write a draft expected outcome (marked \"draft\": true) for every interaction that has none; "
        "review each draft and delete the flag (default: off)",
    )
    group.addoption(
        "--rillet-record-mode",
        choices=_RECORD_MODES,
        default=None,
        help="vcrpy record mode for live scenarios (default: $RILLET_RECORD_MODE, else none); "
        "'rewrite' deletes a scenario's cassette and records it anew",
    )
    if importlib.util.find_spec("pytest_recording") is None:
        group.addoption(
            "--record-mode",
            choices=_RECORD_MODES,
            default=None,
            dest="record_mode",
            help="alias of --rillet-record-mode (pytest-recording defines it when installed)",
        )


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: Any, vcr: Any) -> None:
    """With pytest-recording, register the kit's ``rillet-yaml`` serializer on its VCR."""
    from ._vcr import register_serializer

    register_serializer(vcr)


@pytest.fixture
def rillet_record_mode(request: Any) -> str:
    """The record mode in force (``none`` unless asked)."""
    from ._vcr import resolve_record_mode

    return resolve_record_mode(request.config)


@pytest.fixture
def rillet_vcr(rillet_record_mode: str) -> Any:
    """A ``vcr.VCR`` with the kit's defaults (filtered credentials, decoded bodies, the
    record mode in force); use ``rillet_vcr.use_cassette(path)``."""
    from ._vcr import make_vcr

    return make_vcr(rillet_record_mode)


_SHARED_MISSING = pytest.StashKey[str]()


def pytest_collection_finish(session: Any) -> None:
    """Note whether a test module collected declared shared recordings that are missing."""
    from ._shared import missing_shared_reason

    reason = missing_shared_reason()
    if reason is not None:
        session.config.stash[_SHARED_MISSING] = reason


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line at the end when the shared recordings are missing (and how many tests that skipped)."""
    reason = terminalreporter.config.stash.get(_SHARED_MISSING, None)
    if reason is None:
        return
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if reason in str(getattr(report, "longrepr", ""))]
    count = f" ({len(skipped)} tests)" if skipped else ""
    terminalreporter.write_line(f"rillet: {reason}{count}", yellow=True, bold=True)
