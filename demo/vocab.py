"""What agents plausibly do: tool names, files, messages and failures, shared by seed and simulator.

Everything draws from a `random.Random` passed in, so a seed gives the same story every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the store (and Pony) load only where events are written, not in fake agents
    from store import MCPEventRecord

STATUS_TOOL = "update_instance_status"  # the tool name the store itself uses for status moves

FILES: tuple[str, ...] = (
    "src/orchestrator/scheduler.ts",
    "src/orchestrator/runner.ts",
    "src/core/database/index.ts",
    "src/core/database/schema.ts",
    "src/core/github/client.ts",
    "src/core/github/rate-limit.ts",
    "src/mcp/server.ts",
    "src/mcp/tools/request-review.ts",
    "src/worktree/cleanup.ts",
    "src/tmux/session.ts",
    "src/dashboard/render.ts",
    "tests/orchestrator/scheduler.test.ts",
    "tests/github/client.test.ts",
    "tests/worktree/cleanup.test.ts",
    "docs/review-workflow.md",
    "package.json",
)
SEARCHES: tuple[str, ...] = (
    "retryWithBackoff",
    "updateInstanceStatus(",
    "TODO(review)",
    "spawnReviewInstance",
    "git worktree prune",
    "rateLimitRemaining",
    "class Scheduler",
    "onToolTimeout",
)
COMMIT_MESSAGES: tuple[str, ...] = (
    "Add exponential backoff to GitHub client",
    "Fix flaky scheduler priority test",
    "Prune stale worktree branches on cleanup",
    "Report MCP tool timeouts to the parent instance",
    "Address review: extract rate limiter",
    "Address review: cover the empty queue case",
    "Throttle status updates to one per second",
    "Document the review workflow",
)
REVIEW_COMMENTS: tuple[str, ...] = (
    "This retry loop never gives up: cap the attempts",
    "Missing test for the empty queue",
    "Nit: name this `maxDelayMs`",
    "Race: two agents can claim the same worktree here",
    "Looks good, one question about the timeout default",
)
FAILING_TESTS: tuple[str, ...] = (
    "scheduler.test.ts > orders tasks by priority",
    "client.test.ts > retries on 502 with backoff",
    "cleanup.test.ts > removes merged branches only",
    "server.test.ts > reports tool timeout",
)

# (tool, weight) per instance type; the rarer milestones are logged by the story itself.
TOOLS: dict[str, tuple[tuple[str, int], ...]] = {
    "coding": (
        ("read_file", 30),
        ("search_code", 12),
        ("edit_file", 22),
        ("run_tests", 12),
        ("run_command", 6),
        ("git_status", 5),
        ("git_commit", 6),
        ("get_issue", 2),
    ),
    "review": (
        ("read_file", 30),
        ("get_diff", 14),
        ("search_code", 10),
        ("run_tests", 10),
        ("post_review_comment", 12),
        ("get_pull_request", 4),
    ),
    "planning": (
        ("get_issue", 15),
        ("search_code", 15),
        ("read_file", 25),
        ("list_issues", 8),
        ("create_issue", 4),
        ("write_plan", 5),
    ),
}
FAILURE_RATE = 0.07


def commit_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def pick_tool(rng: random.Random, instance_type: str) -> str:
    tools = TOOLS.get(instance_type, TOOLS["coding"])
    return rng.choices([t for t, _ in tools], weights=[w for _, w in tools])[0]


@dataclass(frozen=True, slots=True)
class ToolCall:
    tool: str
    success: bool
    error_message: str | None
    metadata: dict[str, Any]
    git_commit_hash: str | None


def tool_event(
    rng: random.Random,
    instance_id: str,
    tool: str,
    *,
    at: datetime | None = None,
    fail: bool | None = None,
    pr_number: int | None = None,
    issue_number: int | None = None,
) -> MCPEventRecord:
    """One plausible tool call as a store event; `fail=None` lets the failure rate decide."""
    from store import MCPEventRecord

    call = tool_call(rng, tool, fail=fail, pr_number=pr_number, issue_number=issue_number)
    return MCPEventRecord(
        instance_id=instance_id,
        tool_name=call.tool,
        success=call.success,
        error_message=call.error_message,
        metadata=call.metadata,
        git_commit_hash=call.git_commit_hash,
        timestamp=at,
    )


def tool_call(
    rng: random.Random,
    tool: str,
    *,
    fail: bool | None = None,
    pr_number: int | None = None,
    issue_number: int | None = None,
) -> ToolCall:
    """One plausible tool call: arguments, outcome and error text."""
    failed = rng.random() < FAILURE_RATE if fail is None else fail
    path = rng.choice(FILES)
    meta: dict[str, object] = {"duration_ms": rng.randint(15, 900)}
    error: str | None = None
    commit: str | None = None
    if tool in ("read_file", "edit_file"):
        meta["path"] = path
        if tool == "edit_file":
            meta["lines_changed"] = rng.randint(1, 60)
            error = f"old_string not found in {path}" if failed else None
        else:
            error = f"ENOENT: no such file or directory, open '{path}'" if failed else None
    elif tool == "search_code":
        meta["query"] = rng.choice(SEARCHES)
        meta["matches"] = 0 if failed else rng.randint(1, 14)
        error = "ripgrep timed out after 30s" if failed else None
    elif tool == "run_tests":
        total = rng.randint(40, 260)
        broken = rng.randint(1, 4) if failed else 0
        meta.update(passed=total - broken, failed=broken, duration_ms=rng.randint(2_000, 45_000))
        if failed:
            error = f"{broken} test(s) failed: {rng.choice(FAILING_TESTS)}"
    elif tool == "run_command":
        meta["command"] = rng.choice(("npm run lint", "npm run build", "npx tsc --noEmit"))
        error = "exit status 2: src/mcp/server.ts(88,5): error TS2345" if failed else None
    elif tool == "git_commit":
        meta["message"] = rng.choice(COMMIT_MESSAGES)
        if failed:
            error = "pre-commit hook failed: eslint found 3 problems"
        else:
            commit = commit_hash(rng)
            meta["files_changed"] = rng.randint(1, 7)
    elif tool == "git_push":
        error = "rejected: non-fast-forward (fetch first)" if failed else None
    elif tool in ("get_issue", "list_issues", "create_issue"):
        if issue_number is not None:
            meta["issue_number"] = issue_number
        error = "GitHub API rate limit exceeded (403), resets in 12 min" if failed else None
    elif tool in ("get_diff", "get_pull_request", "create_pull_request"):
        if pr_number is not None:
            meta["pr_number"] = pr_number
        error = "GitHub API returned 502 Bad Gateway" if failed else None
    elif tool == "post_review_comment":
        meta.update(path=path, line=rng.randint(5, 400), comment=rng.choice(REVIEW_COMMENTS))
        error = "pull request review thread is outdated" if failed else None
    elif tool == "request_review":
        meta["iteration"] = rng.randint(1, 3)
        error = None
        failed = False
    elif tool == "write_plan":
        meta["tasks"] = rng.randint(3, 9)
    else:
        error = "tool call timed out after 120s" if failed else None
    if failed and error is None:
        error = "tool call timed out after 120s"
    return ToolCall(tool, not failed, error if failed else None, meta, commit)


def status_event(instance_id: str, old: str, new: str, at: datetime | None) -> MCPEventRecord:
    """The event the store's update_instance_status writes, for histories written directly."""
    from store import MCPEventRecord

    return MCPEventRecord(
        instance_id=instance_id,
        tool_name=STATUS_TOOL,
        success=True,
        metadata={"from": old, "to": new},
        status_change=new,
        is_status_updating=True,
        timestamp=at,
    )
