"""Instances: validation, creation defaults, agent numbers, listing, updates and deletion."""

from __future__ import annotations

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

from store import ErrorCode, InstanceFilter, RelationshipRecord


def test_create_returns_the_id_and_reads_back(db):
    record = make_instance(base_branch="main", issue_number=12, claude_pid=4242, agent_number=3)
    assert db.create_instance(record) == record.id
    got = db.get_instance(record.id)
    assert got.branch_name == record.branch_name
    assert (got.base_branch, got.issue_number, got.claude_pid, got.agent_number) == (
        "main",
        12,
        4242,
        3,
    )


def test_missing_instance_is_none(db):
    assert db.get_instance("nope-1") is None


def test_created_at_and_last_activity_are_set_automatically(db):
    before = int(time.time())
    db.create_instance(record := make_instance())
    after = int(time.time())
    got = db.get_instance(record.id)
    assert before <= epoch(got.created_at) <= after
    assert before <= epoch(got.last_activity) <= after
    assert got.terminated_at is None
    assert got.created_at.tzinfo is not None


INVALID_INSTANCES = [
    ({"id": ""}, "id"),
    ({"id": "has space"}, "id"),
    ({"id": 123}, "id"),
    ({"id": "x" * 201}, "id"),
    ({"type": "bogus"}, "type"),
    ({"status": "running"}, "status"),
    ({"worktree_path": ""}, "worktree_path"),
    ({"branch_name": None}, "branch_name"),
    ({"tmux_session": "a\x00b"}, "tmux_session"),
    ({"base_branch": 5}, "base_branch"),
    ({"claude_pid": -1}, "claude_pid"),
    ({"claude_pid": True}, "claude_pid"),
    ({"issue_number": "12"}, "issue_number"),
    ({"pr_number": 0}, "pr_number"),
    ({"pr_url": "ftp://example.com/pr/1"}, "pr_url"),
    ({"parent_instance_id": "no spaces allowed"}, "parent_instance_id"),
    ({"created_at": "yesterday"}, "created_at"),
    ({"terminated_at": -5}, "terminated_at"),
    ({"last_activity": object()}, "last_activity"),
    ({"system_prompt": "x" * (1024 * 1024 + 1)}, "system_prompt"),
    ({"agent_number": 0}, "agent_number"),
    ({"agent_number": 2**63}, "agent_number"),
]


@pytest.mark.parametrize(("overrides", "field"), INVALID_INSTANCES)
def test_validation_names_the_field_and_writes_nothing(db, raw_db, overrides, field):
    error = expect_error(
        ErrorCode.VALIDATION_FAILED, db.create_instance, make_instance(**overrides)
    )
    assert error.field == field
    assert raw_db("SELECT count(*) FROM instances") == [(0,)]


def test_not_a_record_is_a_validation_error(db):
    error = expect_error(ErrorCode.VALIDATION_FAILED, db.create_instance, {"id": "x"})
    assert error.field == "instance"


def test_duplicate_id_is_refused_and_keeps_the_original(db):
    db.create_instance(first := make_instance(branch_name="original"))
    expect_error(
        ErrorCode.INSTANCE_EXISTS,
        db.create_instance,
        make_instance(id=first.id, branch_name="intruder"),
    )
    assert db.get_instance(first.id).branch_name == "original"


def test_missing_parent_is_refused(db):
    expect_error(
        ErrorCode.PARENT_INSTANCE_NOT_FOUND,
        db.create_instance,
        make_instance(parent_instance_id="ghost-1"),
    )


def test_agent_number_counts_per_issue(db):
    def created(**kw):
        return db.get_instance(db.create_instance(make_instance(**kw))).agent_number

    assert [created(issue_number=7) for _ in range(3)] == [1, 2, 3]
    assert created(issue_number=8) == 1
    assert [created() for _ in range(2)] == [1, 2]  # instances without an issue count together
    assert created(issue_number=7, agent_number=10) == 10  # given numbers are kept
    assert created(issue_number=7) == 11


# --- listing -----------------------------------------------------------------------------------


@pytest.fixture
def population(db):
    """Nine instances with distinct timestamps; some terminated, some children of `parent`."""
    parent = make_instance(id="parent-1", type="planning", issue_number=1)
    db.create_instance(parent)
    specs = [
        ("coding", "started", 10, None),
        ("coding", "waiting_review", 10, "parent-1"),
        ("review", "started", 11, "parent-1"),
        ("review", "pr_created", 11, None),
        ("planning", "terminated", 12, None),
        ("coding", "pr_merged", 12, "parent-1"),
        ("coding", "pr_closed", None, None),
        ("review", "terminated", None, None),
    ]
    records = [parent]
    for n, (kind, status, issue, parent_id) in enumerate(specs):
        record = make_instance(
            id=f"inst-{n}",
            type=kind,
            status=status,
            issue_number=issue,
            parent_instance_id=parent_id,
            created_at=T0 + timedelta(minutes=n),
            last_activity=T0 + timedelta(minutes=(n * 7) % 11),
            terminated_at=(T0 + timedelta(hours=n))
            if status in ("terminated", "pr_merged")
            else None,
        )
        db.create_instance(record)
        records.append(record)
    return {r.id: db.get_instance(r.id) for r in records}


