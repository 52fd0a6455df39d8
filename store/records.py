"""The spec's record types as dataclasses, with the spec's field names.

Records are plain values: they cross threads and processes freely, unlike Pony entities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple

InstanceType = Literal["coding", "review", "planning"]
InstanceStatus = Literal[
    "started", "waiting_review", "pr_created", "pr_merged", "pr_closed", "terminated"
]
RelationshipType = Literal["spawned_review", "created_fork", "planning_to_issue"]

INSTANCE_TYPES: tuple[str, ...] = ("coding", "review", "planning")
INSTANCE_STATUSES: tuple[str, ...] = (
    "started",
    "waiting_review",
    "pr_created",
    "pr_merged",
    "pr_closed",
    "terminated",
)
RELATIONSHIP_TYPES: tuple[str, ...] = ("spawned_review", "created_fork", "planning_to_issue")
ORDER_FIELDS: tuple[str, ...] = ("created_at", "last_activity", "terminated_at")


@dataclass(kw_only=True, slots=True)
class InstanceRecord:
    id: str
    type: InstanceType
    status: InstanceStatus
    worktree_path: str
    branch_name: str
    tmux_session: str
    base_branch: str | None = None
    claude_pid: int | None = None
    issue_number: int | None = None
    pr_number: int | None = None
    pr_url: str | None = None
    parent_instance_id: str | None = None
    created_at: datetime | None = None
    terminated_at: datetime | None = None
    last_activity: datetime | None = None
    system_prompt: str | None = None
    agent_number: int | None = None


@dataclass(kw_only=True, slots=True)
class MCPEventRecord:
    instance_id: str
    tool_name: str
    success: bool
    id: int | None = None
    error_message: str | None = None
    metadata: Any = None
    git_commit_hash: str | None = None
    status_change: str | None = None
    is_status_updating: bool = False
    timestamp: datetime | None = None


@dataclass(kw_only=True, slots=True)
class RelationshipRecord:
    parent_instance: str
    child_instance: str
    relationship_type: RelationshipType
    review_iteration: int = 1
    id: int | None = None
    created_at: datetime | None = None
    metadata: Any = None


@dataclass(kw_only=True, slots=True)
class GitHubIssueRecord:
    number: int
    title: str
    state: str
    repo_owner: str
    repo_name: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    assignee: str | None = None
    labels: Any = None
    synced_at: datetime | None = None


@dataclass(kw_only=True, slots=True)
class InstanceFilter:
    types: list[str] | None = None
    statuses: list[str] | None = None
    issue_number: int | None = None
    parent_instance: str | None = None
    limit: int | None = None
    offset: int | None = None
    order_by: str = "last_activity"
    order_direction: str = "DESC"


@dataclass(kw_only=True, slots=True)
class BackupResult:
    path: str
    size_bytes: int
    seconds: float
    integrity: str = "ok"


@dataclass(kw_only=True, slots=True)
class EventActivity:
    """What the dashboard shows beside an instance, kept cheap to compute incrementally."""

    instance_id: str
    count: int
    last_id: int
    last_success: bool
    last_timestamp: datetime | None


class ActivityCursor(NamedTuple):
    """Where the last count of new events stopped: past `high`, plus `gaps`, ids below it that
    were not yet committed when it was read (a server's concurrent writers commit ids out of
    order), each with the transaction horizon after which it can no longer appear."""

    high: int = 0
    gaps: tuple[tuple[int, int], ...] = ()
