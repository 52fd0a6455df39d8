"""Small typed wrappers over the tmux CLI.

Every call runs `tmux` as a subprocess with a timeout, so a wedged server cannot hang the dashboard,
and every failure becomes a `TmuxError` with a sentence a user can act on. `socket` selects a tmux
server by name (`tmux -L NAME`): tests and demos pass their own, so they never touch a user's
sessions; `None` means tmux's default server.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from collections.abc import Mapping, Sequence

DEFAULT_TIMEOUT = 5.0
# tmux target syntax uses ':' and '.' as separators; a leading '=' asks for an exact match.
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_@%+,-][A-Za-z0-9_@%+,=-]*$")
# "server exited unexpectedly" and "no current target": the client reached a server that was shutting
# down because its last session ended (seen in CI); the session asked about is gone either way.
_MISSING_MARKERS = (
    "can't find session",
    "no server running",
    "error connecting to",
    "no sessions",
    "server exited unexpectedly",
    "no current target",
)


class TmuxError(Exception):
    """A tmux operation failed; the message says what and why, for a notification."""


class TmuxNotAvailable(TmuxError):
    """The tmux binary is not on PATH."""


class InvalidSessionName(TmuxError, ValueError):
    """A session name tmux would misread as a target (':' or '.') or that is empty."""


def tmux_binary() -> str | None:
    """Absolute path of tmux on PATH, or None."""
    return shutil.which("tmux")


def tmux_available() -> bool:
    return tmux_binary() is not None


def validate_session_name(name: str) -> str:
    """Return `name` unchanged when tmux will take it literally as a session name."""
    if not isinstance(name, str) or not name:
        raise InvalidSessionName("a tmux session name must be a non-empty string")
    if len(name) > 200 or not _NAME_PATTERN.match(name):
        raise InvalidSessionName(
            f"{name!r} is not a usable tmux session name "
            "(letters, digits and _ - @ % + , only; ':' and '.' are target separators)"
        )
    return name


def safe_session_name(text: str) -> str:
    """Turn arbitrary text (an instance id) into a valid session name."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", text).strip("_") or "session"
    return cleaned[:200]


def _run(
    args: Sequence[str], *, socket: str | None, timeout: float = DEFAULT_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    binary = tmux_binary()
    if binary is None:
        raise TmuxNotAvailable("tmux is not installed (not found on PATH)")
    command = [binary]
    if socket is not None:
        if not socket or "/" in socket:
            raise TmuxError(f"{socket!r} is not a tmux socket name (tmux -L NAME)")
        command += ["-L", socket]
    command += list(args)
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TmuxError(f"tmux {args[0]} did not answer within {timeout:g} s") from exc
    except OSError as exc:
        raise TmuxError(f"could not run tmux: {exc}") from exc


def _is_missing(result: subprocess.CompletedProcess[str]) -> bool:
    """Whether a failure only means "no such session / no server": an answer, not an error."""
    return any(marker in result.stderr for marker in _MISSING_MARKERS)


def _fail(what: str, result: subprocess.CompletedProcess[str]) -> TmuxError:
    detail = result.stderr.strip() or f"exit status {result.returncode}"
    return TmuxError(f"{what}: {detail}")


def session_exists(name: str, *, socket: str | None = None) -> bool:
    validate_session_name(name)
    result = _run(["has-session", "-t", f"={name}"], socket=socket)
    if result.returncode == 0:
        return True
    if _is_missing(result):
        return False
    raise _fail(f"could not check tmux session {name!r}", result)


def list_sessions(*, socket: str | None = None) -> list[str]:
    """Names of all sessions on the server; empty when no server runs."""
    result = _run(["list-sessions", "-F", "#{session_name}"], socket=socket)
    if result.returncode != 0:
        if _is_missing(result):
            return []
        raise _fail("could not list tmux sessions", result)
    return [line for line in result.stdout.splitlines() if line]


def new_session(
    name: str,
    command: Sequence[str] | str,
    *,
    width: int = 120,
    height: int = 40,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    socket: str | None = None,
) -> int:
    """Start a detached session running `command` and return its pane's pid.

    A sequence is executed directly (the pane pid is the program itself); a string goes through
    the shell, so the pane pid is the shell.
    """
    validate_session_name(name)
    args = ["new-session", "-d", "-s", name, "-x", str(width), "-y", str(height)]
    args += ["-P", "-F", "#{pane_pid}"]
    for key, value in (env or {}).items():
        if not key or "=" in key:
            raise TmuxError(f"{key!r} is not an environment variable name")
        args += ["-e", f"{key}={value}"]
    if cwd is not None:
        args += ["-c", cwd]
    args.append("--")
    args += [command] if isinstance(command, str) else list(command)
    result = _run(args, socket=socket)
    if result.returncode != 0:
        if "duplicate session" in result.stderr:
            raise TmuxError(f"a tmux session named {name!r} already exists")
        raise _fail(f"could not start tmux session {name!r}", result)
    try:
        return int(result.stdout.strip().splitlines()[0])
    except (ValueError, IndexError) as exc:
        raise TmuxError(f"tmux did not report a pane pid for {name!r}: {result.stdout!r}") from exc


def pane_pids(name: str, *, socket: str | None = None) -> list[int]:
    """Pids of the processes tmux started in the session's panes (empty if it is gone)."""
    validate_session_name(name)
    result = _run(["list-panes", "-s", "-t", f"={name}", "-F", "#{pane_pid}"], socket=socket)
    if result.returncode != 0:
        if _is_missing(result) or "can't find" in result.stderr:
            return []
        raise _fail(f"could not list panes of {name!r}", result)
    pids: list[int] = []
    for line in result.stdout.split():
        if line.isdigit():
            pids.append(int(line))
    return pids


def kill_session(name: str, *, socket: str | None = None) -> bool:
    """Kill the session; True if it existed, False if it was already gone."""
    validate_session_name(name)
    result = _run(["kill-session", "-t", f"={name}"], socket=socket)
    if result.returncode == 0 or "server exited" in result.stderr:
        return True  # killing the last session ends the server, which the client may see
    if _is_missing(result):
        return False
    raise _fail(f"could not kill tmux session {name!r}", result)


def capture_pane(name: str, *, socket: str | None = None) -> str:
    """The visible text of the session's active pane (for tests and previews)."""
    validate_session_name(name)
    result = _run(["capture-pane", "-p", "-t", f"={name}:"], socket=socket)
    if result.returncode != 0:
        raise _fail(f"could not capture tmux session {name!r}", result)
    return result.stdout


def kill_server(*, socket: str) -> None:
    """Stop a private tmux server (only with an explicit socket: never the user's default)."""
    if not socket:
        raise TmuxError("kill_server needs an explicit private socket name")
    _run(["kill-server"], socket=socket)
    path = socket_path(socket)
    try:
        if stat.S_ISSOCK(os.stat(path).st_mode):
            os.unlink(path)  # tmux leaves the socket file behind; the server is gone
    except OSError:
        pass


def socket_path(socket: str) -> str:
    """Where tmux puts the socket for `-L socket` (TMUX_TMPDIR or /tmp, then tmux-UID)."""
    base = os.environ.get("TMUX_TMPDIR") or "/tmp"
    return os.path.join(base, f"tmux-{os.getuid()}", socket)