def ids(records):
    return [r.id for r in records]


@pytest.mark.parametrize(
    ("flt", "keep"),
    [
        (InstanceFilter(types=["review"]), lambda r: r.type == "review"),
        (InstanceFilter(types=["coding", "planning"]), lambda r: r.type in ("coding", "planning")),
        (InstanceFilter(statuses=["terminated"]), lambda r: r.status == "terminated"),
        (
            InstanceFilter(statuses=["started", "pr_created"]),
            lambda r: r.status in ("started", "pr_created"),
        ),
        (InstanceFilter(issue_number=11), lambda r: r.issue_number == 11),
        (InstanceFilter(parent_instance="parent-1"), lambda r: r.parent_instance_id == "parent-1"),
        (
            InstanceFilter(
                types=["coding"], statuses=["started", "waiting_review"], issue_number=10
            ),
            lambda r: (
                r.type == "coding"
                and r.status in ("started", "waiting_review")
                and r.issue_number == 10
            ),
        ),
        (InstanceFilter(types=["coding"], parent_instance="nobody-1"), lambda r: False),
    ],
)
def test_filters(db, population, flt, keep):
    expected = {r.id for r in population.values() if keep(r)}
    assert set(ids(db.list_instances(flt))) == expected


def sort_key(field):
    def key(record):
        value = getattr(record, field)
        return (value is not None, value, record.id)  # SQLite puts NULLs first in ASC

    return key


@pytest.mark.parametrize("field", ["created_at", "last_activity", "terminated_at"])
@pytest.mark.parametrize("direction", ["ASC", "DESC", "asc"])
def test_order_by(db, population, field, direction):
    expected = sorted(population.values(), key=sort_key(field))
    if direction.upper() == "DESC":
        expected.reverse()
    flt = InstanceFilter(order_by=field, order_direction=direction)
    assert ids(db.list_instances(flt)) == ids(expected)


def test_default_order_is_last_activity_desc(db, population):
    expected = sorted(population.values(), key=sort_key("last_activity"), reverse=True)
    assert ids(db.list_instances()) == ids(expected)
    assert ids(db.list_instances(None)) == ids(expected)


@pytest.mark.parametrize("page_size", [1, 2, 4, 20])
def test_limit_offset_pages_cover_everything_once(db, population, page_size):
    everything = ids(db.list_instances())
    pages, offset = [], 0
    while page := db.list_instances(InstanceFilter(limit=page_size, offset=offset)):
        assert len(page) <= page_size
        pages.extend(ids(page))
        offset += page_size
    assert pages == everything
    assert ids(db.list_instances(InstanceFilter(offset=3))) == everything[3:]


@pytest.mark.parametrize(
    ("flt", "field"),
    [
        (InstanceFilter(types=["bogus"]), "types"),
        (InstanceFilter(types="coding"), "types"),
        (InstanceFilter(statuses=["running"]), "statuses"),
        (InstanceFilter(limit=0), "limit"),
        (InstanceFilter(offset=-1), "offset"),
        (InstanceFilter(order_by="id"), "order_by"),
        (InstanceFilter(order_direction="UP"), "order_direction"),
        (InstanceFilter(parent_instance="not valid"), "parent_instance"),
    ],
)
def test_bad_filters(db, flt, field):
    assert expect_error(ErrorCode.VALIDATION_FAILED, db.list_instances, flt).field == field


# --- updates and deletion -------------------------------------------------------------------------


def test_update_instance_changes_fields_and_bumps_last_activity(db):
    db.create_instance(record := make_instance(last_activity=T0))
    db.update_instance(
        record.id,
        {"pr_number": 77, "pr_url": "https://github.com/acme/widgets/pull/77", "base_branch": None},
    )
    got = db.get_instance(record.id)
    assert (got.pr_number, got.pr_url, got.base_branch) == (
        77,
        "https://github.com/acme/widgets/pull/77",
        None,
    )
    assert got.last_activity > T0


def test_update_instance_keeps_an_explicit_last_activity(db):
    db.create_instance(record := make_instance())
    db.update_instance(record.id, {"last_activity": T0, "claude_pid": 9})
    assert db.get_instance(record.id).last_activity == T0


@pytest.mark.parametrize(
    ("updates", "code", "field"),
    [
        ({"status": "terminated"}, ErrorCode.VALIDATION_FAILED, "status"),
        ({"id": "other-1"}, ErrorCode.VALIDATION_FAILED, "id"),
        ({"colour": "red"}, ErrorCode.VALIDATION_FAILED, "colour"),
        ({}, ErrorCode.VALIDATION_FAILED, "updates"),
        ({"type": "bogus"}, ErrorCode.VALIDATION_FAILED, "type"),
        ({"last_activity": None}, ErrorCode.VALIDATION_FAILED, "last_activity"),
        ({"parent_instance_id": "ghost-1"}, ErrorCode.PARENT_INSTANCE_NOT_FOUND, None),
    ],
)
def test_update_instance_errors(db, updates, code, field):
    db.create_instance(record := make_instance())
    before = db.get_instance(record.id)
    assert expect_error(code, db.update_instance, record.id, updates).field == field
    assert db.get_instance(record.id) == before


