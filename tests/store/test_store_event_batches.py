"""log_mcp_events writes EVENT_ROWS_PER_STATEMENT rows a statement (`dialect.insert_event_rows`).

The rows, their ids and their order must be exactly executemany's; validation is unchanged (the
per-event validator, every field of every event), and a bad event or an unknown instance anywhere
in a batch means nothing is written.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import T0, expect_error, make_event, make_instance, outcome, query

from store import ErrorCode
from store import validation as v
from store.dialects import sqlite as dialect

NOW = 1_700_000_000
PER = dialect.EVENT_ROWS_PER_STATEMENT
EVENT_COLUMNS_SQL = dialect.EVENT_COLUMNS_SQL


def _memory() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute(
        "CREATE TABLE mcp_events (id integer PRIMARY KEY AUTOINCREMENT NOT NULL, "
        "instance_id text NOT NULL, tool_name text NOT NULL, success integer NOT NULL, "
        "error_message text, metadata text, git_commit_hash text, status_change text, "
        "is_status_updating integer NOT NULL, timestamp integer NOT NULL)"
    )
    return con


def _table(con: sqlite3.Connection) -> list[tuple]:
    return con.execute(f"SELECT id, {EVENT_COLUMNS_SQL} FROM mcp_events ORDER BY id").fetchall()


row_strategy = st.tuples(
    st.sampled_from(["a-1", "b-2", "c-3"]),
    st.text(min_size=1, max_size=5),
    st.sampled_from([0, 1]),
    st.none() | st.text(max_size=5),
    st.none() | st.sampled_from(['{"k":1}', "[]", "3"]),
    st.none() | st.text(max_size=3),
    st.none() | st.sampled_from(["started", "pr_merged"]),
    st.sampled_from([0, 1]),
    st.integers(min_value=0, max_value=2**40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.integers(min_value=0, max_value=3),
    count=st.sampled_from([0, 1, 2, PER - 1, PER, PER + 1, 2 * PER, 2 * PER + 5, 1000]),
    rows=st.lists(row_strategy, min_size=1, max_size=5),
)
def test_multirow_insert_gives_executemany_ids_rows_and_order(before, count, rows):
    batch = [(*rows[i % len(rows)][:8], rows[i % len(rows)][8] + i) for i in range(count)]
    tables = []
    for write in (dialect.insert_events, dialect.insert_event_rows):
        con = _memory()
        for _ in range(before):  # earlier events (and a deleted last one) move the sequence on
            dialect.insert_events(con, batch[:1] or [rows[0]])
        con.execute("DELETE FROM mcp_events WHERE id = (SELECT max(id) FROM mcp_events)")
        write(con, batch)
        tables.append((_table(con), con.execute("SELECT seq FROM sqlite_sequence").fetchall()))
        con.close()
    assert tables[0] == tables[1]


def test_insert_event_rows_refuses_rows_of_the_wrong_width():
    con = _memory()
    good = ("a-1", "t", 1, None, None, None, None, 0, 5)
    with pytest.raises(ValueError):
        dialect.insert_event_rows(con, [good, good[:8], (*good, 1)])
    assert _table(con) == []


def test_insert_events_sql_stays_within_999_parameters():
    sql = dialect.insert_events_sql(PER)
    assert sql.count("?") == PER * 9 <= 999


def test_log_mcp_events_ids_are_consecutive_in_batch_order(db, raw_db):
    db.create_instance(make_instance(id="ev-a"))
    db.create_instance(make_instance(id="ev-b"))
    db.log_mcp_event(make_event("ev-a"))
    n = 3 * PER + 7
    batch = [
        make_event("ev-a" if k % 3 else "ev-b", tool_name=f"tool-{k}", timestamp=T0)
        for k in range(n)
    ]
    assert db.log_mcp_events(batch) == n
    got = raw_db("SELECT id, instance_id, tool_name FROM mcp_events ORDER BY id")
    assert [row[0] for row in got] == list(range(1, n + 2))
    assert [(row[1], row[2]) for row in got[1:]] == [(e.instance_id, e.tool_name) for e in batch]


def test_log_mcp_events_matches_the_per_event_rows(db, raw_db):
    db.create_instance(make_instance(id="ev-c"))
    batch = [
        make_event(
            "ev-c",
            tool_name="t",
            success=k % 2 == 0,
            error_message=None if k % 5 else "boom",
            metadata={"k": k} if k % 3 else f'{{"n":{k}}}',
            status_change=None if k % 7 else "pr_merged",
            is_status_updating=k % 7 == 0,
            timestamp=T0,
        )
        for k in range(500)
    ]
    expected = v.event_rows(batch, now=NOW)
    db.log_mcp_events(batch)
    stored = raw_db(f"SELECT {EVENT_COLUMNS_SQL} FROM mcp_events ORDER BY id")
    assert stored == expected


BAD_VALUES = [
    ("instance_id", "bad id!", "instance_id"),
    ("instance_id", None, "instance_id"),
    ("tool_name", "", "tool_name"),
    ("tool_name", 5, "tool_name"),
    ("success", 2, "success"),
    ("error_message", "a\x00b", "error_message"),
    ("error_message", "x" * (v.MAX_MESSAGE + 1), "error_message"),
    ("metadata", "{not json", "metadata"),
    ("metadata", {"s": {1, 2}}, "metadata"),
    ("git_commit_hash", "h" * 201, "git_commit_hash"),
    ("status_change", "exploded", "status_change"),
    ("is_status_updating", "yes", "is_status_updating"),
    ("timestamp", -1, "timestamp"),
    ("timestamp", "today", "timestamp"),
]


@pytest.mark.parametrize(("field", "value", "named"), BAD_VALUES)
def test_bad_7000th_of_10000_raises_the_per_event_error_and_writes_nothing(
    db, raw_db, field, value, named
):
    db.create_instance(make_instance(id="ev-d"))
    db.log_mcp_event(make_event("ev-d", tool_name="before"))
    batch = [make_event("ev-d", metadata='{"a":1}', timestamp=T0) for _ in range(10_000)]
    setattr(batch[6999], field, value)
    single = outcome(v.event_row, batch[6999], now=NOW)
    assert single[:3] == ("error", ErrorCode.VALIDATION_FAILED, named)
    error = expect_error(ErrorCode.VALIDATION_FAILED, db.log_mcp_events, batch)
    assert (error.field, error.message) == (named, f"{single[3]} (events[6999] of 10,000)")
    assert raw_db("SELECT count(*), max(tool_name) FROM mcp_events") == [(1, "before")]


def test_unknown_instance_anywhere_rejects_the_batch_and_writes_nothing(db, raw_db):
    db.create_instance(make_instance(id="ev-e"))
    batch = [make_event("ev-e") for _ in range(10_000)]
    batch[6999] = make_event("ev-missing")
    error = expect_error(ErrorCode.INSTANCE_NOT_FOUND, db.log_mcp_events, batch)
    assert "ev-missing" in error.message
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]
    assert db.log_mcp_events(batch[:6999]) == 6999  # the sequence was not moved by the refusal
    assert raw_db("SELECT min(id), max(id) FROM mcp_events") == [(1, 6999)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    count=st.integers(min_value=1, max_value=300),
)
def test_generated_batches_store_or_refuse_as_the_per_event_validator(
    data, count, tmp_path_factory
):
    from store import DatabaseConfig, initialize_database

    path = tmp_path_factory.mktemp("events") / "e.db"
    batch: list[Any] = [make_event("ev-f", tool_name=f"t{k}", timestamp=T0) for k in range(count)]
    if data.draw(st.booleans()):
        field, value, _ = data.draw(st.sampled_from(BAD_VALUES))
        setattr(batch[data.draw(st.integers(0, count - 1))], field, value)
    expected = outcome(v.event_rows, batch, now=NOW)
    with initialize_database(DatabaseConfig(local_file=str(path))) as db:
        db.create_instance(make_instance(id="ev-f"))
        got = outcome(db.log_mcp_events, batch)
    stored = query(path, f"SELECT {EVENT_COLUMNS_SQL} FROM mcp_events ORDER BY id")
    if expected[0] == "ok":
        assert got == ("ok", count)
        assert [row[:8] for row in stored] == [row[:8] for row in expected[1]]
    else:
        assert got == expected
        assert stored == []
