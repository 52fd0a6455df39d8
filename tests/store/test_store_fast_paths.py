"""The store's fast paths equal its reference paths exactly.

`validation.event_rows`/`issue_rows` must give the rows `event_row`/`issue_row` give, or the same
error (code, field, message); `convert.events_from_rows`/`instances_from_rows` must give the records
the dataclass constructors give; list_instances' SQL must carry every value as a parameter.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import T0, expect_error, make_event, make_instance, outcome, query

from store import (
    INSTANCE_STATUSES,
    INSTANCE_TYPES,
    ErrorCode,
    GitHubIssueRecord,
    InstanceRecord,
    MCPEventRecord,
    convert,
)
from store import validation as v
from store.dialects import sqlite as dialect
from store.dialects.columns import INSTANCE_COLUMNS
from store.timeutil import from_epoch

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = 1_700_000_000

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
json_texts = st.one_of(
    json_values.map(json.dumps),
    json_values.map(lambda x: " " + json.dumps(x) + "\n"),  # whitespace around: still valid
    st.sampled_from(["{bad", "[1,]", "NaN", '{"a":NaN}', "", " ", "{}x", "{}\x00", "\ufeff{}"]),
    st.text(max_size=12),
)
stamps = st.one_of(
    st.none(),
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2300, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    ),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),  # naive
    st.integers(min_value=-5, max_value=2**54),
    st.floats(min_value=-1, max_value=2**54),
    st.just("now"),
)
names = st.one_of(
    st.sampled_from(["run_tests", "a-1", "work-12-a1", "x" * 200, "x" * 201, "", " ", "a b"]),
    st.text(max_size=8),
    st.none(),
    st.integers(),
)
flags = st.one_of(st.booleans(), st.sampled_from([0, 1, 2, None, "yes"]))


def maybe(strategy):
    return st.one_of(st.none(), strategy)


events = st.builds(
    MCPEventRecord,
    instance_id=names,
    tool_name=names,
    success=flags,
    error_message=maybe(st.one_of(st.text(max_size=8), st.just("a\x00b"), st.integers())),
    metadata=st.one_of(st.none(), json_values, json_texts, st.just({1, 2})),
    git_commit_hash=maybe(st.one_of(st.text(max_size=8), st.just("c" * 201))),
    status_change=maybe(st.one_of(st.sampled_from(INSTANCE_STATUSES), st.just("running"))),
    is_status_updating=flags,
    timestamp=stamps,
)
issues = st.builds(
    GitHubIssueRecord,
    number=st.one_of(st.integers(min_value=-1, max_value=2**64), st.none(), st.just(True)),
    title=names,
    body=maybe(st.one_of(st.text(max_size=8), st.just("b\x00"))),
    state=names,
    assignee=maybe(names),
    labels=st.one_of(
        st.none(),
        st.lists(st.text(max_size=5), max_size=3),
        st.lists(st.text(max_size=5), max_size=3).map(tuple),
        st.lists(st.text(max_size=5), max_size=3).map(json.dumps),
        json_texts,
        st.just({"bug": True}),
    ),
    created_at=stamps,
    updated_at=stamps,
    synced_at=stamps,
    repo_owner=names,
    repo_name=names,
)


@SETTINGS
@given(record=events)
def test_event_fast_path_equals_reference(record):
    expected = outcome(lambda: [v.event_row(record, now=NOW)])
    assert outcome(v.event_rows, [record], now=NOW) == expected
    assert outcome(v.event_rows, [record], now=NOW) == expected  # again, with the memos warm


@SETTINGS
@given(record=issues)
def test_issue_fast_path_equals_reference(record):
    expected = outcome(lambda: [v.issue_row(record, now=NOW)])
    assert outcome(v.issue_rows, [record], now=NOW) == expected
    assert outcome(v.issue_rows, [record], now=NOW) == expected


@settings(SETTINGS, max_examples=60)
@given(batch=st.lists(events, min_size=2, max_size=6))
def test_event_batch_reports_the_first_bad_event_by_index(batch):
    failures = [
        (index, result)
        for index, result in enumerate(outcome(v.event_row, r, now=NOW) for r in batch)
        if result[0] != "ok"
    ]
    if not failures:
        assert v.event_rows(batch, now=NOW) == [v.event_row(r, now=NOW) for r in batch]
        return
    index, first = failures[0]
    got = outcome(v.event_rows, batch, now=NOW)
    if first[0] == "raised":
        assert got == first
    else:
        assert got == (*first[:3], f"{first[3]} (events[{index}] of {len(batch)})")


def test_batch_error_message_names_the_event(db):
    instance = db.create_instance(make_instance())
    batch = [make_event(instance) for _ in range(50)]
    batch[37] = make_event(instance, metadata="{oops")
    error = expect_error(ErrorCode.VALIDATION_FAILED, db.log_mcp_events, batch)
    assert error.field == "metadata"
    assert error.message.startswith("metadata: is not valid JSON (")
    assert error.message.endswith("(events[37] of 50)")
    single = expect_error(ErrorCode.VALIDATION_FAILED, db.log_mcp_event, batch[37])
    assert single.message == error.message.removesuffix(" (events[37] of 50)")


def test_issue_batch_error_names_the_issue(db):
    from store_helpers import make_issue

    batch = [make_issue(n) for n in range(1, 11)]
    batch[4] = make_issue(5, labels='{"not": "a list"}')
    error = expect_error(ErrorCode.VALIDATION_FAILED, db.sync_github_issues, batch)
    assert (error.field, error.message) == (
        "labels",
        "labels: must be a JSON array (issues[4] of 10)",
    )


# --- conversion ---------------------------------------------------------------------------------


def reference_event(row: tuple) -> MCPEventRecord:
    return MCPEventRecord(
        id=row[0],
        instance_id=row[1],
        tool_name=row[2],
        success=bool(row[3]),
        error_message=row[4],
        metadata=v.parse_json(row[5]),
        git_commit_hash=row[6],
        status_change=row[7],
        is_status_updating=bool(row[8]),
        timestamp=from_epoch(row[9]),
    )


event_rows_strategy = st.tuples(
    st.integers(1, 2**62),
    st.text(max_size=5),
    st.text(max_size=5),
    st.sampled_from([0, 1]),
    maybe(st.text(max_size=5)),
    maybe(json_texts),
    maybe(st.text(max_size=5)),
    maybe(st.sampled_from(INSTANCE_STATUSES)),
    st.sampled_from([0, 1]),
    st.integers(0, 2**35),
)


@settings(SETTINGS, max_examples=60)
@given(rows=st.lists(event_rows_strategy, max_size=5))
def test_events_from_rows_equals_reference(rows):
    for _ in range(2):  # cold, then from the caches
        got = convert.events_from_rows(rows)
        assert got == [reference_event(row) for row in rows]
        for record in got:
            assert type(record) is MCPEventRecord
            assert record.timestamp.tzinfo is UTC


def test_cached_metadata_is_never_shared():
    row = (1, "a-1", "t", 1, None, '{"files":1,"ok":true}', None, None, 0, NOW)
    first = convert.event_from_row(row)
    first.metadata["files"] = 99
    second, third = convert.events_from_rows([row, row])
    assert second.metadata == third.metadata == {"files": 1, "ok": True}
    assert second.metadata is not third.metadata
    nested = (2, "a-1", "t", 1, None, '{"files":["a.py"]}', None, None, 0, NOW)
    a, b = convert.events_from_rows([nested, nested])
    a.metadata["files"].append("b.py")
    assert b.metadata == {"files": ["a.py"]}


def test_caches_are_bounded():
    convert.clear_caches()
    for n in range(convert.CACHE_LIMIT + 10):
        convert.utc(n)
        convert.json_value(f'{{"n":{n}}}')
    assert len(convert._datetimes) <= convert.CACHE_LIMIT
    assert len(convert._json_values) <= convert.CACHE_LIMIT


@settings(SETTINGS, max_examples=60)
@given(
    row=st.tuples(
        st.text(max_size=5),
        st.sampled_from(INSTANCE_TYPES),
        st.sampled_from(INSTANCE_STATUSES),
        st.text(max_size=5),
        st.text(max_size=5),
        maybe(st.text(max_size=5)),
        st.text(max_size=5),
        maybe(st.integers()),
        maybe(st.integers()),
        maybe(st.integers()),
        maybe(st.text(max_size=5)),
        maybe(st.text(max_size=5)),
        st.integers(0, 2**35),
        maybe(st.integers(0, 2**35)),
        st.integers(0, 2**35),
        maybe(st.text(max_size=5)),
        st.integers(1, 9),
    )
)
def test_instances_from_rows_equals_reference(row):
    fields = dict(zip(INSTANCE_COLUMNS, row, strict=True))
    for name in ("created_at", "terminated_at", "last_activity"):
        fields[name] = from_epoch(fields[name])
    (got,) = convert.instances_from_rows([row])
    assert got == InstanceRecord(**fields)
    assert type(got) is InstanceRecord


# --- list_instances' SQL ------------------------------------------------------------------------


def test_instances_query_binds_every_value():
    sql, params = dialect.instances_query(
        types=["coding", "review"],
        statuses=["started"],
        issue_number=7,
        parent_instance="p'1",
        order_by="terminated_at",
        descending=False,
        limit=5,
        offset=10,
    )
    assert params == ["coding", "review", "started", 7, "p'1", 5, 10]
    assert "p'1" not in sql and "coding" not in sql and " 7" not in sql
    assert sql.endswith(
        "WHERE type IN (?, ?) AND status IN (?) AND issue_number = ? AND parent_instance_id = ? "
        "ORDER BY terminated_at ASC, id ASC LIMIT ? OFFSET ?"
    )
    assert dialect.instances_query() == (
        f"{dialect.INSTANCE_SELECT} ORDER BY last_activity DESC, id DESC",
        [],
    )
    assert dialect.instances_query(offset=3)[1] == [-1, 3]
    with pytest.raises(ValueError):
        dialect.instances_query(order_by="id; DROP TABLE instances")


@pytest.mark.sqlite_only(
    reason="writes bytes that are not UTF-8 into the SQLite file; PostgreSQL refuses such text"
)
def test_list_instances_reads_text_that_is_not_utf8(db, db_path):
    db.create_instance(make_instance(id="bad-utf8-1", branch_name="b"))
    con = __import__("sqlite3").connect(db_path)
    con.execute("UPDATE instances SET branch_name = CAST(x'ff41' AS TEXT)")
    con.commit()
    con.close()
    (got,) = db.list_instances()
    assert got.branch_name == "\ufffdA"  # as Pony read it: U+FFFD for the bad byte
    assert query(db_path, "SELECT count(*) FROM instances") == [(1,)]


def test_list_instances_sees_its_own_writes_at_once(db):
    first = db.create_instance(make_instance(last_activity=T0))
    assert [i.id for i in db.list_instances()] == [first]
    db.update_instance(first, {"last_activity": T0 + timedelta(seconds=5)})
    second = db.create_instance(make_instance(last_activity=T0 + timedelta(seconds=9)))
    assert [i.id for i in db.list_instances()] == [second, first]
    assert db.list_instances()[1].last_activity == T0 + timedelta(seconds=5)
