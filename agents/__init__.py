"""Controlling real agent processes and their tmux sessions, without ever signalling the wrong one."""

from .kill import KillReport, kill_agent
from .process import ProcessIdentity, belongs_to_agent, describe, is_alive, protection_reason
from .tmux import (
    InvalidSessionName,
    TmuxError,
    TmuxNotAvailable,
    kill_session,
    list_sessions,
    new_session,
    pane_pids,
    session_exists,
    tmux_available,
)

__all__ = [
    "InvalidSessionName",
    "KillReport",
    "ProcessIdentity",
    "TmuxError",
    "TmuxNotAvailable",
    "belongs_to_agent",
    "describe",
    "is_alive",
    "kill_agent",
    "kill_session",
    "list_sessions",
    "new_session",
    "pane_pids",
    "protection_reason",
    "session_exists",
    "tmux_available",
]
