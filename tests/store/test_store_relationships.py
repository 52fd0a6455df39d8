"""Instance relationships: referential checks, uniqueness, both directions, updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_helpers import T0, expect_error, make_instance

from store import ErrorCode, RelationshipRecord


def rel(parent, child, kind="spawned_review", **kw):
    return RelationshipRecord(
        parent_instance=parent, child_instance=child, relationship_type=kind, **kw
    )


@pytest.fixture
def trio(db):
    for name in ("work-a", "review-b", "review-c"):
        db.create_instance(make_instance(id=name))
    return "work-a", "review-b", "review-c"


def test_create_and_read_back(db, trio):
    work, review, _ = trio
    rid = db.create_relationship(
        rel(work, review, review_iteration=2, created_at=T0, metadata={"round": 2})
    )
    (got,) = db.get_relationships(work)
    assert got.id == rid
    assert (got.parent_instance, got.child_instance, got.relationship_type) == (
        work,
        review,
        "spawned_review",
    )
    assert (got.review_iteration, got.created_at, got.metadata) == (2, T0, {"round": 2})


@pytest.mark.parametrize(
    ("parent", "child", "code"),
    [
        ("ghost-1", "review-b", ErrorCode.PARENT_INSTANCE_NOT_FOUND),
        ("work-a", "ghost-1", ErrorCode.CHILD_INSTANCE_NOT_FOUND),
        ("ghost-1", "ghost-2", ErrorCode.PARENT_INSTANCE_NOT_FOUND),
    ],
)
def test_both_ends_must_exist(db, trio, parent, child, code):
    error = expect_error(code, db.create_relationship, rel(parent, child))
    assert "ghost-1" in str(error)
    assert db.get_relationships("work-a") == []


def test_duplicate_is_refused_but_other_types_are_fine(db, trio):
    work, review, _ = trio
    db.create_relationship(rel(work, review))
    expect_error(ErrorCode.RELATIONSHIP_EXISTS, db.create_relationship, rel(work, review))
    db.create_relationship(rel(work, review, "created_fork"))
    db.create_relationship(rel(review, work))  # the other direction is a different pair
    assert len(db.get_relationships(work)) == 3


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (rel("work-a", "work-a"), "child_instance"),
        (rel("work-a", "review-b", "adopted"), "relationship_type"),
        (rel("work-a", "review-b", review_iteration=0), "review_iteration"),
        (rel("work-a", "review-b", metadata="{bad"), "metadata"),
        (rel("work a", "review-b"), "parent_instance"),
    ],
)
def test_invalid_relationship(db, trio, record, field):
    assert expect_error(ErrorCode.VALIDATION_FAILED, db.create_relationship, record).field == field


def test_both_directions_newest_first(db, trio):
    work, review, other = trio
    first = db.create_relationship(rel(work, review, created_at=T0))
    second = db.create_relationship(rel(review, other, created_at=T0 + timedelta(hours=1)))
    third = db.create_relationship(
        rel(other, review, "created_fork", created_at=T0 + timedelta(hours=2))
    )
    tie = db.create_relationship(rel(work, other, created_at=T0))  # same time as `first`
    assert [r.id for r in db.get_relationships(review)] == [third, second, first]
    assert [r.id for r in db.get_relationships(work)] == [tie, first]  # ties: newest id first
    assert db.get_relationships("nobody-1") == []


def test_update_relationship(db, trio):
    work, review, other = trio
    rid = db.create_relationship(rel(work, review))
    db.update_relationship(rid, {"review_iteration": 3, "metadata": {"verdict": "ok"}})
    (got,) = db.get_relationships(work)
    assert (got.review_iteration, got.metadata) == (3, {"verdict": "ok"})
    db.update_relationship(rid, {"child_instance": other})
    assert db.get_relationships(review) == []


@pytest.mark.parametrize(
    ("updates", "code"),
    [
        ({"child_instance": "ghost-1"}, ErrorCode.CHILD_INSTANCE_NOT_FOUND),
        ({"parent_instance": "ghost-1"}, ErrorCode.PARENT_INSTANCE_NOT_FOUND),
        ({"child_instance": "review-c"}, ErrorCode.RELATIONSHIP_EXISTS),
        ({"child_instance": "work-a"}, ErrorCode.VALIDATION_FAILED),
        ({"review_iteration": 0}, ErrorCode.VALIDATION_FAILED),
        ({"id": 5}, ErrorCode.VALIDATION_FAILED),
        ({}, ErrorCode.VALIDATION_FAILED),
    ],
)
def test_update_relationship_errors_change_nothing(db, trio, updates, code):
    work, review, other = trio
    rid = db.create_relationship(rel(work, review))
    db.create_relationship(rel(work, other))
    before = db.get_relationships(work)
    expect_error(code, db.update_relationship, rid, updates)
    assert db.get_relationships(work) == before


def test_update_missing_relationship(db):
    expect_error(
        ErrorCode.RELATIONSHIP_NOT_FOUND, db.update_relationship, 999, {"review_iteration": 2}
    )
