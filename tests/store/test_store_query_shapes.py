"""One test per Pony query shape the store uses.

Pony translates queries by decompiling Python bytecode, and new Python versions have broken that
before (pony issues 668, 702, 711, 725, 729, 753). Each test runs one shape through the store's
public API and checks the answer, so an interpreter upgrade that breaks a shape fails here.

list_instances no longer goes through Pony (plain SQL from `store.dialects.sqlite.instances_query`
on the read connection); its filter, order and paging tests moved to test_store_instances.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_helpers import T0, make_event, make_instance

from store import RelationshipRecord


def ids(records):
    return [r.id for r in records]


def test_or_filter_with_lambda_order_by(
    three,
):  # parent == x or child == x; order_by(lambda r: ...)
    three.create_relationship(
        RelationshipRecord(
            parent_instance="p-1",
            child_instance="c-1",
            relationship_type="spawned_review",
            created_at=T0,
        )
    )
    three.create_relationship(
        RelationshipRecord(
            parent_instance="c-1",
            child_instance="r-1",
            relationship_type="spawned_review",
            created_at=T0 + timedelta(seconds=1),
        )
    )
    assert [(r.parent_instance, r.child_instance) for r in three.get_relationships("c-1")] == [
        ("c-1", "r-1"),
        ("p-1", "c-1"),
    ]


@pytest.mark.parametrize(("issue", "expected"), [(4, 3), (5, 2), (None, 1), (99, 1)])
def test_aggregate_max(db, issue, expected):  # select(i.agent_number for i ... ).max()
    db.create_instance(make_instance(issue_number=4, agent_number=2))
    db.create_instance(make_instance(issue_number=5))
    created = db.create_instance(make_instance(issue_number=issue))
    assert db.get_instance(created).agent_number == expected


def test_bulk_delete_and_iterating_a_select(three, raw_db):  # .delete(bulk=True); for x in select()
    three.log_mcp_events([make_event("p-1"), make_event("c-1"), make_event("p-1")])
    three.delete_instance("p-1")
    assert raw_db("SELECT instance_id FROM mcp_events") == [("c-1",)]
    assert three.get_instance("c-1").parent_instance_id is None


def test_get_exists_and_set(three):  # Entity.get(...), Entity.exists(...), entity.set(...)
    three.update_instance("r-1", {"pr_number": 3})
    assert three.get_instance("r-1").pr_number == 3
    three.set_config("k", "v")
    three.set_config("k", "w")
    assert three.get_config("k") == "w"
