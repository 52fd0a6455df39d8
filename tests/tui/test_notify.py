"""Notifications: terminal sequences, the user's command through a real shell, failures once."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from tui.attention import Need
from tui.notify import (
    Notifier,
    NotifySettings,
    desktop_kind,
    desktop_sequence,
    tmux_passthrough,
)

NEED = Need("inst-7", "waiting_review", datetime.now(UTC), "waiting_review")


def plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "TERM_PROGRAM")}


def test_sequences() -> None:
    assert desktop_sequence("osc777", "codex-dash", "a;b") == "\x1b]777;notify;codex-dash;a,b\x1b\\"
    assert desktop_sequence("osc9", "t", "x\x07y") == "\x1b]9;t: x y\x1b\\"
    assert desktop_sequence("off", "t", "x") == ""
    wrapped = tmux_passthrough("\x1b]9;hi\x1b\\")
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;hi\x1b\x1b\\\x1b\\"
    assert desktop_kind({"TERM_PROGRAM": "iTerm.app"}) == "osc9"
    assert desktop_kind({"WT_SESSION": "x"}) == "osc9"
    assert desktop_kind({}) == "osc777"


def test_bell_desktop_toast_and_silence() -> None:
    written: list[str] = []
    toasts: list[str] = []
    notifier = Notifier(
        NotifySettings(), write=written.append, toast=toasts.append, environ=plain_env()
    )
    assert notifier.notify(NEED, "inst-7 is waiting for review")
    assert toasts == ["inst-7 is waiting for review"]
    assert written == ["\a\x1b]777;notify;codex-dash;inst-7 is waiting for review\x1b\\"]
    assert notifier.toggle() is False  # the silence key
    assert not notifier.notify(NEED, "again")
    assert len(written) == 1 and len(toasts) == 1
    assert notifier.toggle() is True
    off = Notifier(NotifySettings(enabled=False), write=written.append, environ=plain_env())
    assert not off.notify(NEED, "x") and len(written) == 1


def test_inside_tmux_the_desktop_notification_is_wrapped_for_passthrough() -> None:
    written: list[str] = []
    env = plain_env() | {"TMUX": "/nonexistent/socket,1,0"}  # no TMUX_PANE: nothing to set
    Notifier(NotifySettings(bell=False), write=written.append, environ=env).notify(NEED, "m")
    assert written == ["\x1bPtmux;\x1b\x1b]777;notify;codex-dash;m\x1b\x1b\\\x1b\\"]


def test_notify_command_gets_the_instance_status_and_reason(tmp_path) -> None:
    out = tmp_path / "out.txt"
    command = f'echo "$CODEX_DASH_INSTANCE $CODEX_DASH_STATUS $CODEX_DASH_REASON" >> {out}'
    notifier = Notifier(NotifySettings(command=command), write=lambda s: None, environ=plain_env())
    notifier.notify(NEED, "m")
    notifier.notify(Need("inst-8", "failed", None, "started"), "m")
    notifier.wait()
    assert sorted(out.read_text().splitlines()) == [
        "inst-7 waiting_review waiting_review",
        "inst-8 started failed",
    ]


def test_a_failing_command_is_reported_once_and_never_raises() -> None:
    reports: list[str] = []
    settings = NotifySettings(command="echo broken >&2; exit 3")
    notifier = Notifier(settings, write=lambda s: None, report=reports.append, environ=plain_env())
    for _ in range(3):
        assert notifier.notify(NEED, "m")
        notifier.wait()
    assert len(reports) == 1
    assert "exit status 3" in reports[0] and "broken" in reports[0]


def test_a_broken_terminal_is_reported_once() -> None:
    reports: list[str] = []

    def broken(text: str) -> None:
        raise OSError("terminal gone")

    notifier = Notifier(NotifySettings(), write=broken, report=reports.append, environ=plain_env())
    assert notifier.notify(NEED, "m") and notifier.notify(NEED, "m")
    assert len(reports) == 1 and "terminal gone" in reports[0]
