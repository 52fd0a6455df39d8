"""Process identity: a pid alone is not an identity (pids are recycled); pid plus start time is.

`ProcessIdentity` is captured once and re-checked right before any signal, so a process that
exited and whose pid was handed to someone else is never mistaken for the one we looked at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import psutil

# A recycled pid starts later than the instance was recorded; this much clock slack is allowed
# between the agent's start and the instance row's created_at (which is whole seconds).
START_TOLERANCE = 5.0


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    """A specific process: its pid and its start time (seconds since the epoch, from psutil)."""

    pid: int
    create_time: float

    @classmethod
    def of(cls, pid: int) -> ProcessIdentity | None:
        """The identity of the live process with this pid, or None (gone, zombie, or no access)."""
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            return cls(pid, proc.create_time())
        except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
            return None

    def is_running(self) -> bool:
        """True only if the same process (same start time) is still alive and not a zombie."""
        current = ProcessIdentity.of(self.pid)
        return current is not None and abs(current.create_time - self.create_time) < 0.01

    def process(self) -> psutil.Process | None:
        """A psutil handle, only while this exact process is alive."""
        if not self.is_running():
            return None
        try:
            return psutil.Process(self.pid)
        except psutil.Error:
            return None

    @property
    def started(self) -> datetime:
        return datetime.fromtimestamp(self.create_time, UTC)


def is_alive(pid: int) -> bool:
    return ProcessIdentity.of(pid) is not None


def describe(pid: int) -> str:
    """One line about a pid for notifications: command and start time, or why it is unknown."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            name = proc.name()
            try:
                cmdline = " ".join(proc.cmdline()) or name
            except psutil.AccessDenied:
                cmdline = name
            started = datetime.fromtimestamp(proc.create_time()).strftime("%Y-%m-%d %H:%M:%S")
            status = proc.status()
    except psutil.NoSuchProcess:
        return f"pid {pid}: no such process"
    except psutil.AccessDenied:
        return f"pid {pid}: exists, but this user may not inspect it"
    except ValueError:
        return f"pid {pid}: not a valid pid"
    if len(cmdline) > 80:
        cmdline = cmdline[:77] + "..."
    suffix = " (zombie: exited, not yet reaped)" if status == psutil.STATUS_ZOMBIE else ""
    return f"pid {pid} ({cmdline}), started {started}{suffix}"


def protection_reason(pid: int) -> str | None:
    """Why this pid must never be signalled by us, or None if it may be considered.

    Covers pid 0/1 and negatives (which signal groups or everything), this process, every ancestor
    up to init (our parent, shell, terminal, session leader), and anything in our process group or
    our session leader's process.
    """
    if isinstance(pid, bool) or not isinstance(pid, int):
        return f"{pid!r} is not a pid"
    if pid <= 0:
        return f"pid {pid} would signal a whole process group or every process"
    if pid == 1:
        return "pid 1 is init"
    own = os.getpid()
    if pid == own:
        return f"pid {pid} is this dashboard itself"
    if pid == os.getppid():
        return f"pid {pid} is this dashboard's parent"
    try:
        ancestors = {p.pid for p in psutil.Process(own).parents()}
    except psutil.Error:
        ancestors = set()
    if pid in ancestors:
        return f"pid {pid} is an ancestor of this dashboard (its shell or terminal)"
    try:
        if pid == os.getsid(0):
            return f"pid {pid} leads this dashboard's login session"
    except OSError:
        pass
    if pid == os.getpgrp():  # even after the leader exited: its id is our group's id
        return f"pid {pid} leads this dashboard's own process group"
    try:
        if os.getpgid(pid) == os.getpgrp():
            return f"pid {pid} is in this dashboard's own process group"
    except ProcessLookupError:
        return None  # gone: nothing to protect, the caller reports it as gone
    except OSError:
        pass
    return None


def is_descendant(pid: int, ancestor: int) -> bool:
    """Whether `pid` is `ancestor` or one of its (transitive) children."""
    if pid == ancestor:
        return True
    try:
        return any(parent.pid == ancestor for parent in psutil.Process(pid).parents())
    except psutil.Error:
        return False


def started_by(identity: ProcessIdentity, created_at: datetime, tolerance: float) -> bool:
    """Whether the process started no later than `created_at` + tolerance (naive = UTC)."""
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return identity.create_time <= created_at.timestamp() + tolerance


def belongs_to_agent(
    pid: int,
    *,
    pane_pids: list[int] | None,
    created_at: datetime | None,
    tolerance: float = START_TOLERANCE,
) -> tuple[bool, str]:
    """Whether `pid` is still the agent's process, with the reason either way.

    With a live tmux session (`pane_pids` given), the pid must be a pane process or below one.
    Without one, it must have started no later than the instance's `created_at` (plus tolerance):
    a pid recycled for a newer process starts later.
    """
    identity = ProcessIdentity.of(pid)
    if identity is None:
        return False, f"pid {pid} is not running"
    if pane_pids is not None:
        for pane in pane_pids:
            if is_descendant(pid, pane):
                return True, f"pid {pid} runs in the agent's tmux pane (pane pid {pane})"
        panes = ", ".join(map(str, pane_pids)) or "none"
        return False, (
            f"pid {pid} is not in the agent's tmux session (pane pids: {panes}); "
            f"it is {describe(pid)}"
        )
    if created_at is None:
        return False, (
            f"the agent's tmux session is gone and its start time is unknown, so pid {pid} "
            f"({describe(pid)}) cannot be shown to still be the agent"
        )
    if not started_by(identity, created_at, tolerance):
        return False, (
            f"pid {pid} started at {identity.started:%Y-%m-%d %H:%M:%S} UTC, after the agent was "
            f"created ({created_at:%Y-%m-%d %H:%M:%S}): the pid was reused by another process"
        )
    return True, f"pid {pid} started before the agent was recorded"
