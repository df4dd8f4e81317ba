"""``LogStore``: the logged streams on SQLite or PostgreSQL, with one set of queries."""

from __future__ import annotations

import time
from typing import Any

from .._errors import ConfigurationError
from .._messages import Message
from ._database import Database, connect
from ._migrations import migrate
from ._record import COLUMNS, StreamRecord
from ._settings import describe_location, log_location
from ._stats import ModelStats, summarise

__all__ = ["LogStore", "open_store"]

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM streams"


class LogStore:
    """The log store at ``location`` (see :func:`rillet.logs.log_location`), migrated on open.

    Safe to use from several processes at once (SQLite in WAL mode with a busy timeout,
    or PostgreSQL). Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, location: str | None = None) -> None:
        self.location = location or log_location()
        self._database: Database = connect(self.location)
        self.schema_version = migrate(self._database)

    def __repr__(self) -> str:
        return f"<LogStore {describe_location(self.location)}>"

    def __enter__(self) -> LogStore:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._database.close()

    # writing ------------------------------------------------------------------------

    def add(self, record: StreamRecord) -> None:
        """Store one stream."""
        placeholders = ", ".join("?" for _ in COLUMNS)
        with self._database.transaction():
            self._database.execute(f"INSERT INTO streams ({', '.join(COLUMNS)}) VALUES ({placeholders})", record.row())

    def record_response(self, response_id: str, conversation_id: str) -> None:
        """Remember that ``response_id`` (the gateway's, say) belongs to ``conversation_id``,
        so a later request can continue from it (:meth:`messages_for_response`)."""
        with self._database.transaction():
            self._database.execute(
                "INSERT INTO responses (response_id, conversation_id, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (response_id) DO UPDATE SET conversation_id = excluded.conversation_id",
                (response_id, conversation_id, time.time()),
            )

    # reading ------------------------------------------------------------------------

    def streams(
        self,
        *,
        limit: int | None = 20,
        model: str | None = None,
        provider: str | None = None,
        outcome: str | None = None,
        since: float | None = None,
        conversation_id: str | None = None,
        oldest_first: bool = False,
    ) -> list[StreamRecord]:
        """Logged streams, newest first; ``model`` matches ``name`` or ``provider/name``."""
        where, parameters = _filters(model=model, provider=provider, outcome=outcome, since=since, conversation_id=conversation_id)
        order = "ASC" if oldest_first else "DESC"
        query = f"{_SELECT}{where} ORDER BY started_at {order}, id {order}"
        if limit is not None:
            query += " LIMIT ?"
            parameters.append(int(limit))
        return [StreamRecord.from_row(row) for row in self._database.fetch_all(query, parameters)]

    def count(self) -> int:
        """How many streams are logged."""
        return int(self._database.fetch_all("SELECT COUNT(*) FROM streams")[0][0])

    def get(self, stream_id: str) -> StreamRecord:
        """The stream with this id, or the only one whose id starts with it."""
        rows = self._database.fetch_all(f"{_SELECT} WHERE id LIKE ? ORDER BY started_at DESC LIMIT 2", (_prefix(stream_id),))
        if len(rows) != 1:
            problem = "no logged stream has" if not rows else "several logged streams have"
            raise ConfigurationError(f"{problem} the id {stream_id!r} (see `rillet logs`)")
        return StreamRecord.from_row(rows[0])

    def latest_conversation_id(self) -> str | None:
        """The conversation of the newest stream, or ``None`` when nothing is logged."""
        rows = self._database.fetch_all("SELECT conversation_id FROM streams ORDER BY started_at DESC, id DESC LIMIT 1")
        return str(rows[0][0]) if rows else None

    def conversation_messages(self, conversation_id: str) -> list[Message]:
        """The messages of a conversation so far: those its newest stream sent, then the
        answer that arrived (partial text included). Empty for an unknown conversation."""
        found = self.streams(conversation_id=conversation_id, limit=1)
        return _history(found[0]) if found else []

    def conversation_for_response(self, response_id: str) -> str | None:
        """The conversation a response id belongs to (recorded, or logged with its stream)."""
        rows = self._database.fetch_all("SELECT conversation_id FROM responses WHERE response_id = ?", (response_id,))
        if not rows:
            rows = self._database.fetch_all(
                "SELECT conversation_id FROM streams WHERE response_id = ? ORDER BY started_at DESC LIMIT 1", (response_id,)
            )
        return str(rows[0][0]) if rows else None

    def messages_for_response(self, response_id: str) -> list[Message] | None:
        """The history a request continuing from ``response_id`` sends (the Responses API's
        ``previous_response_id``): the messages up to and including that response, or
        ``None`` when the id is unknown.

        A stream's row is written by a background thread just after the stream ends: when
        this process streamed that response, call :func:`rillet.logs.flush` first."""
        rows = self._database.fetch_all(
            f"{_SELECT} WHERE response_id = ? ORDER BY started_at DESC LIMIT 1", (response_id,)
        )
        if rows:
            return _history(StreamRecord.from_row(rows[0]))
        conversation_id = self.conversation_for_response(response_id)
        return None if conversation_id is None else self.conversation_messages(conversation_id)

    def stats(self, *, since: float | None = None, model: str | None = None, provider: str | None = None) -> list[ModelStats]:
        """Per model: streams, tokens in and out, time to first token p50/p95, tokens/s."""
        where, parameters = _filters(model=model, provider=provider, since=since)
        rows = self._database.fetch_all(
            "SELECT provider, model, outcome, input_tokens, output_tokens, time_to_first_token, tokens_per_second "
            f"FROM streams{where}",
            parameters,
        )
        return summarise(rows)


def _history(record: StreamRecord) -> list[Message]:
    answer = record.response_message
    return record.messages + ([answer] if answer.content else [])


def _prefix(stream_id: str) -> str:
    return stream_id.replace("\\", "").replace("%", "").replace("_", "") + "%"


def _filters(**values: Any) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    parameters: list[Any] = []
    if values.get("model"):
        provider, slash, name = str(values["model"]).partition("/")
        if slash:
            clauses.append("provider = ? AND model = ?")
            parameters += [provider, name]
        else:
            clauses.append("model = ?")
            parameters.append(provider)
    for column in ("provider", "outcome", "conversation_id"):
        if values.get(column):
            clauses.append(f"{column} = ?")
            parameters.append(values[column])
    if values.get("since") is not None:
        clauses.append("started_at >= ?")
        parameters.append(float(values["since"]))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), parameters


def open_store(location: str | None = None) -> LogStore:
    """The log store in force (``RILLET_LOG_URL``, else ``logs.db`` in the app directory)."""
    return LogStore(location)
