"""Fixtures for every test of the repository (the core's and the plugins')."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _log_into_a_temporary_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Streams are logged into a throw-away store, never the user's, and only by the tests
    that ask for it (``RILLET_LOG=0`` elsewhere): the logger's background writer must not
    run beside the suite's timing and memory measurements. The log tests (the
    ``store_location`` fixture) and the docs' examples turn logging on."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RILLET_LOG_URL", str(tmp_path_factory.mktemp("log") / "logs.db"))
        patch.setenv("RILLET_LOG", "0")
        yield


@pytest.fixture(autouse=True)
def _log_the_docs_examples(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guides' examples run as a user runs them: with logging on."""
    if request.node.path.name == "test_docs.py":
        monkeypatch.delenv("RILLET_LOG", raising=False)
