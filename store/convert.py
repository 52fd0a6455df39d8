"""Rows and entities to records: the one place that turns the file's integers back into datetimes."""

from __future__ import annotations

from typing import Any

from .records import GitHubIssueRecord, InstanceRecord, MCPEventRecord, RelationshipRecord
from .timeutil import from_epoch
from .validation import parse_json


def event_from_row(row: tuple[Any, ...]) -> MCPEventRecord:
    """Row order: id, then validation.EVENT_COLUMNS."""
    return MCPEventRecord(
        id=row[0],
        instance_id=row[1],
        tool_name=row[2],
        success=bool(row[3]),
        error_message=row[4],
        metadata=parse_json(row[5]),
        git_commit_hash=row[6],
        status_change=row[7],
        is_status_updating=bool(row[8]),
        timestamp=from_epoch(row[9]),
    )


def instance_from_entity(entity: Any) -> InstanceRecord:
    return InstanceRecord(
        id=entity.id,
        type=entity.type,
        status=entity.status,
        worktree_path=entity.worktree_path,
        branch_name=entity.branch_name,
        base_branch=entity.base_branch,
        tmux_session=entity.tmux_session,
        claude_pid=entity.claude_pid,
        issue_number=entity.issue_number,
        pr_number=entity.pr_number,
        pr_url=entity.pr_url,
        parent_instance_id=entity.parent_instance_id,
        created_at=from_epoch(entity.created_at),
        terminated_at=from_epoch(entity.terminated_at),
        last_activity=from_epoch(entity.last_activity),
        system_prompt=entity.system_prompt,
        agent_number=entity.agent_number,
    )


def relationship_from_entity(entity: Any) -> RelationshipRecord:
    return RelationshipRecord(
        id=entity.id,
        parent_instance=entity.parent_instance,
        child_instance=entity.child_instance,
        relationship_type=entity.relationship_type,
        review_iteration=entity.review_iteration,
        created_at=from_epoch(entity.created_at),
        metadata=parse_json(entity.metadata),
    )


def issue_from_entity(entity: Any) -> GitHubIssueRecord:
    return GitHubIssueRecord(
        number=entity.number,
        title=entity.title,
        body=entity.body,
        state=entity.state,
        assignee=entity.assignee,
        labels=parse_json(entity.labels),
        created_at=from_epoch(entity.created_at),
        updated_at=from_epoch(entity.updated_at),
        synced_at=from_epoch(entity.synced_at),
        repo_owner=entity.repo_owner,
        repo_name=entity.repo_name,
    )
