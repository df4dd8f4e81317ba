"""Shared fixtures of the core tests."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from loopback import LoopbackServer  # noqa: E402

import rillet  # noqa: E402
import rillet.logs  # noqa: E402
from rillet import _discovery  # noqa: E402


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def fake_plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Register the fake provider; isolate keys in a temporary RILLET_HOME."""
    import fake_provider

    monkeypatch.setenv("RILLET_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FAKE_API_KEY", "sk-fake-SECRET-123")
    _discovery.register_plugin(fake_provider, name="fake-test")
    yield
    _discovery.unregister_plugin("fake-test")


@pytest.fixture
def fast_options() -> rillet.StreamOptions:
    """Short timeouts and no backoff delay, so failure tests run quickly."""
    return rillet.StreamOptions(
        connect_timeout=2.0, first_token_timeout=2.0, gap_timeout=2.0, backoff_initial=0.0, backoff_max=0.0
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fast_plugin_model(fake_plugin: None, fast_options: rillet.StreamOptions):  # type: ignore[no-untyped-def]
    """A factory: the fake provider's model pointed at a loopback server."""

    def make(server: LoopbackServer, **kwargs):  # type: ignore[no-untyped-def]
        return rillet.get_model("fake/fake-1", base_url=server.url, options=fast_options, **kwargs)

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty log store in force (``RILLET_LOG_URL``): a SQLite file, then a schema of its
    own on the PostgreSQL server of ``RILLET_TEST_POSTGRES_URL`` (skipped without one)."""
    from rillet.logs._writer import writer

    schema = None
    if request.param == "sqlite":
        location = str(tmp_path / "logs.db")
    else:
        url = os.environ.get("RILLET_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("no PostgreSQL server: set RILLET_TEST_POSTGRES_URL (.ci/run starts one)")
        import psycopg

        schema = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        location = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    monkeypatch.setenv("RILLET_LOG_URL", location)
    monkeypatch.delenv("RILLET_LOG", raising=False)
    yield location
    rillet.logs.flush()
    writer().close_stores()
    if schema is not None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")

