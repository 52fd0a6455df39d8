"""Keep a demo database alive: tool calls at a human pace, status moves, new agents now and then.

    python -m demo.simulator --db PATH [--rate 3] [--seed N] [--duration S]
                             [--tmux-prefix codex-demo-<pid>-] [--tmux-socket NAME]

It writes only through the store. It stops cleanly on SIGTERM/SIGINT, after --duration, and when the
process that started it dies (a demo never leaves an orphan writer). Store errors are logged in one
line and retried with backoff, never a traceback loop.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agents import kill_agent, tmux
from agents.process import ProcessIdentity
from store import (
    Database,
    DatabaseConfig,
    DatabaseError,
    InstanceFilter,
    InstanceRecord,
    RelationshipRecord,
)
from store.transitions import TERMINAL_STATUSES, allowed_next

from .seed import ISSUES, REPO_NAME, REPO_OWNER, SEED_SESSION_PREFIX, WORKTREE_ROOT
from .vocab import pick_tool, tool_event

log = logging.getLogger("codex_dash.demo.simulator")

ACTIVE = ["started", "waiting_review", "pr_created"]
# How likely each next status is when one is allowed (the story of a normal day).
STATUS_WEIGHTS: dict[str, dict[str, int]] = {
    "coding": {"waiting_review": 6, "pr_created": 2, "started": 4, "pr_merged": 4,
               "pr_closed": 1, "terminated": 1},
    "review": {"terminated": 6, "waiting_review": 1, "started": 1},
    "planning": {"waiting_review": 2, "started": 2, "pr_created": 1, "terminated": 1},
}  # fmt: skip
MAX_INSTANCES = 40
MIN_ACTIVE = 4


@dataclass
class Simulator:
    """One step at a time, so tests can drive it without a process or a clock."""

    db: Database
    rate: float = 3.0
    rng: random.Random = field(default_factory=random.Random)
    tmux_prefix: str | None = None
    tmux_socket: str | None = None
    owner_pid: int | None = None
    max_agents: int = 8
    clock: Callable[[], float] = time.monotonic
    _active: list[InstanceRecord] = field(default_factory=list)
    _refreshed: float = -1e9
    _burst: int = 0
    _next_status: float = 0.0
    _next_spawn: float = 0.0
    _touched: dict[str, float] = field(default_factory=dict)
    events_written: int = 0
    # A newcomer should see a notification soon: this many seconds in, one working coding agent
    # (a live one when there is) asks for review. None: leave it to chance.
    first_wait_after: float | None = 25.0
    _first_wait: float | None = None

    def __post_init__(self) -> None:
        now = self.clock()
        self._next_status = now + self.rng.uniform(6, 15)
        self._next_spawn = now + self.rng.uniform(20, 45)
        if self.first_wait_after is not None:
            self._first_wait = now + self.first_wait_after

    # --- the loop's unit of work ----------------------------------------------------------------

    def step(self) -> float:
        """Do one thing; return the seconds to wait before the next step."""
        now = self.clock()
        if now - self._refreshed > 2.0:
            self._refresh()
            self._refreshed = now
        if self._first_wait is not None and now >= self._first_wait:
            self._first_wait = None
            if self._ask_for_review():
                return self._gap()
        if now >= self._next_spawn or (len(self._active) < MIN_ACTIVE and now >= self._next_status):
            self._next_spawn = now + self.rng.uniform(40, 90)
            self._spawn_coding()
        elif now >= self._next_status:
            self._next_status = now + self.rng.uniform(12, 30)
            self._move_status()
        else:
            self._tool_call()
        return self._gap()

    def _gap(self) -> float:
        """Bursty pacing averaging about `rate` events a second."""
        if self._burst > 0:
            self._burst -= 1
            return self.rng.uniform(0.05, 0.2)
        if self.rng.random() < 0.2:
            self._burst = self.rng.randint(3, 7)
        return min(self.rng.expovariate(max(self.rate, 0.01) * 0.55), 4.0)

    def _refresh(self) -> None:
        self._active = self.db.list_instances(
            InstanceFilter(statuses=ACTIVE, order_by="created_at", order_direction="ASC")
        )

    # --- actions --------------------------------------------------------------------------------

    def _tool_call(self) -> None:
        if not self._active:
            return
        weights = [3 if i.status == "started" else 1 for i in self._active]
        instance = self.rng.choices(self._active, weights=weights)[0]
        tool = pick_tool(self.rng, instance.type)
        self._log(instance, tool)

    def _log(self, instance: InstanceRecord, tool: str, *, fail: bool | None = None) -> None:
        event = tool_event(
            self.rng,
            instance.id,
            tool,
            fail=fail,
            pr_number=instance.pr_number,
            issue_number=instance.issue_number,
        )
        self.db.log_mcp_event(event)
        self.events_written += 1
        now = self.clock()
        if now - self._touched.get(instance.id, -1e9) > 5.0:
            self._touched[instance.id] = now
            self.db.update_instance(instance.id, {"last_activity": self.db.clock()})

    def _ask_for_review(self) -> bool:
        """One working coding agent asks for review (a live one first): the demo's first
        notification, within its first minute."""
        working = [i for i in self._active if i.status == "started" and i.type == "coding"]
        live = [
            i for i in working if self.tmux_prefix and i.tmux_session.startswith(self.tmux_prefix)
        ]
        for instance in live + working:
            current = self.db.get_instance(instance.id)
            if current is not None and "waiting_review" in allowed_next(current.status):
                self._move(current, "waiting_review")
                return True
        return False

    def _move_status(self) -> None:
        if not self._active:
            return
        instance = self.rng.choice(self._active)
        current = self.db.get_instance(instance.id)
        if current is None:
            return
        options = allowed_next(current.status)
        if not options:
            return
        weights = STATUS_WEIGHTS.get(current.type, STATUS_WEIGHTS["coding"])
        new = self.rng.choices(options, weights=[weights.get(o, 1) for o in options])[0]
        self._move(current, new)

    def _move(self, current: InstanceRecord, new: str) -> None:
        if current.type == "coding" and new == "waiting_review":
            self._log(current, "git_commit", fail=False)
            self._log(current, "request_review", fail=False)
        elif new == "pr_created":
            if current.pr_number is None:
                number = self.rng.randint(250, 999)
                url = f"https://github.com/{REPO_OWNER}/{REPO_NAME}/pull/{number}"
                self.db.update_instance(current.id, {"pr_number": number, "pr_url": url})
                current.pr_number = number
            self._log(current, "create_pull_request", fail=False)
        elif current.type == "review" and new == "terminated":
            self._log(current, "submit_review", fail=False)
        self.db.update_instance_status(current.id, new)
        log.info("%s: %s -> %s", current.id, current.status, new)
        if current.type == "coding" and new == "waiting_review":
            self._spawn_review(current)
        if new in TERMINAL_STATUSES:
            self._retire_agent(current)
        self._refreshed = -1e9

    def _spawn_coding(self) -> None:
        if len(self.db.list_instances(InstanceFilter(limit=MAX_INSTANCES + 1))) > MAX_INSTANCES:
            return
        issue = self.rng.choice(ISSUES)[0]
        number = 1
        while self.db.get_instance(f"work-{issue}-a{number}") is not None:
            number += 1
        instance_id = f"work-{issue}-a{number}"
        record = self._new_instance(instance_id, "coding", issue, f"work-{issue}", parent=None)
        self._log(record, "get_issue", fail=False)
        log.info("new coding instance %s", instance_id)
        self._refreshed = -1e9

    def _spawn_review(self, parent: InstanceRecord) -> None:
        reviews = [
            r
            for r in self.db.get_relationships(parent.id)
            if r.parent_instance == parent.id and r.relationship_type == "spawned_review"
        ]
        iteration = len(reviews) + 1
        instance_id = f"review-{parent.id.removeprefix('work-')}-r{iteration}"
        if self.db.get_instance(instance_id) is not None:
            return
        record = self._new_instance(
            instance_id, "review", parent.issue_number, parent.branch_name, parent=parent.id
        )
        self.db.create_relationship(
            RelationshipRecord(
                parent_instance=parent.id,
                child_instance=record.id,
                relationship_type="spawned_review",
                review_iteration=iteration,
                metadata={"issue_number": parent.issue_number},
            )
        )
        self._log(record, "get_diff", fail=False)
        log.info("review %s spawned for %s (iteration %d)", instance_id, parent.id, iteration)

    def _new_instance(
        self, instance_id: str, kind: str, issue: int | None, branch: str, parent: str | None
    ) -> InstanceRecord:
        record = InstanceRecord(
            id=instance_id,
            type=kind,  # type: ignore[arg-type]
            status="started",
            worktree_path=f"{WORKTREE_ROOT}/{instance_id}",
            branch_name=branch,
            base_branch="main",
            tmux_session=SEED_SESSION_PREFIX + tmux.safe_session_name(instance_id),
            issue_number=issue,
            parent_instance_id=parent,
            system_prompt=f"You are a {kind} agent working on issue #{issue}.",
        )
        self.db.create_instance(record)
        agent = self._start_agent(record)
        if agent is not None:
            record.claude_pid, record.tmux_session = agent
            self.db.update_instance(instance_id, {"claude_pid": agent[0], "tmux_session": agent[1]})
        return record

    def _start_agent(self, record: InstanceRecord) -> tuple[int, str] | None:
        if self.tmux_prefix is None or not tmux.tmux_available():
            return None
        from .agents import demo_sessions, start_agent  # only when live agents are wanted

        try:
            if len(demo_sessions(self.tmux_prefix, socket=self.tmux_socket)) >= self.max_agents:
                return None
            agent = start_agent(
                record.id,
                prefix=self.tmux_prefix,
                instance_type=record.type,
                socket=self.tmux_socket,
                owner_pid=self.owner_pid,
                db_path=self.db.path,
            )
        except (tmux.TmuxError, ValueError) as exc:
            log.warning("no live agent for %s: %s", record.id, exc)
            return None
        return agent.pid, agent.session

    def _retire_agent(self, instance: InstanceRecord) -> None:
        """A finished agent's process ends, as a real one would (only this run's sessions)."""
        session = instance.tmux_session
        if self.tmux_prefix is None or not session.startswith(self.tmux_prefix):
            return
        report = kill_agent(
            instance.claude_pid,
            session,
            created_at=instance.created_at,
            socket=self.tmux_socket,
            grace=1.0,
        )
        log.info("%s: %s", instance.id, report.message)


def run(
    sim: Simulator,
    stop: threading.Event,
    *,
    duration: float | None = None,
    parent_pid: int | None = None,
    owner: ProcessIdentity | None = None,
) -> int:
    """Step until stopped, out of time, or orphaned; store errors back off and continue.

    Orphaned means our parent changed (`os.getppid()`), or the `owner` process (the demo that
    launched us, which may not be our direct parent) has exited.
    """
    deadline = None if duration is None else time.monotonic() + duration
    failures = 0
    while not stop.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            log.info("parent %d is gone: stopping", parent_pid)
            break
        if owner is not None and not owner.is_running():
            log.info("owner %d is gone: stopping", owner.pid)
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
        try:
            delay = sim.step()
            failures = 0
        except DatabaseError as exc:
            failures += 1
            delay = min(0.25 * 2**failures, 5.0)
            if failures <= 3 or failures % 20 == 0:
                log.warning(
                    "store error (%d in a row), retrying in %.1fs: %s", failures, delay, exc
                )
        except Exception as exc:  # keep the demo alive; one line, no traceback loop
            failures += 1
            delay = min(0.25 * 2**failures, 5.0)
            if failures <= 3 or failures % 20 == 0:
                log.error("unexpected %s (%d in a row): %s", type(exc).__name__, failures, exc)
        stop.wait(min(delay, 1.0))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.simulator", description=__doc__)
    parser.add_argument("--db", required=True, help="an existing claude-codex.db (demo.seed)")
    parser.add_argument("--rate", type=float, default=3.0, help="tool calls a second, on average")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    parser.add_argument("--tmux-prefix", default=None, help="start live agents with this prefix")
    parser.add_argument("--tmux-socket", default=None, help="tmux -L socket for live agents")
    parser.add_argument(
        "--owner",
        type=int,
        default=None,
        help="the demo's pid: stop (and agents stop) when it exits",
    )
    parser.add_argument("--max-agents", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s simulator %(levelname)s %(message)s"
    )
    if not os.path.isfile(args.db):
        log.error("%s does not exist: build it first (demo.seed.build_demo_database)", args.db)
        return 2

    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    owner = ProcessIdentity.of(args.owner) if args.owner else None
    if args.owner and (owner is None or parent == 1):
        log.info("owner %d is already gone: not starting", args.owner)
        return 0
    db = Database(DatabaseConfig(local_file=args.db))
    try:
        db.connect()
    except DatabaseError as exc:
        log.error("cannot open %s: %s", args.db, exc)
        return 2
    sim = Simulator(
        db,
        rate=args.rate,
        rng=random.Random(args.seed),
        tmux_prefix=args.tmux_prefix,
        tmux_socket=args.tmux_socket,
        owner_pid=args.owner or parent,
        max_agents=args.max_agents,
    )
    log.info("writing to %s at about %.1f events/s", args.db, args.rate)
    try:
        return run(sim, stop, duration=args.duration, parent_pid=parent, owner=owner)
    finally:
        db.disconnect()
        log.info("stopped after %d events", sim.events_written)


if __name__ == "__main__":
    sys.exit(main())
