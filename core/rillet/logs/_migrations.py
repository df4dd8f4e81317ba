"""The log store's schema, as numbered migrations applied in order, once.

To change the schema, append a migration (never edit an applied one). Each runs in a
transaction holding the write lock, so two processes starting at once migrate once.
Types and statements are portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

import time

from ._database import Database

__all__ = ["MIGRATIONS", "migrate", "schema_version"]

MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """CREATE TABLE streams (
                id TEXT PRIMARY KEY,
                started_at DOUBLE PRECISION NOT NULL,
                conversation_id TEXT NOT NULL,
                response_id TEXT,
                provider TEXT NOT NULL,
                model TEXT NOT NULL,
                response_model TEXT,
                prompt TEXT NOT NULL,
                request_json TEXT NOT NULL,
                response_text TEXT NOT NULL,
                reasoning_text TEXT NOT NULL,
                tool_calls_json TEXT NOT NULL,
                response_json TEXT NOT NULL,
                input_tokens INTEGER,
                output_tokens INTEGER,
                reasoning_tokens INTEGER,
                cache_read_tokens INTEGER,
                cache_write_tokens INTEGER,
                usage_estimated INTEGER NOT NULL,
                finish_reason TEXT,
                raw_finish_reason TEXT,
                time_to_first_token DOUBLE PRECISION,
                duration DOUBLE PRECISION,
                tokens_per_second DOUBLE PRECISION,
                outcome TEXT NOT NULL,
                error_code TEXT,
                error_message TEXT
            )""",
            "CREATE INDEX streams_started_at ON streams (started_at)",
            "CREATE INDEX streams_conversation ON streams (conversation_id, started_at)",
            "CREATE INDEX streams_response_id ON streams (response_id)",
            """CREATE TABLE responses (
                response_id TEXT PRIMARY KEY,
                conversation_id TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )""",
        ],
    ),
]


def schema_version(database: Database) -> int:
    """The newest migration applied (0 for an empty store)."""
    rows = database.fetch_all("SELECT MAX(version) FROM schema_migrations")
    return int(rows[0][0] or 0)


def migrate(database: Database) -> int:
    """Apply the migrations the store lacks; return the schema version."""
    newest = MIGRATIONS[-1][0]
    try:
        if schema_version(database) >= newest:
            return newest  # up to date: no write lock needed (readers stay readers)
    except Exception:
        pass  # a new store: no schema_migrations table yet
    with database.transaction():
        database.lock_for_migration()
        database.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        current = schema_version(database)
        for version, statements in MIGRATIONS:
            if version <= current:
                continue
            for statement in statements:
                database.execute(statement)
            database.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", (version, time.time()))
    return newest
