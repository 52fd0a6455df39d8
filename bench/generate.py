"""Make a realistic claude-codex.db, quickly and identically for a given seed.

Why: the store benchmark and the dashboard's own benchmark need a big, believable database (a few
busy active agents, a long tail of finished ones, review chains, failures) that every run rebuilds
the same way. Everything is written through the store (`initialize_database`, `create_instance`,
`create_relationship`, `sync_github_issues`, `log_mcp_events` in batches of 10,000), so the schema
and migrations are the project's and generating also exercises the store's write paths.

    uv run python -m bench.generate OUT.db [--instances 1000 --relationships 2000
                                            --events 1000000 --seed 1]

Same seed and same `now` give the same file content; `now` defaults to the current time, so a
later run has the same data shifted in time (the dashboard wants "the last 30 days").
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import os
import random
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from store import (
    DatabaseConfig,
    GitHubIssueRecord,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
    initialize_database,
)

DAY = 86_400
WINDOW = 30 * DAY  # events and instances span the last ~30 days
BATCH = 10_000  # events per log_mcp_events call
ACTIVE_SHARE = 0.75  # of all events, the share logged by the (few) active instances
ZIPF_EXPONENT = 0.9  # skew among active instances: a handful are very busy
REPO_OWNER, REPO_NAME = "acme", "claude-codex"
STATUS_TOOL = "update_instance_status"  # what Database.update_instance_status logs

# Tool names and relative frequencies by instance type: chatty polling and progress tools dominate.
TOOLS: dict[str, list[tuple[str, float]]] = {
    "coding": [
        ("report_progress", 22),
        ("check_messages", 18),
        ("get_instance_status", 12),
        ("run_tests", 10),
        ("commit_changes", 9),
        ("get_issue", 6),
        ("run_linter", 6),
        ("send_message", 4),
        ("push_branch", 4),
        ("list_instances", 3),
        ("get_ci_status", 3),
        ("comment_on_issue", 2),
        ("request_review", 0.6),
        ("create_pull_request", 0.3),
        ("spawn_worker", 0.2),
    ],
    "review": [
        ("read_diff", 20),
        ("check_messages", 20),
        ("report_progress", 15),
        ("get_instance_status", 12),
        ("comment_on_pr", 10),
        ("run_tests", 8),
        ("get_ci_status", 6),
        ("send_message", 6),
        ("submit_review", 3),
    ],
    "planning": [
        ("list_instances", 15),
        ("get_issue", 15),
        ("list_issues", 15),
        ("check_messages", 15),
        ("create_issue", 10),
        ("get_instance_status", 10),
        ("send_message", 8),
        ("report_progress", 7),
        ("spawn_worker", 5),
    ],
}
FAILURE_RATE: dict[str, float] = {
    "run_tests": 0.20,
    "push_branch": 0.10,
    "create_pull_request": 0.10,
    "get_ci_status": 0.09,
    "spawn_worker": 0.06,
    "commit_changes": 0.05,
}
DEFAULT_FAILURE_RATE = 0.04
ERRORS: dict[str, list[str]] = {
    "run_tests": [
        "{n} tests failed: tests/test_api.py::test_refresh_token and others",
        "pytest exited with code 1 ({n} failed, {m} passed)",
        "test run timed out after 600 s",
    ],
    "push_branch": [
        "! [rejected] HEAD -> work-{k} (non-fast-forward)",
        "fatal: unable to access 'https://github.com/acme/claude-codex.git/': Could not resolve host",
    ],
    "create_pull_request": ["GitHub API 422: A pull request already exists for acme:work-{k}"],
    "get_ci_status": ["GitHub API 502: Bad Gateway", "no check runs found for {n} commits"],
    "commit_changes": ["nothing to commit, working tree clean", "pre-commit hook failed: ruff"],
    "": [
        "MCP request timed out after 30000 ms",
        "GitHub API 403: API rate limit exceeded (resets in {k} s)",
        "database is locked (busy_timeout=5000 ms)",
        "tmux session not found: can't find session work-{k}-a1",
        "connection reset by peer",
    ],
}
COMMIT_TOOLS = frozenset({"commit_changes", "push_branch", "create_pull_request"})
TITLE_VERBS = ("Fix", "Add", "Refactor", "Speed up", "Document", "Remove", "Test", "Migrate")
TITLE_AREAS = (
    "login flow",
    "token refresh",
    "billing export",
    "search index",
    "webhook retries",
    "CLI help",
    "rate limiter",
    "settings page",
    "CSV import",
    "audit log",
    "cache layer",
    "worker pool",
)
LABELS = (["bug"], ["enhancement"], ["bug", "priority:high"], ["chore"], ["docs"], ["agent"])


@dataclass(slots=True)
class _Instance:
    """One planned instance; created through the store once events fix its last activity."""

    id: str
    type: str
    issue: int | None
    agent: int
    parent: str | None = None
    status: str = "started"
    created: int = 0
    terminated: int | None = None
    last_activity: int = 0
    pr_number: int | None = None
    reviews: list[_Instance] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # status changes after "started"

    @property
    def active(self) -> bool:
        return self.terminated is None

    @property
    def end(self) -> int:
        return self.terminated if self.terminated is not None else self.last_activity


def generate(
    path: str | os.PathLike[str],
    *,
    instances: int = 1000,
    relationships: int = 2000,
    events: int = 1_000_000,
    seed: int = 1,
    now: int | None = None,
) -> dict[str, Any]:
    """Write a fresh database at `path` (replacing one there) and return what was made, timed."""
    started = time.perf_counter()
    path = os.path.abspath(os.fspath(path))
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = random.Random(seed)
    now = int(time.time()) if now is None else int(now)

    planned = _plan_instances(rng, max(1, instances), now)
    links = _plan_relationships(rng, planned, max(0, relationships))
    regular, status_events = _plan_events(rng, planned, max(0, events))
    issues = _plan_issues(rng, planned, now)

    timings: dict[str, float] = {}
    db = initialize_database(DatabaseConfig(local_file=path))
    try:
        mark = time.perf_counter()
        for inst in planned:
            db.create_instance(_instance_record(inst))
        timings["instances_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        for link in links:
            db.create_relationship(link)
        timings["relationships_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        for start in range(0, len(issues), BATCH):
            db.sync_github_issues(issues[start : start + BATCH])
        timings["issues_s"] = time.perf_counter() - mark

        mark = time.perf_counter()
        failures = 0
        for batch in _event_batches(rng, planned, regular, status_events):
            failures += sum(1 for record in batch if not record.success)
            db.log_mcp_events(batch)
        timings["events_s"] = time.perf_counter() - mark
        db.checkpoint("TRUNCATE")  # fold the WAL in, so the file size is the data's size
    finally:
        db.disconnect()

    counts: dict[str, int] = {}
    for inst_index in regular[1]:
        counts[planned[inst_index].id] = counts.get(planned[inst_index].id, 0) + 1
    busiest = max(counts, key=counts.__getitem__) if counts else planned[0].id
    total_events = len(regular[0]) + len(status_events)
    return {
        "path": path,
        "seed": seed,
        "now": now,
        "instances": len(planned),
        "active_instances": sum(1 for inst in planned if inst.active),
        "relationships": len(links),
        "issues": len(issues),
        "events": total_events,
        "failures": failures,
        "status_events": len(status_events),
        "busiest_instance": busiest,
        "busiest_events": counts.get(busiest, 0),
        **timings,
        "seconds": time.perf_counter() - started,
        "size_bytes": os.path.getsize(path),
    }


# --- planning ------------------------------------------------------------------------------------


def _split_types(n: int) -> tuple[int, int, int]:
    """(coding, review, planning): about 57 %, 35 %, 8 %, at least one coding instance."""
    planning = round(n * 0.08) if n >= 10 else 0
    review = min(round(n * 0.35), (n - planning - 1) * 3) if n >= 2 else 0
    return n - planning - review, review, planning


def _plan_instances(rng: random.Random, n: int, now: int) -> list[_Instance]:
    """Instances in creation order (parents before children), with statuses and lifetimes."""
    n_coding, n_review, n_planning = _split_types(n)
    plans = [
        _Instance(id=f"plan-{k + 1}", type="planning", issue=None, agent=1)
        for k in range(n_planning)
    ]
    coding: list[_Instance] = []
    issue = 100
    while len(coding) < n_coding:
        issue += rng.choice((1, 1, 1, 2, 3, 5))
        agents = min(n_coding - len(coding), rng.choices((1, 2, 3), (80, 15, 5))[0])
        first = None
        for agent in range(1, agents + 1):
            inst = _Instance(id=f"work-{issue}-a{agent}", type="coding", issue=issue, agent=agent)
            if first is None:
                first = inst
                if plans and rng.random() < 0.8:
                    inst.parent = rng.choice(plans).id
            else:
                inst.parent = first.id  # a fork of the first agent's attempt
            coding.append(inst)
    epic = issue + 10
    for plan in plans:
        epic += rng.choice((1, 2, 4))
        plan.issue = epic

    reviews: list[_Instance] = []
    for _ in range(n_review):
        candidates = [c for c in rng.sample(coding, min(len(coding), 8)) if len(c.reviews) < 3]
        owner = candidates[0] if candidates else next(c for c in coding if len(c.reviews) < 3)
        review = _Instance(
            id=f"review-{owner.issue}-a{owner.agent}-r{len(owner.reviews) + 1}",
            type="review",
            issue=owner.issue,
            agent=owner.agent,
            parent=owner.id,
        )
        owner.reviews.append(review)
        reviews.append(review)

    pr_number = epic + 50
    active_share = rng.uniform(0.10, 0.15)
    for plan in plans:
        _lifetime(rng, plan, now, active=rng.random() < active_share)
        plan.path = [] if plan.active else ["terminated"]
    by_id = {plan.id: plan for plan in plans}
    for inst in coding:
        by_id[inst.id] = inst
        parent_created = by_id[inst.parent].created if inst.parent else None
        _lifetime(rng, inst, now, active=rng.random() < active_share, after=parent_created)
        rounds = len(inst.reviews)
        inst.path = ["waiting_review", "started"] * max(0, rounds - 1)
        if inst.active:
            inst.status = rng.choices(("started", "waiting_review", "pr_created"), (4, 3, 2))[0]
            if inst.status == "started" and rounds:
                inst.path += ["waiting_review", "started"]
            elif inst.status != "started":
                inst.path += ["waiting_review"] if rounds else []
                inst.path += ["pr_created"] if inst.status == "pr_created" else []
        else:
            inst.status = rng.choices(("pr_merged", "pr_closed", "terminated"), (60, 15, 25))[0]
            if inst.status == "terminated":
                inst.path += ["terminated"]
            else:
                inst.path += ["waiting_review"] * bool(rounds) + ["pr_created", inst.status]
        if inst.status.startswith("pr_"):
            pr_number += rng.choice((1, 1, 2))
            inst.pr_number = pr_number
        for k, review in enumerate(inst.reviews):
            last = k == rounds - 1
            start = inst.created + (inst.end - inst.created) * (k + 1) // (rounds + 1)
            review_active = inst.active and last and inst.status == "waiting_review"
            _lifetime(rng, review, now, active=review_active, after=start, before=inst.end)
            review.path = [] if review.active else ["terminated"]
            review.status = "started" if review.active else "terminated"
    for plan in plans:
        plan.status = "started" if plan.active else "terminated"
    return plans + coding + reviews


def _lifetime(
    rng: random.Random,
    inst: _Instance,
    now: int,
    *,
    active: bool,
    after: int | None = None,
    before: int | None = None,
) -> None:
    """Created in the last 30 days (recent days denser); finished ones lived minutes to days."""
    if active:
        age = int(3 * DAY * rng.random() ** 1.5) + 600
        inst.created = max(now - age, after or 0)
        inst.last_activity = now - rng.randrange(0, 900)
        inst.last_activity = max(inst.last_activity, inst.created + 60)
        return
    age = int(WINDOW * rng.random() ** 1.3) + 3600
    inst.created = max(now - age, (after or 0) + 60)
    span = int(min(rng.lognormvariate(9.5, 1.0), 3 * DAY)) + 300  # median about 3.7 hours
    end = min(inst.created + span, now - 120, before if before is not None else now)
    inst.created = min(inst.created, end - 60)
    inst.terminated = inst.last_activity = end


def _plan_relationships(
    rng: random.Random, planned: list[_Instance], wanted: int
) -> list[RelationshipRecord]:
    """Review chains, forks and planning links first; random plausible links fill up to `wanted`."""
    by_id = {inst.id: inst for inst in planned}
    natural: list[tuple[str, str, str, int]] = []
    for inst in planned:
        for k, review in enumerate(inst.reviews, start=1):
            natural.append((inst.id, review.id, "spawned_review", k))
    for inst in planned:
        if inst.type == "coding" and inst.parent is not None:
            kind = "planning_to_issue" if inst.parent.startswith("plan-") else "created_fork"
            natural.append((inst.parent, inst.id, kind, 1))
    seen = {(p, c, t) for p, c, t, _ in natural}
    chosen = natural[:wanted]
    coding = [inst for inst in planned if inst.type == "coding"]
    plans = [inst for inst in planned if inst.type == "planning"]
    attempts = 0
    while len(chosen) < wanted and len(coding) > 1 and attempts < wanted * 20:
        attempts += 1
        if plans and rng.random() < 0.5:
            parent, kind = rng.choice(plans), "planning_to_issue"
        else:
            parent, kind = rng.choice(coding), "created_fork"
        child = rng.choice(coding)
        if child.id == parent.id or (parent.id, child.id, kind) in seen:
            continue
        seen.add((parent.id, child.id, kind))
        chosen.append((parent.id, child.id, kind, 1))
    records = []
    for parent_id, child_id, kind, iteration in chosen:
        parent, child = by_id[parent_id], by_id[child_id]
        created = min(max(parent.created, child.created) + rng.randrange(5, 120), child.end)
        metadata = (
            {"trigger": "request_review", "pr_number": parent.pr_number}
            if kind == "spawned_review"
            else {"reason": "parallel attempt"}
            if kind == "created_fork"
            else {"issue_number": child.issue}
        )
        records.append(
            RelationshipRecord(
                parent_instance=parent_id,
                child_instance=child_id,
                relationship_type=kind,  # type: ignore[arg-type]
                review_iteration=iteration,
                created_at=_dt(created),
                metadata=metadata,
            )
        )
    return records


def _plan_events(
    rng: random.Random, planned: list[_Instance], wanted: int
) -> tuple[tuple[list[int], list[int]], list[tuple[int, int, str, str]]]:
    """(timestamps, instance indexes) of ordinary events, and the status-change events.

    Active instances log ACTIVE_SHARE of the events, Zipf-skewed; finished ones share the rest by
    lifetime. Within an instance's lifetime, times lean towards its end (u**2), so recent days are
    denser. Active instances' last_activity becomes their newest event's time.
    """
    status_events: list[tuple[int, int, str, str]] = []
    for index, inst in enumerate(planned):
        if not inst.path:
            continue
        steps = len(inst.path)
        span = inst.end - inst.created
        previous = "started"
        for k, status in enumerate(inst.path, start=1):
            last_terminal = inst.terminated is not None and k == steps
            ts = inst.end if last_terminal else inst.created + span * k // (steps + 1)
            status_events.append((ts, index, previous, status))
            previous = status
    status_events = status_events[:wanted]
    n_regular = wanted - len(status_events)

    active = [i for i, inst in enumerate(planned) if inst.active]
    finished = [i for i, inst in enumerate(planned) if not inst.active]
    rng.shuffle(active)
    weights = [0.0] * len(planned)
    if active:
        zipf = [1 / (rank**ZIPF_EXPONENT) for rank in range(1, len(active) + 1)]
        scale = (ACTIVE_SHARE if finished else 1.0) / sum(zipf)
        for rank, index in enumerate(active):
            weights[index] = zipf[rank] * scale
    if finished:
        spans = [(planned[i].end - planned[i].created) * rng.uniform(0.3, 1.7) for i in finished]
        scale = (1 - ACTIVE_SHARE if active else 1.0) / sum(spans)
        for index, span in zip(finished, spans, strict=True):
            weights[index] = span * scale
    cumulative = list(itertools.accumulate(weights))
    owners = rng.choices(range(len(planned)), cum_weights=cumulative, k=n_regular)

    starts = [inst.created for inst in planned]
    spans = [inst.end - inst.created for inst in planned]
    random_ = rng.random
    stamps = [starts[i] + spans[i] - int(spans[i] * random_() ** 2) for i in owners]
    newest: dict[int, int] = {}
    for ts, index in itertools.chain(
        zip(stamps, owners, strict=True), ((e[0], e[1]) for e in status_events)
    ):
        if ts > newest.get(index, 0):
            newest[index] = ts
    for index, ts in newest.items():
        if planned[index].active:
            planned[index].last_activity = ts
    return (stamps, owners), status_events


def _plan_issues(rng: random.Random, planned: list[_Instance], now: int) -> list[GitHubIssueRecord]:
    """One cached issue per issue number an instance works on, open while any of its work is."""
    groups: dict[int, list[_Instance]] = {}
    for inst in planned:
        if inst.issue is not None:
            groups.setdefault(inst.issue, []).append(inst)
    issues = []
    for number in sorted(groups):
        group = groups[number]
        first = min(inst.created for inst in group)
        created = max(first - rng.randrange(600, 5 * DAY), now - WINDOW - 10 * DAY)
        updated = max(inst.last_activity for inst in group)
        is_open = any(inst.active for inst in group) or not any(
            inst.status == "pr_merged" for inst in group
        )
        epic = group[0].type == "planning"
        title = f"{rng.choice(TITLE_VERBS)} {rng.choice(TITLE_AREAS)}"
        issues.append(
            GitHubIssueRecord(
                number=number,
                title=("Epic: " + title) if epic else title,
                body=f"Steps to reproduce and context for #{number}.\n\n- [ ] {title.lower()}\n",
                state="open" if is_open else "closed",
                assignee=rng.choice((None, "claude-codex-bot", "octocat")),
                labels=rng.choice(LABELS) + (["epic"] if epic else []),
                created_at=_dt(created),
                updated_at=_dt(max(updated, created)),
                repo_owner=REPO_OWNER,
                repo_name=REPO_NAME,
            )
        )
    return issues


# --- records -------------------------------------------------------------------------------------


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _instance_record(inst: _Instance) -> InstanceRecord:
    branch = f"work-{inst.issue}" if inst.type != "planning" else f"plan/{inst.id}"
    pr_url = None
    if inst.pr_number is not None:
        pr_url = f"https://github.com/{REPO_OWNER}/{REPO_NAME}/pull/{inst.pr_number}"
    return InstanceRecord(
        id=inst.id,
        type=inst.type,  # type: ignore[arg-type]
        status=inst.status,  # type: ignore[arg-type]
        worktree_path=f"/home/dev/worktrees/{inst.id}",
        branch_name=branch,
        base_branch="main",
        tmux_session=inst.id,
        claude_pid=40_000 + zlib.crc32(inst.id.encode()) % 20_000 if inst.active else None,
        issue_number=inst.issue,
        pr_number=inst.pr_number,
        pr_url=pr_url,
        parent_instance_id=inst.parent,
        created_at=_dt(inst.created),
        terminated_at=None if inst.terminated is None else _dt(inst.terminated),
        last_activity=_dt(inst.last_activity),
        system_prompt=f"You are agent {inst.agent} on {branch}. Work only in your worktree.",
        agent_number=inst.agent,
    )


def _tool_pickers(rng: random.Random) -> dict[str, Callable[[], str]]:
    """Per instance type, a cheap weighted draw of a tool name (bisect on cumulative weights)."""
    pickers = {}
    for kind, table in TOOLS.items():
        names = [name for name, _ in table]
        cumulative = list(itertools.accumulate(weight for _, weight in table))
        total = cumulative[-1]

        def pick(names: list[str] = names, cum: list[float] = cumulative, total: float = total):
            return names[bisect.bisect_right(cum, rng.random() * total)]

        pickers[kind] = pick
    return pickers


class _Metadata:
    """Tool metadata as JSON text, as the spec's MCP server sends it (`metadata?: string`).

    Durations come from a precomputed lognormal table: drawing one per event cost more than the
    rest of the event together.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.durations = [int(rng.lognormvariate(5.5, 1.2)) for _ in range(4096)]

    def __call__(self, tool: str, ok: bool) -> str | None:
        rng = self.rng
        bits = rng.getrandbits(20)
        if bits & 0xFF < 31:  # about 12 % of events carry no metadata
            return None
        duration = self.durations[bits >> 8]
        if tool == "run_tests":
            failed = 0 if ok else 1 + bits % 11
            return f'{{"duration_ms":{duration * 40},"passed":{40 + bits % 360},"failed":{failed}}}'
        if tool == "commit_changes":
            return f'{{"duration_ms":{duration},"files":{1 + bits % 14},"lines":{bits % 400}}}'
        if tool == "report_progress":
            return f'{{"duration_ms":{duration},"step":{1 + bits % 30},"of":30}}'
        return f'{{"duration_ms":{duration}}}'


