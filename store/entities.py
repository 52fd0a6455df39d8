"""Pony entities mapped onto the spec's existing tables (never created or altered by Pony).

Timestamps stay `int` with size=64: a datetime converter makes lambda queries compare against text
(see the field notes), and plain `int` is validated as 32-bit.
"""

from __future__ import annotations

from types import SimpleNamespace

from pony.orm import Database, Optional, PrimaryKey, Required, composite_key


def define_entities(db: Database) -> SimpleNamespace:
    class Instance(db.Entity):
        _table_ = "instances"
        id = PrimaryKey(str)
        type = Required(str)
        status = Required(str)
        worktree_path = Required(str)
        branch_name = Required(str)
        base_branch = Optional(str, nullable=True)
        tmux_session = Required(str)
        claude_pid = Optional(int, size=64, nullable=True)
        issue_number = Optional(int, size=64, nullable=True)
        pr_number = Optional(int, size=64, nullable=True)
        pr_url = Optional(str, nullable=True)
        parent_instance_id = Optional(str, nullable=True)
        created_at = Required(int, size=64)
        terminated_at = Optional(int, size=64, nullable=True)
        last_activity = Required(int, size=64)
        system_prompt = Optional(str, nullable=True)
        agent_number = Required(int, size=64)

    class MCPEvent(db.Entity):
        _table_ = "mcp_events"
        id = PrimaryKey(int, auto=True, size=64)
        instance_id = Required(str)
        tool_name = Required(str)
        success = Required(bool)
        error_message = Optional(str, nullable=True)
        metadata = Optional(str, nullable=True)
        git_commit_hash = Optional(str, nullable=True)
        status_change = Optional(str, nullable=True)
        is_status_updating = Required(bool, default=False)
        timestamp = Required(int, size=64)

    class Relationship(db.Entity):
        _table_ = "instance_relationships"
        id = PrimaryKey(int, auto=True, size=64)
        parent_instance = Required(str)
        child_instance = Required(str)
        relationship_type = Required(str)
        review_iteration = Required(int, size=64)
        created_at = Required(int, size=64)
        metadata = Optional(str, nullable=True)
        composite_key(parent_instance, child_instance, relationship_type)

    class GitHubIssue(db.Entity):
        _table_ = "github_issues"
        number = PrimaryKey(int, size=64)
        title = Required(str)
        body = Optional(str, nullable=True)
        state = Required(str)
        assignee = Optional(str, nullable=True)
        labels = Optional(str, nullable=True)
        created_at = Required(int, size=64)
        updated_at = Required(int, size=64)
        synced_at = Required(int, size=64)
        repo_owner = Required(str)
        repo_name = Required(str)

    class UserConfig(db.Entity):
        _table_ = "user_config"
        key = PrimaryKey(str)
        value = Optional(str)  # Optional: an empty string is a legal value, NULL never is
        encrypted = Required(bool, default=False)
        updated_at = Required(int, size=64)

    return SimpleNamespace(
        Instance=Instance,
        MCPEvent=MCPEvent,
        Relationship=Relationship,
        GitHubIssue=GitHubIssue,
        UserConfig=UserConfig,
    )
