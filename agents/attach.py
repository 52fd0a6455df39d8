"""Reaching an agent: where its session is, and how the user's terminal gets there.

Inside tmux on the agents' own server, the user's client switches to the agent's session (tmux's
last-session key brings it back). A read-only monitor must never type into an agent: inside tmux it
opens a popup holding a read-only client (`attach -r`), so the user's own client is never made
read-only; outside tmux the dashboard suspends and runs `tmux attach` (with `-r` when read-only)
until the user detaches. Plans are values, so the choice is tested apart from running it.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from . import tmux

Place = Literal["here", "ended", "elsewhere", "none", "no_tmux"]
How = Literal["switch", "popup", "suspend"]


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """Whether an agent's session is on this machine's tmux server, with a sentence saying so."""

    place: Place
    message: str

    @property
    def here(self) -> bool:
        return self.place == "here"


def locate(
    session: str | None, worktree_path: str | None = None, *, socket: str | None = None
) -> Whereabouts:
    """Where the agent's session is: on this machine's server, ended, or on another machine (its
    worktree is not here either), each with a message fit for a notification."""
    if not session:
        return Whereabouts("none", "This agent has no tmux session recorded.")
    try:
        tmux.validate_session_name(session)
        if tmux.session_exists(session, socket=socket):
            return Whereabouts("here", f"tmux session {session} is on this machine.")
    except tmux.TmuxNotAvailable:
        return Whereabouts("no_tmux", "tmux is not installed on this machine.")
    except tmux.TmuxError as exc:
        return Whereabouts("ended", str(exc))
    if worktree_path and not os.path.isdir(worktree_path):
        return Whereabouts(
            "elsewhere",
            f"tmux session {session} is not on this machine (its worktree {worktree_path} "
            "is not here either): attach from the machine running the agent.",
        )
    return Whereabouts("ended", f"tmux session {session} has ended (not on this tmux server).")


@dataclass(frozen=True, slots=True)
class AttachPlan:
    """How to bring the user to `session`: a tmux command to run now (switch, popup) or while the
    dashboard is suspended (suspend), and what to tell the user."""

    how: How
    session: str
    command: tuple[str, ...]
    message: str
    read_only: bool
    env: tuple[tuple[str, str], ...] = ()

    def environment(self) -> dict[str, str]:
        return dict(self.env)


def server_socket_path(socket: str | None) -> str:
    """The socket file of the agents' tmux server (`-L socket`, or tmux's default)."""
    return tmux.socket_path(socket or "default")


def inside_same_server(socket: str | None, environ: Mapping[str, str]) -> bool:
    """Whether this process runs in a pane of the agents' tmux server ($TMUX names its socket)."""
    value = environ.get("TMUX", "")
    if not value:
        return False
    path = value.split(",", 1)[0]
    try:
        return os.path.samefile(path, server_socket_path(socket))
    except OSError:
        return False


def _base(socket: str | None) -> list[str]:
    binary = tmux.tmux_binary() or "tmux"
    return [binary, "-L", socket] if socket else [binary]


def last_session_key(socket: str | None) -> str:
    """The user's prefix key followed by L (tmux's last-session binding), e.g. `C-b L`."""
    try:
        result = tmux._run(["show-options", "-gv", "prefix"], socket=socket)
    except tmux.TmuxError:
        return "prefix L"
    prefix = result.stdout.strip() if result.returncode == 0 else ""
    return f"{prefix or 'prefix'} L"


def plan_attach(
    session: str,
    *,
    read_only: bool,
    socket: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> AttachPlan:
    """The way to attach from here: switch or popup inside tmux, suspend outside."""
    tmux.validate_session_name(session)
    environ = os.environ if environ is None else environ
    target = f"={session}"
    outside_env = tuple((k, v) for k, v in environ.items() if k != "TMUX")
    if inside_same_server(socket, environ):
        if read_only:
            inner = " ".join([*_base(socket), "attach-session", "-r", "-t", target])
            command = [*_base(socket), "display-popup", "-E", "-w", "90%", "-h", "90%"]
            command += ["-T", f" {session} (read-only) ", f"env -u TMUX {inner}"]
            return AttachPlan(
                "popup",
                session,
                tuple(command),
                f"Read-only view of {session} in a popup: you can watch, not type "
                "(detach with your prefix then d to close it).",
                True,
                tuple(environ.items()),
            )
        key = last_session_key(socket)
        return AttachPlan(
            "switch",
            session,
            (*_base(socket), "switch-client", "-t", target),
            f"Switched to {session}; {key} (last session) brings you back here.",
            False,
            tuple(environ.items()),
        )
    command = [*_base(socket), "attach-session", *(["-r"] if read_only else []), "-t", target]
    mode = "read-only (you can watch, not type); " if read_only else ""
    return AttachPlan(
        "suspend",
        session,
        tuple(command),
        f"Attaching to {session} {mode}detach (prefix then d) to come back to codex-dash.",
        read_only,
        outside_env,
    )


POPUP_CHECK_SECONDS = 1.0


def run_now(plan: AttachPlan, timeout: float = 5.0) -> str | None:
    """Run a switch or popup plan; the error in words, or None when it worked. A switch returns
    at once; `display-popup` returns only when the popup closes, so it is left running (reaped
    by a thread) once it has not failed within POPUP_CHECK_SECONDS."""
    try:
        proc = subprocess.Popen(
            plan.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=plan.environment(),
        )
    except OSError as exc:
        return f"could not run tmux: {exc}"
    wait = POPUP_CHECK_SECONDS if plan.how == "popup" else timeout
    try:
        out, err = proc.communicate(timeout=wait)
    except subprocess.TimeoutExpired:
        if plan.how == "popup":
            threading.Thread(target=proc.communicate, daemon=True, name="popup").start()
            return None
        proc.kill()
        proc.communicate()
        return f"tmux did not answer within {timeout:g} s"
    if proc.returncode != 0:
        return (err or out).strip() or f"tmux exited with {proc.returncode}"
    return None


def run_suspended(plan: AttachPlan) -> str | None:
    """Run a suspend plan in the foreground (the caller has suspended its own screen): returns
    when the user detaches; the error in words, or None."""
    try:
        result = subprocess.run(plan.command, env=plan.environment(), check=False)
    except OSError as exc:
        return f"could not run tmux: {exc}"
    if result.returncode != 0:
        return f"tmux attach ended with exit status {result.returncode}"
    return None