def _event_batches(
    rng: random.Random,
    planned: list[_Instance],
    regular: tuple[list[int], list[int]],
    status_events: list[tuple[int, int, str, str]],
) -> Iterator[list[MCPEventRecord]]:
    """All events in time order (ids then follow time, as in a live log), BATCH at a time.

    The sort key packs (timestamp, is-status-event, index) into one int: sorting a million ints
    is several times faster than sorting a million tuples.
    """
    stamps, owners = regular
    bits = max(len(stamps), len(status_events), 1).bit_length()
    shift, mask, flag = bits + 1, (1 << bits) - 1, 1 << bits
    keys = [(ts << shift) | i for i, ts in enumerate(stamps)]
    keys += [(event[0] << shift) | flag | j for j, event in enumerate(status_events)]
    keys.sort()

    pick_tool = _tool_pickers(rng)
    metadata = _Metadata(rng)
    random_ = rng.random
    ids = [inst.id for inst in planned]
    types = [inst.type for inst in planned]
    datetimes: dict[int, datetime] = {}
    batch: list[MCPEventRecord] = []
    for key in keys:
        ts, index = key >> shift, key & mask
        when = datetimes.get(ts)
        if when is None:
            when = datetimes[ts] = _dt(ts)
        if key & flag:
            _ts, owner, before, after = status_events[index]
            record = MCPEventRecord(
                instance_id=ids[owner],
                tool_name=STATUS_TOOL,
                success=True,
                metadata=f'{{"from":"{before}","to":"{after}"}}',
                status_change=after,
                is_status_updating=True,
                timestamp=when,
            )
        else:
            owner = owners[index]
            tool = pick_tool[types[owner]]()
            ok = random_() >= FAILURE_RATE.get(tool, DEFAULT_FAILURE_RATE)
            error = commit = None
            if not ok:
                template = rng.choice(ERRORS.get(tool, ERRORS[""]))
                error = template.format(
                    n=rng.randrange(1, 12), m=rng.randrange(50, 400), k=rng.randrange(100, 999)
                )
            elif tool in COMMIT_TOOLS:
                commit = f"{rng.getrandbits(160):040x}"
            record = MCPEventRecord(
                instance_id=ids[owner],
                tool_name=tool,
                success=ok,
                error_message=error,
                metadata=metadata(tool, ok),
                git_commit_hash=commit,
                timestamp=when,
            )
        batch.append(record)
        if len(batch) >= BATCH:
            yield batch
            batch = []
            datetimes.clear()
    if batch:
        yield batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="database file to (re)create")
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--relationships", type=int, default=2000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", type=int, default=None, help="epoch seconds (default: now)")
    args = parser.parse_args(argv)
    summary = generate(
        args.out,
        instances=args.instances,
        relationships=args.relationships,
        events=args.events,
        seed=args.seed,
        now=args.now,
    )
    size_mb = summary["size_bytes"] / 1e6
    print(
        f"{summary['path']}: {summary['instances']:,} instances "
        f"({summary['active_instances']:,} active), {summary['relationships']:,} relationships, "
        f"{summary['issues']:,} issues, {summary['events']:,} events "
        f"({summary['failures'] / max(1, summary['events']):.1%} failures)"
    )
    print(
        f"busiest instance {summary['busiest_instance']} with {summary['busiest_events']:,} events"
    )
    print(
        f"took {summary['seconds']:.1f} s (instances {summary['instances_s']:.1f} s, "
        f"relationships {summary['relationships_s']:.1f} s, issues {summary['issues_s']:.1f} s, "
        f"events {summary['events_s']:.1f} s); file size {size_mb:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
