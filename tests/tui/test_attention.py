"""Needs-you rules, transitions and the attention order, with an injected clock (any date)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tuilab import open_store

from store import InstanceRecord
from tui.attention import (
    Attention,
    NeedsYouTracker,
    attention_class,
    describe,
    needs_you,
)
from tui.model import InstanceRow, OverviewLoader

NOW = datetime.now(UTC).replace(microsecond=0)  # any date: every comparison is against NOW


def row(
    iid: str,
    status: str = "started",
    *,
    heard: timedelta = timedelta(minutes=1),
    failed: bool = False,
    created: timedelta = timedelta(hours=1),
) -> InstanceRow:
    record = InstanceRecord(
        id=iid,
        type="coding",
        status=status,  # type: ignore[arg-type]
        worktree_path=f"/w/{iid}",
        branch_name=f"b-{iid}",
        tmux_session=iid,
        created_at=NOW - created,
        last_activity=NOW - heard,
    )
    return InstanceRow(
        record=record, event_count=3, last_event_at=NOW - heard, last_event_failed=failed
    )


def test_the_three_reasons_and_what_is_not_one() -> None:
    assert needs_you(row("a", "waiting_review"), NOW).reason == "waiting_review"
    assert needs_you(row("b", failed=True), NOW).reason == "failed"
    # A failure retried at once is not yet a person's business (grace 20 s by default).
    fresh_failure = row("b2", failed=True, heard=timedelta(seconds=19))
    assert needs_you(fresh_failure, NOW) is None
    assert needs_you(fresh_failure, NOW, failure_grace=timedelta(0)).reason == "failed"
    assert needs_you(row("c", heard=timedelta(minutes=10)), NOW).reason == "stalled"
    assert needs_you(row("d", heard=timedelta(minutes=9, seconds=59)), NOW) is None
    assert needs_you(row("e", "pr_created"), NOW) is None
    assert needs_you(row("f", "terminated", failed=True), NOW) is None  # finished: never
    assert needs_you(row("g", "pr_created", heard=timedelta(hours=5)), NOW) is None
    custom = timedelta(minutes=2)
    assert needs_you(row("h", heard=timedelta(minutes=3)), NOW, custom).reason == "stalled"
    need = needs_you(row("c", heard=timedelta(minutes=12)), NOW)
    assert describe(need) == "c has stalled (no event for 10 min)"
    assert describe(needs_you(row("a", "waiting_review"), NOW)) == "a is waiting for review"


def test_start_up_state_is_not_a_transition_and_each_transition_fires_once() -> None:
    tracker = NeedsYouTracker()
    rows = {"a": row("a", "waiting_review"), "b": row("b"), "c": row("c", "pr_merged")}
    assert tracker.update(rows, NOW) == []  # already waiting at start-up: no notification
    assert tracker.count == 1
    for _ in range(5):  # reloads of the same state
        assert tracker.update(rows, NOW) == []
    rows["b"] = replace(rows["b"], last_event_failed=True)
    assert tracker.update(rows, NOW, baseline=True) == []  # start-up rows being completed
    rows["b"] = row("b")
    tracker.update(rows, NOW)
    rows["b"] = replace(rows["b"], last_event_failed=True)
    fired = tracker.update(rows, NOW)
    assert [(n.instance_id, n.reason) for n in fired] == [("b", "failed")]
    for _ in range(5):
        assert tracker.update(dict(rows), NOW) == []
    # A changed reason while still needing a person is not a new transition.
    rows["b"] = replace(rows["b"], record=replace(rows["b"].record, status="waiting_review"))
    assert tracker.update(rows, NOW) == []
    # Stops needing, then needs again: one more.
    rows["b"] = row("b", heard=timedelta(seconds=1))
    assert tracker.update(rows, NOW) == []
    rows["b"] = replace(rows["b"], last_event_failed=True)
    assert tracker.update(rows, NOW) == []  # within the failure grace
    later = NOW + timedelta(seconds=20)
    assert [n.instance_id for n in tracker.update(rows, later)] == ["b"]
    assert tracker.update(rows, later) == []
    assert tracker.count == 2


def test_stalling_is_seen_as_the_clock_moves_with_no_reload() -> None:
    tracker = NeedsYouTracker(stall_after=timedelta(minutes=10))
    rows = {"a": row("a", heard=timedelta(minutes=8)), "b": row("b", heard=timedelta(minutes=1))}
    assert tracker.update(rows, NOW) == []
    assert tracker.update(rows, NOW + timedelta(minutes=1, seconds=59)) == []
    fired = tracker.update(rows, NOW + timedelta(minutes=2))
    assert [(n.instance_id, n.reason) for n in fired] == [("a", "stalled")]
    assert tracker.update(rows, NOW + timedelta(minutes=5)) == []
    fired = tracker.update(rows, NOW + timedelta(minutes=9))
    assert [n.instance_id for n in fired] == ["b"]
    # An event arrives: no longer stalled.
    rows["a"] = replace(rows["a"], last_event_at=NOW + timedelta(minutes=9))
    tracker.update(rows, NOW + timedelta(minutes=9))
    assert set(tracker.needs) == {"b"}


def test_next_due_says_when_a_stall_or_a_failure_would_come_with_no_event() -> None:
    tracker = NeedsYouTracker(stall_after=timedelta(minutes=10))
    rows = {
        "quiet": row("quiet", heard=timedelta(minutes=7)),
        "failed": row("failed", failed=True, heard=timedelta(seconds=5)),
        "done": row("done", "pr_merged", heard=timedelta(hours=2)),
    }
    tracker.update(rows, NOW)
    assert tracker.next_due(rows, NOW) == timedelta(seconds=15)  # the failure's grace
    later = NOW + timedelta(seconds=15)
    assert [n.instance_id for n in tracker.update(rows, later)] == ["failed"]
    assert tracker.next_due(rows, later) == timedelta(minutes=3) - timedelta(seconds=15)
    assert tracker.next_due({"done": rows["done"]}, later) is None


def test_attention_order_needs_first_longest_waiting_then_working_then_finished() -> None:
    tracker = NeedsYouTracker()
    rows = {
        "done": row("done", "pr_merged", created=timedelta(minutes=5)),
        "closed": row("closed", "pr_closed", created=timedelta(hours=3)),
        "work-old": row("work-old", created=timedelta(hours=2)),
        "work-new": row("work-new", created=timedelta(minutes=2)),
        "pr": row("pr", "pr_created", created=timedelta(hours=1)),
        "wait-short": row("wait-short", "waiting_review", heard=timedelta(minutes=1)),
        "wait-long": row("wait-long", "waiting_review", heard=timedelta(minutes=30)),
        "failed": row("failed", failed=True, heard=timedelta(minutes=5)),
    }
    tracker.update(rows, NOW)
    order = sorted(rows, key=lambda k: tracker.sort_key(rows[k]))
    assert order == [
        "wait-long",
        "failed",
        "wait-short",
        "work-new",
        "pr",
        "work-old",
        "done",
        "closed",
    ]
    assert attention_class(rows["done"], None) == Attention.FINISHED
    # Another failed call: still waiting since the first, its place kept.
    rows["failed"] = row("failed", failed=True, heard=timedelta(seconds=30))
    tracker.update(rows, NOW)
    assert sorted(rows, key=lambda k: tracker.sort_key(rows[k])) == order
    assert tracker.needs["failed"].since == NOW - timedelta(minutes=5)
    # New events on a working row do not move it; changing class does.
    generation = tracker.generation
    rows["work-old"] = row("work-old", created=timedelta(hours=2), heard=timedelta(seconds=1))
    tracker.update(rows, NOW)
    assert sorted(rows, key=lambda k: tracker.sort_key(rows[k])) == order
    assert tracker.generation == generation
    rows["pr"] = row("pr", "pr_merged", created=timedelta(hours=1))
    tracker.update(rows, NOW)
    assert tracker.generation == generation + 1
    assert sorted(rows, key=lambda k: tracker.sort_key(rows[k]))[-3:] == ["done", "pr", "closed"]


def test_time_in_status_from_the_store_or_from_a_change_seen_live() -> None:
    tracker = NeedsYouTracker()
    rows = {"a": row("a"), "b": row("b")}
    tracker.note_status_since({"a": NOW - timedelta(minutes=7)})
    tracker.update(rows, NOW)
    assert tracker.time_in_status(rows["a"], NOW) == timedelta(minutes=7)
    assert tracker.time_in_status(rows["b"], NOW) is None
    changed = replace(rows["b"].record, status="waiting_review", last_activity=NOW)
    rows["b"] = replace(rows["b"], record=changed)
    tracker.update(rows, NOW)
    assert tracker.time_in_status(rows["b"], NOW + timedelta(seconds=90)) == timedelta(seconds=90)
    assert tracker.needs["b"].since == NOW


def test_the_loader_reads_when_each_status_changed(demo_db) -> None:
    db = open_store(demo_db)
    try:
        loader = OverviewLoader(db, lambda: NOW)
        first = loader.load(force=True)
        assert first is not None  # read with the counts, at the next load
        assert all(r.status_since is None for r in first.rows.values())
        second = loader.load(force=True)
        assert second is not None
        changed = [r for r in second.rows.values() if r.record.status != "started"]
        assert changed and all(r.status_since is not None for r in changed)
        started = next(r for r in second.rows.values() if r.record.status == "started")
        before = started.status_since
        db.update_instance_status(started.id, "waiting_review")
        third = loader.load()
        assert third is not None
        moved = third.rows[started.id].status_since
        assert moved is not None and (before is None or moved >= before)
        event = db.get_mcp_events(started.id, 1)[0]
        assert event.status_change == "waiting_review" and moved == event.timestamp
        assert NeedsYouTracker().time_in_status(third.rows[started.id], moved) == timedelta(0)
    finally:
        db.disconnect()


def test_answers_kept_for_unchanged_rows_match_the_rules_as_the_clock_moves() -> None:
    statuses = ["started", "waiting_review", "pr_merged", "terminated", "pr_created"]
    rows = {
        f"i{n}": row(
            f"i{n}",
            statuses[n % 5],
            heard=timedelta(seconds=37 * n % 900),
            failed=n % 7 == 0,
        )
        for n in range(200)
    }
    kept = NeedsYouTracker()
    for step in range(0, 1200, 13):  # seconds: stalls and failure graces come due on the way
        now = NOW + timedelta(seconds=step)
        kept.update(rows, now)
        fresh = NeedsYouTracker()
        fresh.update(rows, now)
        assert set(kept.needs) == set(fresh.needs), step
        assert kept.classes == fresh.classes, step
