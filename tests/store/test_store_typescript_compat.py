"""A claude-codex.db written by the TypeScript/Drizzle side opens unchanged, and the reverse."""

from __future__ import annotations

import json
import sqlite3

import pytest
from store_helpers import (
    SPEC_SCHEMA,
    SPEC_TABLES,
    T0,
    dump,
    epoch,
    make_event,
    make_instance,
    query,
    schema_sql,
)

from store import InstanceFilter

DRIZZLE_TABLE = (
    'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" '
    "(id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)"
)

pytestmark = pytest.mark.sqlite_only(
    reason="the TypeScript stack's SQLite file (drizzle's tables and types) opened by path"
)

TS = epoch(T0)


@pytest.fixture
def drizzle_db(tmp_path):
    """The file as drizzle-kit migrate and the TypeScript store leave it."""
    path = tmp_path / "claude-codex.db"
    con = sqlite3.connect(path)
    con.executescript(SPEC_SCHEMA.read_text())
    con.execute(DRIZZLE_TABLE)
    con.execute(
        'INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)',
        ("9f8e7d6c5b4a", 1735689600123),
    )
    con.execute(
        "INSERT INTO instances (id, type, status, worktree_path, branch_name, base_branch, "
        "tmux_session, claude_pid, issue_number, pr_number, pr_url, parent_instance_id, created_at, "
        "terminated_at, last_activity, system_prompt, agent_number) VALUES "
        "('work-123-a1', 'coding', 'pr_created', '/wt/123', 'work-123', 'main', 'work-123-a1', "
        "4242, 123, 77, 'https://github.com/acme/w/pull/77', NULL, ?, NULL, ?, 'Be careful', 1)",
        (TS, TS + 60),
    )
    con.execute(
        "INSERT INTO instances (id, type, status, worktree_path, branch_name, tmux_session, "
        "issue_number, parent_instance_id, created_at, terminated_at, last_activity, agent_number) "
        "VALUES ('review-123-a1', 'review', 'terminated', '/wt/r123', 'work-123', 'review-123-a1', "
        "123, 'work-123-a1', ?, ?, ?, 1)",
        (TS + 10, TS + 20, TS + 20),
    )
    con.execute(
        "INSERT INTO mcp_events (instance_id, tool_name, success, metadata, is_status_updating, "
        "status_change, timestamp) VALUES "
        "('work-123-a1', 'request_review', 1, '{\"reviewConfig\":{}}', 1, 'waiting_review', ?)",
        (TS + 5,),
    )
    con.execute(  # defaults as drizzle leaves them: is_status_updating false, timestamp unixepoch()
        "INSERT INTO mcp_events (instance_id, tool_name, success, error_message) "
        "VALUES ('work-123-a1', 'run_tests', 0, 'exit 1')"
    )
    con.execute(
        "INSERT INTO instance_relationships (parent_instance, child_instance, relationship_type, "
        "review_iteration, created_at, metadata) VALUES "
        "('work-123-a1', 'review-123-a1', 'spawned_review', 1, ?, '{\"round\":1}')",
        (TS + 10,),
    )
    con.execute(
        "INSERT INTO github_issues (number, title, body, state, assignee, labels, created_at, "
        "updated_at, synced_at, repo_owner, repo_name) VALUES "
        "(123, 'Fix it', 'Body', 'open', 'octocat', '[\"bug\",\"p1\"]', ?, ?, ?, 'acme', 'w')",
        (TS, TS + 1, TS + 2),
    )
    con.execute("INSERT INTO user_config (key, value, encrypted) VALUES ('theme', 'dark', false)")
    con.commit()
    con.close()
    return path


def test_opens_without_touching_existing_rows_or_schema(open_db, drizzle_db):
    rows_before = dump(drizzle_db)
    schema_before = schema_sql(drizzle_db)
    open_db(drizzle_db).disconnect()
    rows_after = dump(drizzle_db)
    for table, rows in rows_before.items():
        assert rows_after[table] == rows, table  # same values and same stored types
    assert set(rows_after) - set(rows_before) == {"codex_dash_migrations"}
    schema_after = schema_sql(drizzle_db)
    for name, sql in schema_before.items():
        assert schema_after[name] == sql, name
    assert set(schema_before) >= set(SPEC_TABLES) | {"__drizzle_migrations"}


def test_reads_drizzle_rows_correctly(open_db, drizzle_db):
    db = open_db(drizzle_db)
    work = db.get_instance("work-123-a1")
    assert (work.created_at, epoch(work.last_activity)) == (T0, TS + 60)
    assert (work.claude_pid, work.pr_number, work.base_branch, work.system_prompt) == (
        4242,
        77,
        "main",
        "Be careful",
    )
    review = db.get_instance("review-123-a1")
    assert (review.parent_instance_id, epoch(review.terminated_at)) == ("work-123-a1", TS + 20)
    assert [i.id for i in db.list_instances(InstanceFilter(parent_instance="work-123-a1"))] == [
        "review-123-a1"
    ]

    events = {e.tool_name: e for e in db.get_mcp_events("work-123-a1")}
    request = events["request_review"]
    assert request.success is True and request.is_status_updating is True
    assert request.metadata == {"reviewConfig": {}}
    assert epoch(request.timestamp) == TS + 5
    failed = events["run_tests"]
    assert failed.success is False and failed.is_status_updating is False
    assert failed.error_message == "exit 1" and failed.metadata is None

    (relationship,) = db.get_relationships("review-123-a1")
    assert relationship.metadata == {"round": 1}
    assert relationship.created_at.timestamp() == TS + 10
    issue = db.get_github_issue(123)
    assert issue.labels == ["bug", "p1"] and epoch(issue.synced_at) == TS + 2
    assert db.get_config("theme") == "dark"


def test_store_writes_what_drizzle_reads(open_db, drizzle_db):
    db = open_db(drizzle_db)
    db.update_instance_status("work-123-a1", "pr_merged")
    db.create_instance(make_instance(id="work-124-a1", issue_number=123))
    db.log_mcp_event(make_event("work-124-a1", metadata={"reviewConfig": {}}, success=False))
    assert db.get_instance("work-124-a1").agent_number == 2  # follows the TypeScript agent
    assert query(
        drizzle_db,
        "SELECT typeof(created_at), typeof(last_activity), typeof(agent_number) FROM instances "
        "WHERE id = 'work-124-a1'",
    ) == [("integer", "integer", "integer")]
    assert query(
        drizzle_db,
        "SELECT success, is_status_updating, metadata, typeof(timestamp) FROM mcp_events "
        "WHERE instance_id = 'work-124-a1'",
    ) == [(0, 0, '{"reviewConfig":{}}', "integer")]
    assert query(
        drizzle_db,
        "SELECT status_change, is_status_updating FROM mcp_events "
        "WHERE tool_name = 'update_instance_status'",
    ) == [("pr_merged", 1)]


def test_store_made_database_is_marked_for_drizzle(open_db, db_path):
    open_db(clock=lambda: T0).disconnect()  # the store's clock, never the machine's
    ((hash_, created_at, kind),) = query(
        db_path, 'SELECT hash, created_at, typeof(created_at) FROM "__drizzle_migrations"'
    )
    assert hash_ == "codex-dash:0001_initial_schema"
    assert kind == "integer"
    # Milliseconds, stamped at creation: newer than any drizzle migration generated before it,
    # so drizzle's migrator skips its 0000. The store stamps whole seconds (unixepoch() * 1000),
    # unixepoch() being the store's clock on the migration connection.
    assert created_at == epoch(T0) * 1000
    json.dumps(created_at)  # a plain number, as drizzle reads it
