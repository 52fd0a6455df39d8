"""Follow one agent's terminal through ONE tmux control-mode client, whatever the selection.

The client is `tmux -C attach -f read-only,ignore-size`: read-only so keys can never reach the agent,
ignore-size so following never resizes the agent's window. A new selection is a `switch-client`
on the same client, not a new process. tmux sends `%output` only for the session the client is on,
so 100 agents cost nothing while one is followed, and nothing at all while none prints.

The screen is tmux's own: when the followed pane's output settles (`settle`, or at the latest
`max_delay` after the first unshown byte) one `capture-pane -p -e` is written to the client's stdin
and its reply comes back between `%begin`/`%end` on the same pipe. tmux is the terminal emulator;
the dashboard never runs a process per look and never re-implements VT100 (cursor moves, the
alternate screen, wide characters all come out right). A session that disappears is reported as
`PaneGone`; the client is started again only for the next session followed after that.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from . import tmux
from .control import command_line, parse_notice, parse_output, reply_flags

SETTLE = 0.004  # seconds without output before the screen is captured
MAX_DELAY = 0.020  # a pane that never stops printing is still captured this often
SCROLLBACK_LINES = 2000
# The session's name comes first: a target that does not exist makes display-message fall back to
# the client's current session, whose pane must not be taken for the one asked about.
PANE_FORMAT = "#{session_name} #{pane_id} #{pane_width} #{pane_height}"


@dataclass(frozen=True, slots=True)
class PaneScreen:
    """What the followed pane shows: its lines with their colours as SGR escapes."""

    session: str
    pane: str
    lines: tuple[str, ...]
    width: int
    height: int
    first_output_at: float | None  # monotonic arrival of the oldest %output this screen shows
    captured_at: float


@dataclass(frozen=True, slots=True)
class PaneGone:
    """The followed session is not there (ended, killed, never existed on this server)."""

    session: str
    reason: str


Update = PaneScreen | PaneGone


@dataclass(slots=True)
class _Pending:
    """A command written to the client whose reply has not come yet."""

    kind: str  # "pane", "capture", "switch", "scrollback"
    session: str
    first_output_at: float | None = None
    done: threading.Event | None = None
    reply: list[bytes] = field(default_factory=list)
    error: bool = False
    tag: bytes = b""  # the %begin line's arguments, repeated by its %end


class PaneFollower:
    """Follows the session given to `follow`; `on_update` is called on the follower's thread."""

    def __init__(
        self,
        on_update: Callable[[Update], None],
        *,
        socket: str | None = None,
        settle: float = SETTLE,
        max_delay: float = MAX_DELAY,
        on_output: Callable[[str, bytes, float], None] | None = None,
    ) -> None:
        self.on_update = on_update
        self.on_output = on_output  # raw pane writes with their arrival time (benches, tests)
        self.socket = socket
        self.settle = settle
        self.max_delay = max_delay
        self.clients_started = 0  # tmux processes started: one per follow after a gone session
        self._lock = threading.RLock()
        self._wanted: str | None = None
        self._failed = False  # the wanted session was not found: not tried again until asked
        self._fresh = False  # a capture is wanted although nothing was printed
        self._session: str | None = None  # the session the client was last sent to
        self._pane: str | None = None
        self._size = (0, 0)
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending: deque[_Pending] = deque()
        self._in_block: _Pending | None = None
        self._attached = False
        self._dirty_since: float | None = None
        self._last_output = 0.0
        self._capturing = False
        self._wake_r, self._wake_w = os.pipe()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="pane-follower", daemon=True)
        self._thread.start()

    # --- the caller's side ---------------------------------------------------------------------

    @property
    def session(self) -> str | None:
        """The session followed now (None: nothing selected)."""
        return self._wanted

    def follow(self, session: str | None) -> None:
        """Follow `session` from now on (None: stop, and keep the client for the next one)."""
        if session is not None:
            tmux.validate_session_name(session)
        with self._lock:
            if session == self._wanted and not self._failed:
                return
            self._wanted = session
            self._failed = False
            # Followed again after a pause: the screen shown may be old and a quiet agent
            # prints nothing to bring a capture, so one is taken now.
            self._fresh = session is not None
        self._wake()

    def scrollback(self, lines: int = SCROLLBACK_LINES, timeout: float = 3.0) -> str | None:
        """The followed pane's last `lines` lines of history and screen, with colours; None when
        nothing is followed or the session is gone. Blocks: call it from a worker thread."""
        with self._lock:
            if self._proc is None or self._pane is None or self._session != self._wanted:
                return None
            pending = _Pending("scrollback", self._session or "", done=threading.Event())
            self._send(pending, "capture-pane", "-p", "-e", "-S", f"-{lines}", "-t", self._pane)
        if not pending.done or not pending.done.wait(timeout) or pending.error:
            return None
        return b"\n".join(pending.reply).decode("utf-8", "replace")

    def close(self) -> None:
        """Stop following and end the client process."""
        self._closed = True
        self._wake()
        self._thread.join(timeout=5)
        self._stop_client()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PaneFollower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the follower's thread -----------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _run(self) -> None:
        buffer = b""
        while not self._closed:
            proc = self._proc
            fds = [self._wake_r]
            if proc is not None and proc.stdout is not None:
                fds.append(proc.stdout.fileno())
            try:
                ready, _, _ = select.select(fds, [], [], self._timeout())
            except (OSError, ValueError):
                return
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self._wake_r, 4096)
            if proc is not None and proc.stdout is not None and proc.stdout.fileno() in ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    self._client_ended()
                    buffer = b""
                    continue
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                now = time.monotonic()
                for line in lines:
                    self._line(line, now)
            if not self._closed:
                self._steer()
                self._maybe_capture()

    def _timeout(self) -> float | None:
        if self._dirty_since is None or self._capturing:
            return None
        due = min(self._last_output + self.settle, self._dirty_since + self.max_delay)
        return max(0.0, due - time.monotonic())

    def _steer(self) -> None:
        """Bring the client to the wanted session: start it, or switch it."""
        wanted = self._wanted
        if wanted is None or self._failed:
            return
        if wanted == self._session and self._pane_known():
            if self._fresh and self._pane is not None and not self._capturing:
                self._fresh = False
                self._capture(None)
            return
        self._fresh = False  # a switch asks for the pane, and the pane's reply for a capture
        with self._lock:
            if self._proc is None:
                self._start_client(wanted)  # its pane is asked once it has attached
            elif not self._attached:
                return  # switched once the client is attached (tmux has no client before)
            else:
                self._send(_Pending("switch", wanted), "switch-client", "-t", f"={wanted}")
            self._session = wanted
            self._pane = None
            self._dirty_since = None
            if self._attached:
                self._ask_pane(wanted)

    def _ask_pane(self, session: str) -> None:
        self._send(
            _Pending("pane", session), "display-message", "-p", "-t", f"={session}:", PANE_FORMAT
        )

    def _pane_known(self) -> bool:
        """Whether the pane of the session the client was sent to is known or being asked (or
        will be, once a new client has attached)."""
        return (
            not self._attached
            or self._pane is not None
            or any(p.kind == "pane" for p in self._pending)
        )

    def _start_client(self, session: str) -> None:
        binary = tmux.tmux_binary()
        if binary is None:
            self.on_update(PaneGone(session, "tmux is not installed"))
            return
        command = [binary]
        if self.socket is not None:
            command += ["-L", self.socket]
        command += ["-C", "attach-session", "-f", "read-only,ignore-size", "-t", f"={session}"]
        env = {k: v for k, v in os.environ.items() if k != "TMUX"}  # not a nested user client
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.clients_started += 1
        self._attached = False  # until tmux says which session it is on (%session-changed)
        self._pending.clear()
        self._in_block = None

    def _send(self, pending: _Pending, verb: str, *args: str) -> None:
        with self._lock:
            self._write(pending, verb, *args)

    def _write(self, pending: _Pending, verb: str, *args: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            pending.error = True
            if pending.done:
                pending.done.set()
            return
        line = command_line(verb, *args)
        # Queued before it is written: the reply can come back on the reader thread before the
        # write returns here (scrollback() writes from another thread), and replies are matched
        # to commands in order.
        self._pending.append(pending)
        try:
            proc.stdin.write(line)
            proc.stdin.flush()
        except OSError:
            with contextlib.suppress(ValueError):
                self._pending.remove(pending)
            pending.error = True
            if pending.done:
                pending.done.set()

    def _maybe_capture(self) -> None:
        if self._dirty_since is None or self._capturing or self._pane is None:
            return
        now = time.monotonic()
        due = min(self._last_output + self.settle, self._dirty_since + self.max_delay)
        if now < due:
            return
        self._capture(self._dirty_since)

    def _capture(self, first_output_at: float | None) -> None:
        if self._pane is None or self._session is None:
            return
        self._capturing = True
        self._dirty_since = None
        with self._lock:
            pending = _Pending("capture", self._session, first_output_at=first_output_at)
            self._send(pending, "capture-pane", "-p", "-e", "-t", self._pane)

    def _line(self, line: bytes, now: float) -> None:
        block = self._in_block
        notice = parse_notice(line)
        if block is not None:
            # A reply ends with %end/%error repeating its %begin's time, number and flags: a pane
            # line that merely starts with "%end" cannot end it.
            if notice is not None and notice.kind in ("end", "error") and notice.args == block.tag:
                block.error = notice.kind == "error"
                self._in_block = None
                if block.kind != "attach":
                    self._reply(block)
            else:
                block.reply.append(line)
            return
        if notice is None:
            return
        kind = notice.kind
        if kind == "output":
            pane, data = parse_output(notice.args)
            if self.on_output is not None:
                self.on_output(pane, data, now)
            if pane == self._pane and self._session == self._wanted:
                if self._dirty_since is None:
                    self._dirty_since = now
                self._last_output = now
        elif kind == "begin":
            if reply_flags(notice.args) & 1 and self._pending:
                block = self._pending.popleft()
            else:
                block = _Pending("attach", "")  # the attach's own reply: dropped
            block.tag = notice.args
            self._in_block = block
        elif kind in ("window-pane-changed", "session-window-changed", "layout-change"):
            if self._session is not None and self._session == self._wanted:
                self._send(
                    _Pending("pane", self._session),
                    "display-message",
                    "-p",
                    "-t",
                    f"={self._session}:",
                    PANE_FORMAT,
                )
        elif kind == "session-changed":
            # After our switch-client its reply comes first, then this. A change nobody asked for
            # means tmux moved the client on because its session was destroyed
            # (detach-on-destroy off); with the default the client exits instead.
            name = notice.args.partition(b" ")[2].decode("utf-8", "replace")
            if not self._attached:  # a new client is attached: commands reach it from now on
                self._attached = True
                if self._session is not None and name == self._session:
                    self._ask_pane(name)
                return
            switching = any(p.kind == "switch" for p in self._pending)
            if self._session is not None and name != self._session and not switching:
                self._gone(self._session, "the tmux session has ended")

    def _reply(self, pending: _Pending) -> None:
        kind = pending.kind
        if pending.done is not None:
            pending.done.set()
            return
        if kind == "switch" and pending.error:
            self._gone(pending.session, "no such tmux session on this machine")
        elif kind == "pane":
            if pending.error or not pending.reply:
                if pending.session == self._session:
                    self._gone(pending.session, "no such tmux session on this machine")
                return
            if pending.session != self._session:
                return
            name, pane, width, height = (
                pending.reply[0].decode("utf-8", "replace").split() + [""] * 4
            )[:4]
            if name != pending.session:
                self._gone(pending.session, "no such tmux session on this machine")
                return
            self._pane = pane
            self._size = (_int(width), _int(height))
            if not self._capturing:
                self._capture(None)
            else:
                self._dirty_since = self._dirty_since or time.monotonic()
        elif kind == "capture":
            self._capturing = False
            if pending.error or pending.session != self._session or self._session != self._wanted:
                return
            width, height = self._size
            lines = tuple(line.decode("utf-8", "replace") for line in pending.reply)
            self.on_update(
                PaneScreen(
                    session=pending.session,
                    pane=self._pane or "",
                    lines=lines,
                    width=width,
                    height=height,
                    first_output_at=pending.first_output_at,
                    captured_at=time.monotonic(),
                )
            )

    def _gone(self, session: str, reason: str) -> None:
        if session == self._session:
            self._pane = None
            self._dirty_since = None
        if session == self._wanted and not self._failed:  # said once per follow()
            with self._lock:
                self._failed = True
            self.on_update(PaneGone(session, reason))

    def _client_ended(self) -> None:
        """The client exited: its session ended (tmux detaches a client from a destroyed
        session), or it never attached. Report the followed session gone."""
        session = self._session
        self._stop_client()
        self._session = None
        self._pane = None
        self._capturing = False
        self._dirty_since = None
        for pending in self._pending:
            if pending.done is not None:
                pending.error = True
                pending.done.set()
        self._pending.clear()
        if session is not None and session == self._wanted:
            with self._lock:
                self._failed = True  # not tried again until asked to follow it again
            self.on_update(
                PaneGone(session, "the tmux session has ended or is not on this machine")
            )

    def _stop_client(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()  # a control client detaches when its stdin closes
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=2)
        if proc.stdout is not None:
            proc.stdout.close()


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0
