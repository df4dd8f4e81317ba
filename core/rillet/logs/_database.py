"""One small connection API over SQLite (stdlib ``sqlite3``) and PostgreSQL (psycopg 3).

Queries are written once, with ``?`` placeholders and portable SQL; the PostgreSQL side
turns ``?`` into ``%s``. Only connecting, locking and transactions differ by dialect.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from .._errors import ConfigurationError

__all__ = ["Database", "connect"]

#: How long a writer waits for another process's lock before failing (milliseconds).
BUSY_TIMEOUT_MS = 30_000
_MIGRATION_LOCK = 7_411_327  # PostgreSQL advisory lock key taken while migrating


class Database:
    """A connection to the log store, used from one thread at a time (a lock enforces it)."""

    dialect = "sqlite"

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._lock = threading.RLock()

    def sql(self, query: str) -> str:
        """``query`` in this dialect's placeholder style."""
        return query

    def execute(self, query: str, parameters: Sequence[Any] = ()) -> None:
        """Run one statement."""
        with self._lock:
            self._connection.execute(self.sql(query), tuple(parameters))

    def fetch_all(self, query: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its rows."""
        with self._lock:
            return [tuple(row) for row in self._connection.execute(self.sql(query), tuple(parameters)).fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction that holds the database's write lock from its start."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def lock_for_migration(self) -> None:
        """Inside :meth:`transaction`: keep other processes from migrating at the same time
        (SQLite's ``BEGIN IMMEDIATE`` already does)."""

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()


class PostgresDatabase(Database):
    """The PostgreSQL side: psycopg 3 in autocommit mode, explicit transactions."""

    dialect = "postgresql"

    def sql(self, query: str) -> str:
        return query.replace("?", "%s")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock, self._connection.transaction():
            yield

    def lock_for_migration(self) -> None:
        self._connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))


def connect(location: str) -> Database:
    """Open the store at ``location``: a ``postgresql://`` URL, a ``sqlite:///`` URL or a path."""
    if location.startswith(("postgresql://", "postgres://")):
        return _connect_postgres(location)
    path = Path(location[len("sqlite:///") :] if location.startswith("sqlite:///") else location)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _use_wal(connection)
    connection.execute("PRAGMA synchronous = NORMAL")
    return Database(connection)


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the store in WAL mode. Switching needs the database to itself, and SQLite may
    answer "locked" at once instead of waiting when another process opens the new store at
    the same moment: try again until the busy timeout, done as soon as either succeeded."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal" or connection.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise ConfigurationError(f"the log store could not be opened in WAL mode within {BUSY_TIMEOUT_MS // 1000}s: another process holds it")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _connect_postgres(url: str) -> Database:
    try:
        import psycopg
    except ImportError:
        raise ConfigurationError(
            "RILLET_LOG_URL names a PostgreSQL server but psycopg is not installed: pip install 'rillet[postgres]'"
        ) from None
    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        from ._settings import describe_location

        reason = " ".join(str(exc).split()).replace(url, describe_location(url))
        raise ConfigurationError(f"cannot open the log store {describe_location(url)}: {reason}") from None
    return PostgresDatabase(connection)
