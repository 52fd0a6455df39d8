"""GitHub issues: upsert, read back, labels as a list or JSON text, big all-or-nothing syncs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from store_helpers import T0, epoch, expect_error, make_issue

from store import ErrorCode


def test_upsert_then_get(db):
    db.upsert_github_issue(
        make_issue(12, body="Steps...", assignee="octocat", labels=["bug", "p1"], synced_at=T0)
    )
    got = db.get_github_issue(12)
    assert (got.title, got.body, got.state, got.assignee) == (
        "Issue 12",
        "Steps...",
        "open",
        "octocat",
    )
    assert got.labels == ["bug", "p1"]
    assert (got.created_at, got.updated_at, got.synced_at) == (T0, T0, T0)
    assert (got.repo_owner, got.repo_name) == ("acme", "widgets")
    assert db.get_github_issue(13) is None


def test_upsert_updates_in_place(db, raw_db):
    db.upsert_github_issue(make_issue(5, labels=["bug"]))
    later = T0 + timedelta(days=1)
    db.upsert_github_issue(
        make_issue(5, title="Renamed", state="closed", labels=None, updated_at=later)
    )
    got = db.get_github_issue(5)
    assert (got.title, got.state, got.labels, got.updated_at) == ("Renamed", "closed", None, later)
    assert raw_db("SELECT count(*) FROM github_issues") == [(1,)]


def test_synced_at_defaults_to_now(db):
    before = int(time.time())
    db.upsert_github_issue(make_issue(1))
    assert before <= epoch(db.get_github_issue(1).synced_at) <= int(time.time())


@pytest.mark.parametrize(
    ("labels", "stored", "read"),
    [
        (["bug", "help wanted"], '["bug","help wanted"]', ["bug", "help wanted"]),
        (("a", "b"), '["a","b"]', ["a", "b"]),
        ('["bug", "p1"]', '["bug", "p1"]', ["bug", "p1"]),  # JSON text is kept as given
        ([], "[]", []),
        (None, None, None),
    ],
)
def test_labels_as_list_or_json_text(db, raw_db, labels, stored, read):
    db.upsert_github_issue(make_issue(3, labels=labels))
    assert raw_db("SELECT labels FROM github_issues") == [(stored,)]
    assert db.get_github_issue(3).labels == read


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"labels": {"bug": True}}, "labels"),
        ({"labels": '{"bug": true}'}, "labels"),
        ({"labels": "[unclosed"}, "labels"),
        ({"number": 0}, "number"),
        ({"title": ""}, "title"),
        ({"created_at": None}, "created_at"),
        ({"updated_at": "today"}, "updated_at"),
        ({"repo_owner": None}, "repo_owner"),
    ],
)
def test_invalid_issue(db, overrides, field):
    assert (
        expect_error(
            ErrorCode.VALIDATION_FAILED,
            db.upsert_github_issue,
            make_issue(**{"number": 9, **overrides}),
        ).field
        == field
    )


def test_sync_5000_issues(db, raw_db):
    issues = [make_issue(n, labels=[f"l{n % 7}"]) for n in range(1, 5001)]
    assert db.sync_github_issues(issues) == 5000
    assert raw_db("SELECT count(*), min(number), max(number) FROM github_issues") == [
        (5000, 1, 5000)
    ]
    assert db.get_github_issue(4321).labels == ["l2"]
    assert db.sync_github_issues([]) == 0


def test_sync_with_one_invalid_issue_writes_none(db, raw_db):
    issues = [make_issue(n) for n in range(1, 5001)]
    issues[4000] = make_issue(4001, title="")
    expect_error(ErrorCode.VALIDATION_FAILED, db.sync_github_issues, issues)
    assert raw_db("SELECT count(*) FROM github_issues") == [(0,)]


def test_sync_is_one_transaction_when_sqlite_refuses_one(db, raw_db):
    db.upsert_github_issue(make_issue(1, title="before"))
    raw_db.refuse("github_issues", where="NEW.number = 4999")
    issues = [make_issue(n, title="after") for n in range(1, 5001)]
    expect_error(ErrorCode.INSERT_FAILED, db.sync_github_issues, issues)
    assert raw_db("SELECT number, title FROM github_issues") == [(1, "before")]
