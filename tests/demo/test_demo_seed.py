"""The seeded demo database: deterministic from (seed, now), and a believable story."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from demolab import NOW, dump

from demo import build_demo_database
from demo.seed import SEED_SESSION_PREFIX
from store.transitions import TERMINAL_STATUSES, allowed_next


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("seed") / "claude-codex.db")
    info = build_demo_database(path, seed=7, now=NOW)
    return info, dump(path)


def test_same_seed_and_now_give_the_same_rows(seeded, tmp_path) -> None:
    _info, first = seeded
    again = build_demo_database(str(tmp_path / "claude-codex.db"), seed=7, now=NOW)
    assert dump(again.path) == first


def test_another_seed_gives_another_history(seeded, tmp_path) -> None:
    _info, first = seeded
    other = dump(build_demo_database(str(tmp_path / "c.db"), seed=8, now=NOW).path)
    assert [i.id for i in other["instances"]] == [i.id for i in first["instances"]]
    assert other["events"] != first["events"]


def test_everything_derives_from_now(seeded) -> None:
    info, rows = seeded
    assert info.now == NOW
    for instance in rows["instances"]:
        assert NOW - timedelta(hours=2, minutes=5) <= instance.created_at <= NOW
        assert instance.last_activity <= NOW
    events = [e for evs in rows["events"].values() for e in evs]
    assert 250 <= len(events) == info.event_count <= 600
    assert all(NOW - timedelta(hours=2, minutes=5) <= e.timestamp <= NOW for e in events)
    assert max(e.timestamp for e in events) >= NOW - timedelta(minutes=3)  # it looks live


def test_statuses_types_and_relationships(seeded) -> None:
    info, rows = seeded
    instances = {i.id: i for i in rows["instances"]}
    assert 12 <= len(instances) <= 16
    assert {i.status for i in instances.values()} == {
        "started", "waiting_review", "pr_created", "pr_merged", "pr_closed", "terminated"
    }  # fmt: skip
    assert {i.type for i in instances.values()} == {"coding", "review", "planning"}
    rels = rows["relationships"]
    assert len(rels) == info.relationship_count
    kinds = {r.relationship_type for r in rels}
    assert kinds == {"spawned_review", "planning_to_issue", "created_fork"}
    rounds = sorted(
        r.review_iteration
        for r in rels
        if r.parent_instance == "work-118-a1" and r.relationship_type == "spawned_review"
    )
    assert rounds == [1, 2, 3]
    for rel in rels:
        child = instances[rel.child_instance]
        assert child.parent_instance_id == rel.parent_instance
        if rel.relationship_type == "spawned_review":
            assert child.type == "review" and instances[rel.parent_instance].type == "coding"
        if rel.relationship_type == "planning_to_issue":
            assert instances[rel.parent_instance].type == "planning"
    for instance in instances.values():
        if instance.status in TERMINAL_STATUSES:
            assert instance.terminated_at is not None
        else:
            assert instance.terminated_at is None
        if instance.status.startswith("pr_"):
            assert instance.pr_number and str(instance.pr_number) in (instance.pr_url or "")
        assert instance.claude_pid is None  # no invented pids: a kill key must find nothing
        assert instance.tmux_session.startswith(SEED_SESSION_PREFIX)


def test_issues_are_referenced_and_realistic(seeded) -> None:
    info, rows = seeded
    numbers = {i.number for i in rows["issues"]}
    assert len(numbers) >= 8 and numbers == set(info.issue_numbers)
    for instance in rows["instances"]:
        assert instance.issue_number in numbers
    for issue in rows["issues"]:
        assert issue.labels and len(issue.title) > 15
        assert issue.created_at <= issue.updated_at <= NOW


def test_status_events_replay_to_each_status(seeded) -> None:
    _info, rows = seeded
    for instance in rows["instances"]:
        moves = [e for e in reversed(rows["events"][instance.id]) if e.is_status_updating]
        status = "started"
        for event in moves:
            assert event.status_change in allowed_next(status), (instance.id, status, event)
            assert event.tool_name == "update_instance_status"
            status = event.status_change
        assert status == instance.status, instance.id
        if instance.terminated_at is not None:
            assert moves[-1].timestamp == instance.terminated_at


def test_tool_calls_look_real(seeded) -> None:
    _info, rows = seeded
    events = [e for evs in rows["events"].values() for e in evs]
    tools = {e.tool_name for e in events}
    for name in ("read_file", "edit_file", "run_tests", "git_commit", "request_review",
                 "create_pull_request", "post_review_comment", "submit_review"):  # fmt: skip
        assert name in tools
    failures = [e for e in events if not e.success]
    assert 0.02 * len(events) <= len(failures) <= 0.2 * len(events)
    assert all(e.error_message for e in failures)
    commits = [e for e in events if e.tool_name == "git_commit" and e.success]
    assert commits and all(re.fullmatch(r"[0-9a-f]{40}", e.git_commit_hash) for e in commits)


def test_refuses_to_overwrite(tmp_path) -> None:
    path = tmp_path / "claude-codex.db"
    path.write_bytes(b"")
    with pytest.raises(FileExistsError):
        build_demo_database(path, now=NOW)
