"""Kill an agent: its process tree and its tmux session, and never anything else.

The dashboard's `K` must never signal the wrong process, so `kill_agent` proves, right before every
signal, that the pid is still the agent (see `agents.process.belongs_to_agent`) and has not been
recycled (`ProcessIdentity`), and refuses otherwise. Expected situations (already gone, refused,
tmux missing) come back as a `KillReport`, never as an exception.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import psutil

from . import tmux
from .process import (
    START_TOLERANCE,
    ProcessIdentity,
    belongs_to_agent,
    describe,
    protection_reason,
)

ProcessOutcome = Literal["terminated", "killed", "already_gone", "refused", "survived", "none"]
SessionOutcome = Literal["killed", "not_found", "tmux_missing", "kept", "error", "none"]


@dataclass(slots=True)
class KillReport:
    """What kill_agent did, in words fit for a notification (`message`)."""

    pid: int | None
    tmux_session: str | None
    process: ProcessOutcome = "none"
    session: SessionOutcome = "none"
    reason: str = ""
    signalled: list[int] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing of the agent is left running as far as we can tell."""
        if self.process in ("refused", "survived") or self.session == "error":
            return False
        if self.process == "none":
            return self.session in ("killed", "not_found")
        return True

    @property
    def message(self) -> str:
        parts: list[str] = []
        pid = self.pid
        if self.process == "terminated":
            parts.append(f"Agent process {pid} terminated")
        elif self.process == "killed":
            parts.append(f"Agent process {pid} ignored SIGTERM and was killed (SIGKILL)")
        elif self.process == "already_gone":
            parts.append(f"Agent process {pid} was already gone")
        elif self.process == "refused":
            parts.append(f"Refused to signal pid {pid}: {self.reason}")
        elif self.process == "survived":
            parts.append(f"Agent process {pid} is still running: {self.reason}")
        else:
            parts.append("No agent pid recorded")
        name = self.tmux_session
        if self.session == "killed":
            parts.append(f"tmux session {name} killed")
        elif self.session == "not_found":
            parts.append(f"tmux session {name} not found")
        elif self.session == "tmux_missing":
            parts.append(f"tmux session {name} not checked: tmux is not installed")
        elif self.session == "kept":
            parts.append(f"tmux session {name} left alone")
        elif self.session == "error":
            parts.append(f"tmux session {name}: {self.details[-1] if self.details else 'error'}")
        return "; ".join(parts) + "."

    def __str__(self) -> str:
        return self.message


def kill_agent(
    pid: int | None,
    tmux_session: str | None,
    *,
    created_at: datetime | None,
    socket: str | None = None,
    grace: float = 3.0,
    start_tolerance: float = START_TOLERANCE,
) -> KillReport:
    """Stop an agent: SIGTERM its process tree, SIGKILL what outlives `grace`, kill its session.

    Refuses (signals nothing, leaves the session) when the pid is protected or cannot be shown to
    still be the agent. Never raises for expected situations.
    """
    report = KillReport(pid=pid, tmux_session=tmux_session)

    # 1. What tmux says about the session; None = unknown (no session recorded or no tmux).
    panes: list[int] | None = None
    session_alive = False
    if tmux_session:
        try:
            tmux.validate_session_name(tmux_session)
            session_alive = tmux.session_exists(tmux_session, socket=socket)
            if session_alive:
                panes = tmux.pane_pids(tmux_session, socket=socket)
        except tmux.TmuxNotAvailable:
            report.session = "tmux_missing"
        except tmux.TmuxError as exc:
            report.session = "error"
            report.details.append(str(exc))

    # 2. The process: refuse what we must never touch, then prove it is the agent.
    if pid is not None:
        reason = protection_reason(pid)
        if reason is not None:
            report.process, report.reason = "refused", reason
            if report.session == "none" or session_alive:
                report.session = "kept"
            return report
        identity = ProcessIdentity.of(pid)
        if identity is None:
            report.process = "already_gone"
        else:
            if report.session == "error":
                report.process = "refused"
                report.reason = "tmux could not be asked whether the pid is in the agent's session"
                return report
            belongs, why = belongs_to_agent(
                pid,
                pane_pids=panes if session_alive else None,
                created_at=created_at,
                tolerance=start_tolerance,
            )
            report.details.append(why)
            if not belongs:
                report.process, report.reason = "refused", why
                if session_alive:
                    report.session = "kept"
                return report
            _stop_tree(identity, grace, report)

    # 3. The session, once its process is dealt with.
    if tmux_session and report.session not in ("tmux_missing", "error"):
        try:
            report.session = (
                "killed" if tmux.kill_session(tmux_session, socket=socket) else "not_found"
            )
        except tmux.TmuxNotAvailable:
            report.session = "tmux_missing"
        except tmux.TmuxError as exc:
            report.session = "error"
            report.details.append(str(exc))
    return report


def _tree(identity: ProcessIdentity) -> list[ProcessIdentity]:
    """The agent and its descendants as identities, children first, minus protected pids."""
    proc = identity.process()
    if proc is None:
        return []
    try:
        children = proc.children(recursive=True)
    except psutil.Error:
        children = []
    found: list[ProcessIdentity] = []
    for child in reversed(children):
        child_identity = ProcessIdentity.of(child.pid)
        if child_identity is not None and protection_reason(child.pid) is None:
            found.append(child_identity)
    found.append(identity)
    return found


def _signal(identity: ProcessIdentity, sig: signal.Signals, report: KillReport) -> bool:
    """Send `sig` only if this exact process is still alive (create_time checked just before)."""
    proc = identity.process()
    if proc is None:
        return False
    try:
        proc.send_signal(sig)  # psutil re-checks the pid's start time once more itself
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        report.details.append(f"not allowed to signal {describe(identity.pid)}")
        return False
    if identity.pid not in report.signalled:
        report.signalled.append(identity.pid)
    return True


def _wait_gone(identities: list[ProcessIdentity], timeout: float) -> list[ProcessIdentity]:
    """Poll until every process has exited (zombies count as exited); return the survivors."""
    deadline = time.monotonic() + timeout
    alive = [i for i in identities if i.is_running()]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [i for i in alive if i.is_running()]
    return alive


def _stop_tree(identity: ProcessIdentity, grace: float, report: KillReport) -> None:
    targets = _tree(identity)
    if not targets:
        report.process = "already_gone"
        return
    for target in targets:
        _signal(target, signal.SIGTERM, report)
    remaining = _wait_gone(targets, max(grace, 0.0))
    if not remaining:
        report.process = "terminated" if report.signalled else "already_gone"
        return
    agent_needed_kill = any(r.pid == identity.pid for r in remaining)
    for target in remaining:
        _signal(target, signal.SIGKILL, report)
    survivors = _wait_gone(remaining, 2.0)
    if any(s.pid == identity.pid for s in survivors):
        report.process = "survived"
        report.reason = f"still running after SIGKILL ({describe(identity.pid)})"
    elif agent_needed_kill:
        report.process = "killed"
    else:
        report.process = "terminated"
        report.details.append(
            f"{len(remaining)} child process(es) ignored SIGTERM and were killed (SIGKILL)"
        )
