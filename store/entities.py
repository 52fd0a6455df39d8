"""Pony entities mapped onto the spec's existing tables (never created or altered by Pony).

Timestamps stay `int` with size=64: a datetime converter makes lambda queries compare against text
(see the field notes), and plain `int` is validated as 32-bit. Text is stored exactly as given:
Pony strips leading and trailing whitespace from str attributes unless autostrip=False (a branch
named "0 " came back "0"; found by hypothesis), and the plain-SQL paths and the TypeScript side never do.
"""

from __future__ import annotations

from types import SimpleNamespace

from pony.orm import Database, Optional, PrimaryKey, Required, composite_key


def define_entities(db: Database) -> SimpleNamespace:
    class Instance(db.Entity):
        _table_ = "instances"
        id = PrimaryKey(str, autostrip=False)
        type = Required(str, autostrip=False)
        status = Required(str, autostrip=False)
        worktree_path = Required(str, autostrip=False)
        branch_name = Required(str, autostrip=False)
        base_branch = Optional(str, nullable=True, autostrip=False)
        tmux_session = Required(str, autostrip=False)
        claude_pid = Optional(int, size=64, nullable=True)
        issue_number = Optional(int, size=64, nullable=True)
        pr_number = Optional(int, size=64, nullable=True)
        pr_url = Optional(str, nullable=True, autostrip=False)
        parent_instance_id = Optional(str, nullable=True, autostrip=False)
        created_at = Required(int, size=64)
        terminated_at = Optional(int, size=64, nullable=True)
        last_activity = Required(int, size=64)
        system_prompt = Optional(str, nullable=True, autostrip=False)
        agent_number = Required(int, size=64)

    class MCPEvent(db.Entity):
        _table_ = "mcp_events"
        id = PrimaryKey(int, auto=True, size=64)
        instance_id = Required(str, autostrip=False)
        tool_name = Required(str, autostrip=False)
        success = Required(bool)
        error_message = Optional(str, nullable=True, autostrip=False)
        metadata = Optional(str, nullable=True, autostrip=False)
        git_commit_hash = Optional(str, nullable=True, autostrip=False)
        status_change = Optional(str, nullable=True, autostrip=False)
        is_status_updating = Required(bool, default=False)
        timestamp = Required(int, size=64)

    class Relationship(db.Entity):
        _table_ = "instance_relationships"
        id = PrimaryKey(int, auto=True, size=64)
        parent_instance = Required(str, autostrip=False)
        child_instance = Required(str, autostrip=False)
        relationship_type = Required(str, autostrip=False)
        review_iteration = Required(int, size=64)
        created_at = Required(int, size=64)
        metadata = Optional(str, nullable=True, autostrip=False)
        composite_key(parent_instance, child_instance, relationship_type)

    class GitHubIssue(db.Entity):
        _table_ = "github_issues"
        number = PrimaryKey(int, size=64)
        title = Required(str, autostrip=False)
        body = Optional(str, nullable=True, autostrip=False)
        state = Required(str, autostrip=False)
        assignee = Optional(str, nullable=True, autostrip=False)
        labels = Optional(str, nullable=True, autostrip=False)
        created_at = Required(int, size=64)
        updated_at = Required(int, size=64)
        synced_at = Required(int, size=64)
        repo_owner = Required(str, autostrip=False)
        repo_name = Required(str, autostrip=False)

    class UserConfig(db.Entity):
        _table_ = "user_config"
        key = PrimaryKey(str, autostrip=False)
        # Optional: an empty string is a legal value, NULL never is
        value = Optional(str, autostrip=False)
        encrypted = Required(bool, default=False)
        updated_at = Required(int, size=64)

    return SimpleNamespace(
        Instance=Instance,
        MCPEvent=MCPEvent,
        Relationship=Relationship,
        GitHubIssue=GitHubIssue,
        UserConfig=UserConfig,
    )
