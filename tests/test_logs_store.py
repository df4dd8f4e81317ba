"""The log store: one schema and one set of queries on SQLite and on PostgreSQL, versioned
migrations, filters, stats, conversations, response ids, and two processes writing at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import rillet
from rillet.logs import LogStore, StreamRecord
from rillet.logs._migrations import MIGRATIONS, schema_version


def record(**fields: Any) -> StreamRecord:
    values: dict[str, Any] = dict(
        id="a" * 32,
        started_at=1_000.0,
        conversation_id="c1",
        response_id=None,
        provider="fake",
        model="fake-1",
        response_model=None,
        prompt="hi",
        request_json='{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}',
        response_text="Hello",
        reasoning_text="",
        tool_calls_json="[]",
        response_json='{"role": "assistant", "content": [{"type": "text", "text": "Hello"}]}',
        input_tokens=1,
        output_tokens=2,
        reasoning_tokens=None,
        cache_read_tokens=None,
        cache_write_tokens=None,
        usage_estimated=False,
        finish_reason="stop",
        raw_finish_reason="stop",
        time_to_first_token=0.1,
        duration=1.0,
        tokens_per_second=2.0,
        outcome="complete",
        error_code=None,
        error_message=None,
    )
    values.update(fields)
    return StreamRecord(**values)


def test_a_record_round_trips(store_location: str) -> None:
    original = record(usage_estimated=True, error_message="boom ü")
    with LogStore(store_location) as store:
        store.add(original)
        assert store.streams() == [original]
        assert store.get("aaaa") == original
        assert store.count() == 1


def test_migrations_apply_once_and_record_their_version(store_location: str) -> None:
    with LogStore(store_location) as first:
        assert first.schema_version == MIGRATIONS[-1][0]
        first.add(record())
    with LogStore(store_location) as again:  # opening again migrates nothing and keeps the rows
        assert schema_version(again._database) == MIGRATIONS[-1][0]
        assert len(again.streams()) == 1
        rows = again._database.fetch_all("SELECT COUNT(*) FROM schema_migrations")
        assert rows[0][0] == len(MIGRATIONS)


def test_listing_is_newest_first_and_filters(store_location: str) -> None:
    with LogStore(store_location) as store:
        store.add(record(id="1" * 32, started_at=1.0))
        store.add(record(id="2" * 32, started_at=2.0, model="other", outcome="error", error_code="server"))
        store.add(record(id="3" * 32, started_at=3.0, provider="replay", model="demo"))
        assert [r.id[0] for r in store.streams()] == ["3", "2", "1"]
        assert [r.id[0] for r in store.streams(limit=1)] == ["3"]
        assert [r.id[0] for r in store.streams(model="fake/fake-1")] == ["1"]
        assert [r.id[0] for r in store.streams(model="demo")] == ["3"]
        assert [r.id[0] for r in store.streams(provider="fake")] == ["2", "1"]
        assert [r.id[0] for r in store.streams(outcome="error")] == ["2"]
        assert [r.id[0] for r in store.streams(since=1.5)] == ["3", "2"]


def test_get_by_an_ambiguous_or_unknown_prefix_says_so(store_location: str) -> None:
    with LogStore(store_location) as store:
        store.add(record(id="ab" + "0" * 30))
        store.add(record(id="ac" + "0" * 30))
        with pytest.raises(rillet.ConfigurationError, match="several"):
            store.get("a")
        with pytest.raises(rillet.ConfigurationError, match="no logged stream"):
            store.get("ff")
        assert store.get("ab").id.startswith("ab")


def test_stats_per_model_with_percentiles(store_location: str) -> None:
    with LogStore(store_location) as store:
        for number, first in enumerate([0.1, 0.2, 0.3, 0.4, 1.0]):
            store.add(record(id=f"{number:032x}", started_at=10.0 + number, time_to_first_token=first, tokens_per_second=10.0 * (number + 1)))
        store.add(record(id="f" * 32, started_at=1.0, model="other", outcome="cancelled", time_to_first_token=None, tokens_per_second=None))
        fake, other = store.stats()
        assert (fake.model, fake.streams, fake.input_tokens, fake.output_tokens) == ("fake-1", 5, 5, 10)
        assert fake.time_to_first_token_p50 == pytest.approx(0.3)
        assert fake.time_to_first_token_p95 == pytest.approx(0.88)
        assert fake.tokens_per_second == pytest.approx(30.0)
        assert (other.streams, other.outcomes, other.time_to_first_token_p50) == (1, {"cancelled": 1}, None)
        assert [s.model for s in store.stats(since=5.0)] == ["fake-1"]


def test_a_conversation_reads_back_as_the_messages_of_its_latest_turn(store_location: str) -> None:
    turn_two_request = (
        '{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]},'
        ' {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]},'
        ' {"role": "user", "content": [{"type": "text", "text": "again"}]}]}'
    )
    with LogStore(store_location) as store:
        store.add(record(id="1" * 32, started_at=1.0, response_id="resp_1"))
        store.add(record(id="2" * 32, started_at=2.0, request_json=turn_two_request, response_json='{"role": "assistant", "content": [{"type": "text", "text": "Again!"}]}', response_id="resp_2"))
        store.add(record(id="3" * 32, started_at=0.5, conversation_id="older"))
        assert store.latest_conversation_id() == "c1"
        assert [m.text for m in store.conversation_messages("c1")] == ["hi", "Hello", "again", "Again!"]
        assert store.conversation_messages("unknown") == []
        # the gateway's previous_response_id: the history up to and including that response
        assert [m.text for m in store.messages_for_response("resp_1") or []] == ["hi", "Hello"]
        assert [m.text for m in store.messages_for_response("resp_2") or []] == ["hi", "Hello", "again", "Again!"]
        assert store.messages_for_response("resp_unknown") is None


def test_a_recorded_response_id_leads_to_its_conversation(store_location: str) -> None:
    with LogStore(store_location) as store:
        store.add(record())
        store.record_response("resp_gateway", "c1")
        store.record_response("resp_gateway", "c1")  # recording again is harmless
        assert store.conversation_for_response("resp_gateway") == "c1"
        assert [m.text for m in store.messages_for_response("resp_gateway") or []] == ["hi", "Hello"]
        assert store.conversation_for_response("nope") is None


_WRITER = """
import sys, time
sys.path.insert(0, {tests!r})
from test_logs_store import record
from rillet.logs import LogStore
store = LogStore(sys.argv[1])
for number in range(int(sys.argv[3])):
    store.add(record(id=f"{{sys.argv[2]}}{{number:031x}}", started_at=time.time()))