def test_update_instance_cannot_be_its_own_parent(db):
    db.create_instance(record := make_instance())
    error = expect_error(
        ErrorCode.VALIDATION_FAILED,
        db.update_instance,
        record.id,
        {"parent_instance_id": record.id},
    )
    assert error.field == "parent_instance_id"


def test_update_missing_instance(db):
    expect_error(ErrorCode.INSTANCE_NOT_FOUND, db.update_instance, "ghost-1", {"claude_pid": 1})


def test_delete_instance_removes_its_events_and_relationships(db, raw_db):
    for name in ("keep-1", "gone-1", "child-1"):
        db.create_instance(make_instance(id=name))
    db.update_instance("child-1", {"parent_instance_id": "gone-1"})
    db.log_mcp_events([make_event("gone-1") for _ in range(3)] + [make_event("keep-1")])
    for parent, child in (("keep-1", "gone-1"), ("gone-1", "child-1"), ("keep-1", "child-1")):
        db.create_relationship(
            RelationshipRecord(
                parent_instance=parent, child_instance=child, relationship_type="spawned_review"
            )
        )

    db.delete_instance("gone-1")

    assert db.get_instance("gone-1") is None
    assert raw_db("SELECT instance_id FROM mcp_events") == [("keep-1",)]
    assert raw_db("SELECT parent_instance, child_instance FROM instance_relationships") == [
        ("keep-1", "child-1")
    ]
    assert db.get_instance("child-1").parent_instance_id is None
    expect_error(ErrorCode.INSTANCE_NOT_FOUND, db.delete_instance, "gone-1")


# --- list_instances' SQL: filters on captured values, order with the id tie-break, paging -------
# (formerly Pony query-shape tests; list_instances now builds its SELECT in store.dialects.sqlite)


def test_filter_attribute_in_list(three):  # lambda i: i.type in types
    assert ids(three.list_instances(InstanceFilter(types=["coding", "review"]))) == ["c-1", "r-1"]
    assert ids(three.list_instances(InstanceFilter(statuses=["waiting_review"]))) == ["c-1"]


def test_filter_equality_on_captured_values(three):  # lambda i: i.issue_number == n
    assert ids(three.list_instances(InstanceFilter(issue_number=4))) == ["c-1", "p-1"]
    assert ids(three.list_instances(InstanceFilter(parent_instance="p-1"))) == ["c-1"]


def test_chained_filters(three):
    flt = InstanceFilter(types=["coding", "planning"], statuses=["started"], issue_number=4)
    assert ids(three.list_instances(flt)) == ["p-1"]


@pytest.mark.parametrize(
    ("direction", "expected"), [("DESC", ["c-1", "r-1", "p-1"]), ("ASC", ["p-1", "r-1", "c-1"])]
)
def test_order_by_attribute_then_id(three, direction, expected):  # order_by(desc(a), desc(id))
    assert ids(three.list_instances(InstanceFilter(order_direction=direction))) == expected


def test_limit_with_offset(three):  # query.limit(n, offset=m)
    assert ids(three.list_instances(InstanceFilter(limit=1, offset=1))) == ["r-1"]
    assert ids(three.list_instances(InstanceFilter(offset=2))) == ["p-1"]


def test_timestamps_stop_at_the_last_second_a_datetime_can_hold(db):
    """Found by hypothesis: an epoch past 9999-12-31 was stored and then failed every read."""
    from store.validation import MAX_EPOCH

    db.create_instance(make_instance(id="far-future"))
    db.update_instance("far-future", {"last_activity": MAX_EPOCH})
    before = db.get_instance("far-future")
    assert before is not None and before.last_activity is not None
    assert before.last_activity.year == 9999
    for too_far in (MAX_EPOCH + 1, float(MAX_EPOCH + 1), 2**53):
        error = expect_error(
            ErrorCode.VALIDATION_FAILED,
            db.update_instance,
            "far-future",
            {"last_activity": too_far},
        )
        assert "last_activity" in str(error)
    assert db.get_instance("far-future") == before
    assert "far-future" in ids(db.list_instances())


def test_text_is_stored_exactly_as_given_through_every_path(db):
    """Pony strips str attributes unless told not to; the raw paths and the TypeScript side don't."""
    db.create_instance(make_instance(id="spaces", branch_name=" lead", tmux_session="tail "))
    db.update_instance("spaces", {"branch_name": "0 ", "system_prompt": "  indented\n"})
    got = db.get_instance("spaces")
    assert got is not None
    assert (got.branch_name, got.tmux_session, got.system_prompt) == ("0 ", "tail ", "  indented\n")
    listed = next(r for r in db.list_instances() if r.id == "spaces")
    assert listed.branch_name == "0 "
    db.set_config("padded", " value ")
    assert db.get_config("padded") == " value "
