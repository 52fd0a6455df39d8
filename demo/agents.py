"""Live demo agents: real `demo.fake_agent` processes in real tmux sessions.

Each demo run names its sessions with its own prefix (`codex-demo-<pid>-`), so stopping the demo
kills exactly its own sessions and never a user's. The instance rows then point at these
processes (claude_pid, tmux_session), so the dashboard's kill key kills something real.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from agents import tmux
from store import Database, InstanceFilter, InstanceRecord

ACTIVE_STATUSES = ["started", "waiting_review", "pr_created"]
PREFIX_ROOT = "codex-demo-"
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True, slots=True)
class DemoAgent:
    instance_id: str
    session: str
    pid: int


def run_prefix(pid: int | None = None) -> str:
    """The session-name prefix of one demo run."""
    return f"{PREFIX_ROOT}{pid or os.getpid()}-"


def _check_prefix(prefix: str) -> None:
    if not prefix.startswith(PREFIX_ROOT) or len(prefix) <= len(PREFIX_ROOT) + 1:
        raise ValueError(f"{prefix!r} is not a demo run prefix (codex-demo-<id>-)")


def session_name(prefix: str, instance_id: str) -> str:
    return tmux.validate_session_name(prefix + tmux.safe_session_name(instance_id))


def start_agent(
    instance_id: str,
    *,
    prefix: str,
    instance_type: str = "coding",
    socket: str | None = None,
    owner_pid: int | None = None,
    db_path: str | None = None,
) -> DemoAgent:
    """Start one fake agent in its own session; raises tmux.TmuxError when tmux cannot.
    With `db_path` the agent shows its instance's status (waiting for review, finished)."""
    _check_prefix(prefix)
    name = session_name(prefix, instance_id)
    command = [sys.executable, "-m", "demo.fake_agent", instance_id, "--type", instance_type]
    command += ["--owner", str(owner_pid or os.getpid())]
    if db_path:
        command += ["--db", db_path]
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
    }
    pid = tmux.new_session(name, command, env=env, cwd=PROJECT_ROOT, socket=socket)
    return DemoAgent(instance_id=instance_id, session=name, pid=pid)


def attach(db: Database, instance: InstanceRecord, agent: DemoAgent) -> None:
    """Point the instance row at the live agent, keeping its last_activity."""
    updates: dict[str, object] = {"claude_pid": agent.pid, "tmux_session": agent.session}
    if instance.last_activity is not None:
        updates["last_activity"] = instance.last_activity
    db.update_instance(instance.id, updates)


def start_demo_agents(
    db: Database,
    *,
    prefix: str,
    socket: str | None = None,
    limit: int = 6,
    owner_pid: int | None = None,
) -> list[DemoAgent]:
    """Give up to `limit` active instances a live agent; none (and no error) without tmux."""
    if not tmux.tmux_available():
        return []
    active = db.list_instances(InstanceFilter(statuses=ACTIVE_STATUSES, order_by="created_at"))
    started: list[DemoAgent] = []
    for instance in active[:limit]:
        agent = start_agent(
            instance.id,
            prefix=prefix,
            instance_type=instance.type,
            socket=socket,
            owner_pid=owner_pid,
            db_path=db.path,
        )
        started.append(agent)
        attach(db, instance, agent)
    return started


def demo_sessions(prefix: str, *, socket: str | None = None) -> list[str]:
    _check_prefix(prefix)
    try:
        return [s for s in tmux.list_sessions(socket=socket) if s.startswith(prefix)]
    except tmux.TmuxError:
        return []


def stop_demo_agents(prefix: str, *, socket: str | None = None) -> list[str]:
    """Kill every session of this demo run (and so its agents); returns the names killed."""
    killed: list[str] = []
    for name in demo_sessions(prefix, socket=socket):
        try:
            if tmux.kill_session(name, socket=socket):
                killed.append(name)
        except tmux.TmuxError:
            pass
    return killed
