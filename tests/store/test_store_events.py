"""MCP events: logging one or many, reading timelines newest first, paging, metadata."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from store_helpers import (
    T0,
    epoch,
    expect_error,
    make_event,
    make_instance,
)
from testkit import subprocess_env

from store import DatabaseError, ErrorCode


@pytest.fixture
def instance(db):
    return db.create_instance(make_instance())


def test_event_round_trips_every_field(db, instance):
    event_id = db.log_mcp_event(
        make_event(
            instance,
            tool_name="request_review",
            success=False,
            error_message="boom",
            metadata={"reviewConfig": {"rounds": 2}, "files": ["a.py"]},
            git_commit_hash="0123abcd",
            status_change="waiting_review",
            is_status_updating=True,
            timestamp=T0,
        )
    )
    (got,) = db.get_mcp_events(instance)
    assert got.id == event_id
    assert (got.tool_name, got.success, got.error_message, got.git_commit_hash) == (
        "request_review",
        False,
        "boom",
        "0123abcd",
    )
    assert got.metadata == {"reviewConfig": {"rounds": 2}, "files": ["a.py"]}
    assert (got.status_change, got.is_status_updating, got.timestamp) == (
        "waiting_review",
        True,
        T0,
    )


def test_timestamp_defaults_to_now_and_json_text_is_stored_as_given(db, raw_db, instance):
    before = int(time.time())
    db.log_mcp_event(make_event(instance, metadata='{"reviewConfig":{}}'))
    after = int(time.time())
    (got,) = db.get_mcp_events(instance)
    assert before <= epoch(got.timestamp) <= after
    assert got.metadata == {"reviewConfig": {}}
    assert raw_db("SELECT metadata, success, is_status_updating FROM mcp_events") == [
        ('{"reviewConfig":{}}', 1, 0)
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tool_name": ""}, "tool_name"),
        ({"success": "yes"}, "success"),
        ({"metadata": "{not json"}, "metadata"),
        ({"metadata": {1, 2}}, "metadata"),
        ({"status_change": "running"}, "status_change"),
        ({"timestamp": "now"}, "timestamp"),
        ({"instance_id": "bad id"}, "instance_id"),
    ],
)
def test_invalid_event(db, raw_db, instance, overrides, field):
    error = expect_error(
        ErrorCode.VALIDATION_FAILED,
        db.log_mcp_event,
        make_event(**{"instance_id": instance, **overrides}),
    )
    assert error.field == field
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]


def test_unknown_instance(db, raw_db):
    expect_error(ErrorCode.INSTANCE_NOT_FOUND, db.log_mcp_event, make_event("ghost-1"))
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]


def test_newest_first_with_ties_ordered_by_id(db, instance):
    offsets = [5, 0, 5, 9, 5, 0]  # seconds after T0, with equal timestamps
    ids = [
        db.log_mcp_event(make_event(instance, timestamp=T0 + timedelta(seconds=s))) for s in offsets
    ]
    expected = sorted(zip(offsets, ids, strict=True), reverse=True)
    assert [e.id for e in db.get_mcp_events(instance)] == [i for _, i in expected]


def test_only_the_instance_own_events(db, instance):
    other = db.create_instance(make_instance())
    db.log_mcp_events([make_event(instance), make_event(other), make_event(instance)])
    assert {e.instance_id for e in db.get_mcp_events(instance)} == {instance}
    assert len(db.get_mcp_events(instance)) == 2


def test_default_limit_is_100_newest(db, instance):
    db.log_mcp_events(
        [make_event(instance, timestamp=T0 + timedelta(seconds=n)) for n in range(130)]
    )
    events = db.get_mcp_events(instance)
    assert len(events) == 100
    assert events[0].timestamp == T0 + timedelta(seconds=129)
    assert events[-1].timestamp == T0 + timedelta(seconds=30)
    assert len(db.get_mcp_events(instance, limit=7)) == 7


@pytest.mark.parametrize("limit", [0, -1, 2.5, "10", True])
def test_bad_limit(db, instance, limit):
    assert (
        expect_error(ErrorCode.VALIDATION_FAILED, db.get_mcp_events, instance, limit).field
        == "limit"
    )


def test_any_limit_is_served_whole_in_order(db, instance):
    """The spec's interface takes any limit: past one read page (and past the old 10,000 cap)
    the events come back whole, newest first, the same as paging with before_id."""
    total = 12_345
    db.log_mcp_events(
        [make_event(instance, timestamp=T0 + timedelta(seconds=n // 3)) for n in range(total)]
    )
    everything = db.get_mcp_events(instance, limit=10**9)
    assert len(everything) == total
    assert len(db.get_mcp_events(instance, limit=10_001)) == 10_001
    pages, before = [], None
    while page := db.get_mcp_events(instance, limit=4_000, before_id=before):
        pages.extend(e.id for e in page)
        before = page[-1].id
    assert [e.id for e in everything] == pages
    assert len(db.get_recent_mcp_events(T0, limit=11_000)) == 11_000


PAGED_READ = """
import json, sys, tracemalloc
from store import DatabaseConfig, initialize_database
db = initialize_database(DatabaseConfig(read_only=True).with_target(sys.argv[1]))
db.get_mcp_events(sys.argv[2], limit=10)  # the reader connection, made once
tracemalloc.start()
events = db.get_mcp_events(sys.argv[2], limit=50_000)
kept, peak = tracemalloc.get_traced_memory()
print(json.dumps([len(events), kept, peak]))
"""


def test_a_large_limit_reads_in_pages(db, instance):
    """Memory stays flat: beyond the records returned, a read holds only a page of raw rows
    (all rows fetched at once held about as much again as the records). Measured in a fresh
    process: tracemalloc counts every thread's allocations, and a test's leftovers would count."""
    db.log_mcp_events(
        [make_event(instance, metadata={"n": n}, timestamp=T0) for n in range(20_000)]
    )
    target = db.config.server_url or db.path
    done = subprocess.run(
        [sys.executable, "-c", PAGED_READ, target, instance],
        capture_output=True,
        text=True,
        timeout=120,
        env=subprocess_env(),
    )
    assert done.returncode == 0, done.stderr
    count, kept, peak = json.loads(done.stdout)
    assert count == 20_000
    assert peak - kept < kept * 0.2, (peak, kept)


def test_before_id_pages_through_everything_once(db, instance):
    db.log_mcp_events(
        [make_event(instance, timestamp=T0 + timedelta(seconds=n % 4)) for n in range(23)]
    )
    everything = [e.id for e in db.get_mcp_events(instance, limit=1000)]
    pages, before = [], None
    while page := db.get_mcp_events(instance, limit=5, before_id=before):
        pages.extend(e.id for e in page)
        before = page[-1].id
    assert pages == everything
    assert len(set(pages)) == 23


def test_recent_events_since(db, instance):
    other = db.create_instance(make_instance())
    for n in range(6):
        db.log_mcp_event(
            make_event(instance if n % 2 else other, timestamp=T0 + timedelta(hours=n))
        )
    recent = db.get_recent_mcp_events(T0 + timedelta(hours=3))
    assert [e.timestamp for e in recent] == [T0 + timedelta(hours=h) for h in (5, 4, 3)]
    assert {e.instance_id for e in recent} == {instance, other}
    assert len(db.get_recent_mcp_events(T0, limit=2)) == 2
    assert db.get_recent_mcp_events(T0 + timedelta(days=1)) == []


def test_recent_events_needs_a_datetime(db):
    expect_error(ErrorCode.VALIDATION_FAILED, db.get_recent_mcp_events, None)
    expect_error(ErrorCode.VALIDATION_FAILED, db.get_recent_mcp_events, "yesterday")


def test_log_many_in_one_call(db, instance):
    other = db.create_instance(make_instance())
    count = db.log_mcp_events(
        [make_event(instance if n % 3 else other, metadata={"n": n}) for n in range(300)]
    )
    assert count == 300
    assert db.count_events(instance) + db.count_events(other) == 300
    assert db.log_mcp_events([]) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"tool_name": ""},  # fails validation
        {"instance_id": "ghost-1"},  # refers to a missing instance
        {"metadata": "{oops"},
    ],
)
def test_log_many_is_all_or_nothing(db, raw_db, instance, bad):
    events = [make_event(instance) for _ in range(50)]
    events[37] = make_event(**{"instance_id": instance, **bad})
    with pytest.raises(DatabaseError) as info:
        db.log_mcp_events(events)
    assert info.value.code in (ErrorCode.VALIDATION_FAILED, ErrorCode.INSTANCE_NOT_FOUND)
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]


def test_log_many_rolls_back_when_sqlite_refuses_one(db, raw_db, instance):
    raw_db.refuse("mcp_events", where="NEW.tool_name = 'poison'")
    events = [make_event(instance) for _ in range(50)]
    events[40] = make_event(instance, tool_name="poison")
    expect_error(ErrorCode.LOG_FAILED, db.log_mcp_events, events)
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]
    # and the connection is usable afterwards (no transaction left open)
    assert db.log_mcp_events(events[:3]) == 3


@pytest.mark.parametrize(
    "metadata",
    [None, {}, [], {"a": [1, 2, {"b": None}]}, 3.5, True, {"ü": "ñ ✓"}],
)
def test_metadata_round_trips(db, instance, metadata):
    """Python values are stored as JSON (a str is taken to be JSON text already)."""
    db.log_mcp_event(make_event(instance, metadata=metadata))
    assert db.get_mcp_events(instance)[0].metadata == metadata
