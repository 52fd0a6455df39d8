"""PaneFollower against real tmux sessions on a private socket: one control client, no resizes,
no input, gone sessions reported, scrollback on demand."""

from __future__ import annotations

import contextlib
import queue
import re
import time

import pytest
from agentlab import Lab, needs_tmux, python

from agents import tmux
from agents.control import (
    command_line,
    parse_notice,
    parse_output,
    reply_flags,
    unescape_output,
)
from agents.follower import PaneFollower, PaneGone, PaneScreen, Update

PRINTER = (
    "import sys, time\n"
    "for i in range(1, 100000):\n"
    "    print(f'\\033[31mline\\033[0m {i}', flush=True)\n"
    "    time.sleep(0.05)\n"
)
QUIET = "import time\nprint('quiet agent here', flush=True)\ntime.sleep(600)"
ECHO = "import sys\nfor line in sys.stdin: print('typed:', line, end='', flush=True)"


class Updates:
    """Collects the follower's updates (they arrive on its thread)."""

    def __init__(self) -> None:
        self.items: queue.Queue[Update] = queue.Queue()

    def __call__(self, update: Update) -> None:
        self.items.put(update)

    def wait(self, predicate, timeout: float = 10.0) -> Update:
        deadline = time.monotonic() + timeout
        seen: list[Update] = []
        while time.monotonic() < deadline:
            try:
                item = self.items.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(item)
            if predicate(item):
                return item
        raise AssertionError(f"no matching update in {timeout} s; saw {seen[-3:]!r}")


def plain(line: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", line)


def screen_of(session: str, text: str):
    return lambda u: (
        isinstance(u, PaneScreen)
        and u.session == session
        and any(text in plain(x) for x in u.lines)
    )


def test_protocol_helpers() -> None:
    assert unescape_output(rb"\033[31mred\033[0m\015\012") == b"\x1b[31mred\x1b[0m\r\n"
    assert unescape_output(rb"a\134b") == b"a\\b"
    assert parse_output(rb"%3 hi\015\012") == ("%3", b"hi\r\n")
    notice = parse_notice(b"%session-changed $1 two")
    assert notice is not None and notice.kind == "session-changed"
    assert parse_notice(b"plain reply text") is None
    assert reply_flags(b"1796521438 272 1") == 1 and reply_flags(b"1 2 0") == 0
    assert command_line("capture-pane", "-t", "%1") == b"capture-pane '-t' '%1'\n"
    for verb in ("send-keys", "resize-window", "kill-session", "paste-buffer"):
        with pytest.raises(ValueError, match="read-only"):
            command_line(verb, "x")


@needs_tmux
def test_follows_output_with_colours_and_switches_without_a_new_process(lab: Lab) -> None:
    one, _ = lab.session(python(PRINTER))
    two, _ = lab.session(python(QUIET))
    updates = Updates()
    with PaneFollower(updates, socket=lab.socket) as follower:
        follower.follow(one)
        first = updates.wait(screen_of(one, "line"))
        assert isinstance(first, PaneScreen) and "\x1b[31m" in "".join(first.lines)
        assert (first.width, first.height) == (80, 20)
        # It keeps following: a later line shows up without asking again.
        number = max(int(x.split()[-1]) for x in map(plain, first.lines) if "line" in x)
        updates.wait(screen_of(one, f"line {number + 3}"))
        follower.follow(two)
        updates.wait(screen_of(two, "quiet agent here"))
        follower.follow(one)
        updates.wait(screen_of(one, "line"))
        assert follower.clients_started == 1
        clients = tmux._run(["list-clients", "-F", "#{client_flags}"], socket=lab.socket)
        flags = clients.stdout.split()
        assert len(flags) == 1 and "read-only" in flags[0] and "ignore-size" in flags[0]


@needs_tmux
def test_following_never_resizes_the_agent_window_nor_types_into_it(lab: Lab) -> None:
    name, _ = lab.session(python(ECHO))

    def size() -> str:
        return tmux._run(
            ["display-message", "-p", "-t", f"={name}:", "#{window_width}x#{window_height}"],
            socket=lab.socket,
        ).stdout.strip()

    before = size()
    updates = Updates()
    with PaneFollower(updates, socket=lab.socket) as follower:
        follower.follow(name)
        updates.wait(lambda u: isinstance(u, PaneScreen))
        assert follower.scrollback() is not None
        time.sleep(0.3)
        assert size() == before == "80x20"
    assert "typed:" not in tmux.capture_pane(name, socket=lab.socket)


@needs_tmux
def test_a_session_that_is_gone_is_reported(lab: Lab) -> None:
    keep, _ = lab.session(python(QUIET))
    doomed, _ = lab.session(python(PRINTER))
    updates = Updates()
    with PaneFollower(updates, socket=lab.socket) as follower:
        follower.follow("never-existed")
        gone = updates.wait(lambda u: isinstance(u, PaneGone))
        assert isinstance(gone, PaneGone) and gone.session == "never-existed"
        follower.follow(doomed)
        updates.wait(screen_of(doomed, "line"))
        tmux.kill_session(doomed, socket=lab.socket)
        gone = updates.wait(lambda u: isinstance(u, PaneGone))
        assert gone.session == doomed
        follower.follow(keep)  # the next selection works again
        updates.wait(screen_of(keep, "quiet agent here"))
        follower.follow("also-missing")  # a failed switch on a live client
        gone = updates.wait(lambda u: isinstance(u, PaneGone))
        assert gone.session == "also-missing"
        time.sleep(0.5)  # nothing more about it: not the old session's screen under its name
        assert updates.items.empty()
        follower.follow(keep)
        updates.wait(screen_of(keep, "quiet agent here"))


@needs_tmux
def test_scrollback_gives_the_history(lab: Lab) -> None:
    code = "import time\nfor i in range(300): print('history', i)\ntime.sleep(600)"
    name, _ = lab.session(python(code))
    updates = Updates()
    with PaneFollower(updates, socket=lab.socket) as follower:
        assert follower.scrollback() is None  # nothing followed
        follower.follow(name)
        updates.wait(screen_of(name, "history 299"))
        history = follower.scrollback(lines=2000)
        assert history is not None
        assert "history 0" in history and "history 299" in history
        assert "history 250" not in tmux.capture_pane(name, socket=lab.socket)


@needs_tmux
def test_idle_follower_sends_nothing_and_starts_nothing(lab: Lab) -> None:
    name, _ = lab.session(python(QUIET))
    updates = Updates()
    writes: list[bytes] = []
    with PaneFollower(updates, socket=lab.socket, on_output=lambda p, d, t: writes.append(d)) as f:
        f.follow(name)
        updates.wait(screen_of(name, "quiet agent here"))
        # The agent's start may still be arriving (its line, a title): let it settle, then
        # nothing more may come while it is quiet.
        while not updates.items.empty() or writes:
            writes.clear()
            with contextlib.suppress(queue.Empty):
                while True:
                    updates.items.get(timeout=0.3)
        seen_writes = len(writes)
        time.sleep(0.5)
        assert updates.items.empty()  # no output: no capture, no update
        assert len(writes) == seen_writes == 0
        f.follow(None)  # the preview hidden, then shown again on the same quiet agent:
        f.follow(name)  # its screen comes again, with nothing printed meanwhile
        updates.wait(screen_of(name, "quiet agent here"))
        assert f.clients_started == 1
