"""The column orders every engine reads in, so store/convert.py turns any dialect's rows into
records the same way: schema knowledge, not SQL dialect."""

from __future__ import annotations

INSTANCE_COLUMNS = (
    "id",
    "type",
    "status",
    "worktree_path",
    "branch_name",
    "base_branch",
    "tmux_session",
    "claude_pid",
    "issue_number",
    "pr_number",
    "pr_url",
    "parent_instance_id",
    "created_at",
    "terminated_at",
    "last_activity",
    "system_prompt",
    "agent_number",
)
INSTANCE_SELECT = f"SELECT {', '.join(INSTANCE_COLUMNS)} FROM instances"
INSTANCE_ORDER_COLUMNS = frozenset({"created_at", "last_activity", "terminated_at"})
