"""Status transitions: the table in store/transitions.py, and the one-transaction status change."""

from __future__ import annotations

import itertools
import time

import pytest
from store_helpers import T0, epoch, expect_error, make_instance

from store import (
    ALLOWED_TRANSITIONS,
    INSTANCE_STATUSES,
    TERMINAL_STATUSES,
    ErrorCode,
    allowed_next,
)

ALLOWED = [(a, b) for a, nexts in ALLOWED_TRANSITIONS.items() for b in sorted(nexts)]
DISALLOWED = [
    (a, b)
    for a, b in itertools.product(INSTANCE_STATUSES, INSTANCE_STATUSES)
    if b not in ALLOWED_TRANSITIONS[a]
]


def test_the_table_covers_every_status():
    assert set(ALLOWED_TRANSITIONS) == set(INSTANCE_STATUSES)
    assert ALLOWED_TRANSITIONS["terminated"] == frozenset()
    assert all("terminated" in ALLOWED_TRANSITIONS[s] for s in INSTANCE_STATUSES[:-1])
    assert allowed_next("pr_created") == ["waiting_review", "pr_merged", "pr_closed", "terminated"]
    assert allowed_next("nonsense") == []


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_allowed_move_writes_status_activity_and_event(db, raw_db, current, new):
    db.create_instance(record := make_instance(status=current, last_activity=T0))
    before = int(time.time())
    db.update_instance_status(record.id, new)
    after = int(time.time())

    got = db.get_instance(record.id)
    assert got.status == new
    assert before <= epoch(got.last_activity) <= after
    if new in TERMINAL_STATUSES:
        assert before <= epoch(got.terminated_at) <= after
    else:
        assert got.terminated_at is None

    (event,) = db.get_mcp_events(record.id)
    assert event.tool_name == "update_instance_status"
    assert event.status_change == new
    assert event.is_status_updating is True
    assert event.success is True
    assert event.metadata == {"from": current, "to": new}
    assert event.timestamp == got.last_activity
    assert raw_db("SELECT is_status_updating, success FROM mcp_events") == [(1, 1)]


@pytest.mark.parametrize(("current", "new"), DISALLOWED)
def test_disallowed_move_is_refused_and_changes_nothing(db, raw_db, current, new):
    db.create_instance(record := make_instance(status=current, last_activity=T0))
    before = db.get_instance(record.id)
    error = expect_error(
        ErrorCode.INVALID_STATUS_TRANSITION, db.update_instance_status, record.id, new
    )
    assert f"from {current} to {new}" in str(error)
    assert db.get_instance(record.id) == before
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]


@pytest.mark.parametrize("new", INSTANCE_STATUSES)
def test_nothing_leaves_terminated(db, new):
    db.create_instance(record := make_instance(status="terminated"))
    error = expect_error(
        ErrorCode.INVALID_STATUS_TRANSITION, db.update_instance_status, record.id, new
    )
    assert "none (it is final)" in str(error)


def test_terminated_at_keeps_the_first_terminal_time(db):
    db.create_instance(record := make_instance(status="pr_merged", terminated_at=T0))
    db.update_instance_status(record.id, "terminated")
    assert db.get_instance(record.id).terminated_at == T0


def test_unknown_instance_and_unknown_status(db):
    expect_error(ErrorCode.INSTANCE_NOT_FOUND, db.update_instance_status, "ghost-1", "terminated")
    db.create_instance(record := make_instance())
    error = expect_error(
        ErrorCode.VALIDATION_FAILED, db.update_instance_status, record.id, "running"
    )
    assert error.field == "status"


def test_status_and_event_are_one_transaction(db, raw_db):
    """The event insert fails inside the engine: the status change must roll back with it."""
    db.create_instance(record := make_instance(status="pr_created", last_activity=T0))
    raw_db.refuse("mcp_events")
    expect_error(ErrorCode.UPDATE_FAILED, db.update_instance_status, record.id, "pr_merged")

    # What another program sees in the file, and what the store sees.
    assert raw_db(
        "SELECT status, last_activity, terminated_at FROM instances WHERE id = ?",
        (record.id,),
    ) == [("pr_created", epoch(T0), None)]
    got = db.get_instance(record.id)
    assert (got.status, got.last_activity, got.terminated_at) == ("pr_created", T0, None)
    assert raw_db("SELECT count(*) FROM mcp_events") == [(0,)]

    # Once the database accepts events again, the same move succeeds completely.
    raw_db.allow("mcp_events")
    db.update_instance_status(record.id, "pr_merged")
    assert raw_db("SELECT status FROM instances") == [("pr_merged",)]
    assert raw_db("SELECT status_change FROM mcp_events") == [("pr_merged",)]
