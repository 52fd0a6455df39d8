"""A deterministic demo database: a believable two hours of a multi-agent team, all from `now`.

Snapshot tests pin `now` and `seed`, so every timestamp derives from `now` and every choice from a
seeded `random.Random`. Status histories are written as the store's own status events with
explicit timestamps (update_instance_status stamps the wall clock, which a fixed clock cannot use),
and instances are created directly in their final status with matching created/terminated times.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from store import (
    DatabaseConfig,
    GitHubIssueRecord,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
    initialize_database,
)
from store.transitions import TERMINAL_STATUSES, allowed_next

from .vocab import pick_tool, status_event, tool_event

REPO_OWNER = "codex-labs"
REPO_NAME = "claude-codex"
WORKTREE_ROOT = "/home/dev/claude-codex/.worktrees"
# Seeded rows name sessions no one creates, so a kill key on a seed-only database finds nothing.
SEED_SESSION_PREFIX = "codex-demo-seed-"
ACTIVE_STATUSES: tuple[str, ...] = ("started", "waiting_review", "pr_created")

ISSUES: tuple[tuple[int, str, str, tuple[str, ...], int], ...] = (
    # number, title, state, labels, days old
    (112, "Dashboard flickers when many agents log at once", "open", ("bug", "dashboard"), 9),
    (
        118,
        "Add retry with backoff to the GitHub API client",
        "closed",
        ("enhancement", "github"),
        14,
    ),
    (
        121,
        "Review agent should re-run tests before approving",
        "open",
        ("enhancement", "review"),
        6,
    ),
    (124, "Worktree cleanup leaves stale branches behind", "open", ("bug", "git"), 4),
    (127, "Support PostgreSQL as a state store backend", "open", ("enhancement", "database"), 21),
    (
        130,
        "Plan: split the orchestrator into scheduler and runner",
        "open",
        ("planning", "epic"),
        3,
    ),
    (131, "Scheduler: queue coding tasks by priority", "open", ("enhancement", "orchestrator"), 1),
    (
        132,
        "Runner: restart crashed agents with backoff",
        "open",
        ("enhancement", "orchestrator"),
        1,
    ),
    (135, "MCP tool timeouts are not reported to the parent", "open", ("bug", "mcp"), 2),
    (138, "Document the review workflow", "open", ("documentation", "good first issue"), 5),
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """One instance of the story: minutes ago it started, and its status path after 'started'."""

    id: str
    type: str
    issue: int | None
    path: tuple[str, ...]
    start: int  # minutes before now
    end: int | None = None  # minutes before now for terminal paths
    parent: str | None = None
    relation: str | None = None
    iteration: int = 1
    pr: int | None = None


STORY: tuple[_Plan, ...] = (
    _Plan("work-118-a1", "coding", 118,
          ("waiting_review", "started", "waiting_review", "started", "waiting_review",
           "pr_created", "pr_merged"), 118, 12, pr=241),
    _Plan("review-118-a1-r1", "review", 118, ("terminated",), 104, 96,
          "work-118-a1", "spawned_review", 1),
    _Plan("review-118-a1-r2", "review", 118, ("terminated",), 78, 70,
          "work-118-a1", "spawned_review", 2),
    _Plan("review-118-a1-r3", "review", 118, ("terminated",), 41, 33,
          "work-118-a1", "spawned_review", 3),
    _Plan("work-112-a1", "coding", 112,
          ("waiting_review", "started", "waiting_review", "pr_created"), 110, pr=244),
    _Plan("review-112-a1-r1", "review", 112, ("terminated",), 86, 68,
          "work-112-a1", "spawned_review", 1),
    _Plan("review-112-a1-r2", "review", 112, (), 19, None,
          "work-112-a1", "spawned_review", 2),
    _Plan("work-121-a1", "coding", 121, ("waiting_review",), 95),
    _Plan("review-121-a1-r1", "review", 121, (), 45, None,
          "work-121-a1", "spawned_review", 1),
    _Plan("work-127-a1", "coding", 127, ("waiting_review", "pr_created", "pr_closed"), 119, 52,
          pr=239),
    _Plan("work-135-a1", "coding", 135, ("terminated",), 100, 64),
    _Plan("work-135-a2", "coding", 135, (), 63, None, "work-135-a1", "created_fork"),
    _Plan("plan-130-a1", "planning", 130, (), 90),
    _Plan("work-131-a1", "coding", 131, (), 58, None, "plan-130-a1", "planning_to_issue"),
    _Plan("work-132-a1", "coding", 132, ("waiting_review",), 55, None,
          "plan-130-a1", "planning_to_issue"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """What was built, so callers and tests need not query for it."""

    path: str
    now: datetime
    seed: int
    instance_ids: tuple[str, ...]
    active_instance_ids: tuple[str, ...]
    issue_numbers: tuple[int, ...]
    event_count: int
    relationship_count: int
    repo: tuple[str, str] = (REPO_OWNER, REPO_NAME)
    statuses: dict[str, str] = field(default_factory=dict)


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(microsecond=0)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _check_path(plan: _Plan) -> None:
    current = "started"
    for status in plan.path:
        if status not in allowed_next(current):
            raise AssertionError(f"demo story: {plan.id} cannot go {current} -> {status}")
        current = status


def _final(plan: _Plan) -> str:
    return plan.path[-1] if plan.path else "started"


def build_demo_database(
    path: str | os.PathLike[str], *, seed: int = 7, now: datetime | None = None
) -> DemoInfo:
    """Create a new demo database at `path` (which must not exist yet) through the store."""
    path = os.fspath(path)
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists: the demo only writes a new database")
    now = _aware(now)
    rng = random.Random(seed)
    issue_by_number = {number: title for number, title, *_ in ISSUES}

    issues = [
        GitHubIssueRecord(
            number=number,
            title=title,
            state=state,
            repo_owner=REPO_OWNER,
            repo_name=REPO_NAME,
            created_at=now - timedelta(days=days, hours=rng.randint(1, 20)),
            updated_at=now - timedelta(minutes=rng.randint(5, 600)),
            body=f"{title}.\n\nSee the linked instances for progress.",
            assignee=rng.choice(("claude-codex-bot", None, "maria-dev")),
            labels=list(labels),
            synced_at=now - timedelta(minutes=2),
        )
        for number, title, state, labels, days in ISSUES
    ]

    instances: list[InstanceRecord] = []
    relationships: list[RelationshipRecord] = []
    events: list[MCPEventRecord] = []
    for plan in STORY:
        _check_path(plan)
        created = now - timedelta(minutes=plan.start, seconds=rng.randint(0, 50))
        final = _final(plan)
        ended = (
            now - timedelta(minutes=plan.end, seconds=rng.randint(0, 50))
            if final in TERMINAL_STATUSES and plan.end is not None
            else None
        )
        horizon = ended or now - timedelta(seconds=rng.randint(5, 90))
        span = (horizon - created).total_seconds()

        # status moves spread over the lifetime, each preceded by its milestone tool call
        history: list[MCPEventRecord] = []
        moves = len(plan.path)
        previous = "started"
        for index, status in enumerate(plan.path):
            at = (
                ended
                if ended is not None and index == moves - 1
                else created + timedelta(seconds=span * (index + 1) / (moves + 1))
            )
            milestone = {
                "waiting_review": "request_review",
                "pr_created": "create_pull_request",
            }.get(status)
            if milestone and plan.type == "coding":
                if status == "waiting_review":
                    history.append(
                        tool_event(rng, plan.id, "git_commit", at=at - timedelta(seconds=40),
                                   fail=False)
                    )  # fmt: skip
                history.append(
                    tool_event(rng, plan.id, milestone, at=at - timedelta(seconds=8), fail=False,
                               pr_number=plan.pr, issue_number=plan.issue)
                )  # fmt: skip
            if plan.type == "review" and status == "terminated":
                history.append(
                    tool_event(rng, plan.id, "submit_review", at=at - timedelta(seconds=20),
                               fail=False, pr_number=plan.pr)
                )  # fmt: skip
            history.append(status_event(plan.id, previous, status, at))
            previous = status

        # ordinary tool calls: about one a minute, bursty, over the lifetime
        count = max(6, int(span / 60 * rng.uniform(0.3, 0.6)))
        for _ in range(count):
            at = created + timedelta(seconds=rng.uniform(5, max(span - 5, 6)))
            tool = pick_tool(rng, plan.type)
            history.append(
                tool_event(rng, plan.id, tool, at=at, pr_number=plan.pr, issue_number=plan.issue)
            )
        events.extend(history)
        last_activity = max(e.timestamp for e in history if e.timestamp is not None)

        branch = f"work-{plan.issue}" if plan.issue is not None else plan.id
        if plan.relation == "created_fork":
            branch = f"{branch}-fork"
        instances.append(
            InstanceRecord(
                id=plan.id,
                type=plan.type,  # type: ignore[arg-type]
                status=final,  # type: ignore[arg-type]
                worktree_path=f"{WORKTREE_ROOT}/{plan.id}",
                branch_name=branch,
                base_branch="main",
                tmux_session=SEED_SESSION_PREFIX + plan.id,
                claude_pid=None,  # real pids only for live demo agents (demo.agents)
                issue_number=plan.issue,
                pr_number=plan.pr,
                pr_url=(
                    f"https://github.com/{REPO_OWNER}/{REPO_NAME}/pull/{plan.pr}"
                    if plan.pr is not None
                    else None
                ),
                parent_instance_id=plan.parent,
                created_at=created,
                terminated_at=ended,
                last_activity=last_activity.replace(microsecond=0),
                system_prompt=(
                    f"You are a {plan.type} agent working on issue #{plan.issue}: "
                    f"{issue_by_number.get(plan.issue or 0, 'no issue')}."
                ),
            )
        )
        if plan.parent is not None and plan.relation is not None:
            relationships.append(
                RelationshipRecord(
                    parent_instance=plan.parent,
                    child_instance=plan.id,
                    relationship_type=plan.relation,  # type: ignore[arg-type]
                    review_iteration=plan.iteration,
                    created_at=created,
                    metadata={"issue_number": plan.issue},
                )
            )

    events.sort(key=lambda e: (e.timestamp, e.instance_id, e.tool_name))
    for event in events:
        assert event.timestamp is not None
        event.timestamp = event.timestamp.replace(microsecond=0)

    with initialize_database(DatabaseConfig(local_file=path)) as db:
        db.sync_github_issues(issues)
        for record in instances:
            db.create_instance(record)
        for relationship in relationships:
            db.create_relationship(relationship)
        db.log_mcp_events(events)

    return DemoInfo(
        path=path,
        now=now,
        seed=seed,
        instance_ids=tuple(i.id for i in instances),
        active_instance_ids=tuple(i.id for i in instances if i.status in ACTIVE_STATUSES),
        issue_numbers=tuple(number for number, *_ in ISSUES),
        event_count=len(events),
        relationship_count=len(relationships),
        statuses={i.id: i.status for i in instances},
    )