store.close()
"""


def test_two_processes_writing_at_once_lose_nothing(store_location: str) -> None:
    count = 60
    script = _WRITER.format(tests=os.path.dirname(__file__))
    processes = [
        subprocess.Popen([sys.executable, "-c", script, store_location, name, str(count)], stderr=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]  # both open (and migrate) the empty store at the same moment, then write
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    with LogStore(store_location) as store:
        ids = [r.id for r in store.streams(limit=None)]
    assert len(ids) == len(set(ids)) == 2 * count
    assert {i[0] for i in ids} == {"a", "b"}


def test_a_password_in_the_store_url_is_not_shown() -> None:
    from rillet.logs._settings import describe_location

    assert describe_location("postgresql://me:hunter2@db:5432/logs") == "postgresql://me:***@db:5432/logs"
    assert describe_location("/home/me/logs.db") == "/home/me/logs.db"


def test_an_unreachable_postgresql_server_is_a_clear_error() -> None:
    with pytest.raises(rillet.ConfigurationError, match=r"cannot open the log store postgresql://me:\*\*\*@127.0.0.1:9/x") as raised:
        LogStore("postgresql://me:hunter2@127.0.0.1:9/x?connect_timeout=2")
    assert "hunter2" not in str(raised.value)


def test_a_new_migration_upgrades_an_existing_store(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from rillet.logs import _migrations

    with LogStore(store_location) as store:
        store.add(record())
    upgraded = [*MIGRATIONS, (MIGRATIONS[-1][0] + 1, ["ALTER TABLE streams ADD COLUMN note TEXT"])]
    monkeypatch.setattr(_migrations, "MIGRATIONS", upgraded)
    with LogStore(store_location) as store:
        assert store.schema_version == upgraded[-1][0]
        assert store._database.fetch_all("SELECT id, note FROM streams") == [("a" * 32, None)]
    with LogStore(store_location) as store:  # applied once: a second ALTER would fail
        assert len(store.streams()) == 1


_OPENER = "import sys\nfrom rillet.logs import LogStore\nLogStore(sys.argv[1]).close()\n"


def test_processes_opening_a_new_sqlite_store_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    """Switching a new store to WAL needs it to itself; SQLite may answer "locked" at once
    (seen in CI) instead of waiting, so each opener retries within the busy timeout."""
    failures = []
    for round_number in range(10):
        path = str(tmp_path / f"round{round_number}" / "logs.db")
        openers = [subprocess.Popen([sys.executable, "-c", _OPENER, path], stderr=subprocess.PIPE, text=True) for _ in range(4)]
        for opener in openers:
            _, errors = opener.communicate(timeout=120)
            if opener.returncode:
                failures.append(errors.strip().splitlines()[-1])
    assert failures == []
