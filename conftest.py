"""Fixtures for every test of the repository (the core's and the plugins')."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _log_into_a_temporary_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every stream of the suite goes through rillet's logger (so it is tested to change
    nothing), into a throw-away store, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RILLET_LOG_URL", str(tmp_path_factory.mktemp("log") / "logs.db"))
        yield
