"""Telling the developer an agent needs them: toast, bell, desktop notification, their command.

Every channel is optional and none may break the dashboard: the terminal sequences go through the
`write` the app gives (Textual's own writer, so they never land inside a frame), the user's
`--notify-command` runs in the background through the shell with CODEX_DASH_INSTANCE,
CODEX_DASH_STATUS and CODEX_DASH_REASON set, and a command that fails is reported once.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from .attention import Need

Desktop = Literal["osc777", "osc9", "off"]
ESC = "\x1b"
ST = ESC + "\\"
COMMAND_TIMEOUT = 30.0
TITLE = "codex-dash"


def desktop_kind(environ: Mapping[str, str]) -> Desktop:
    """OSC 9 where the terminal is known to take it (iTerm2, Windows Terminal, ConEmu), else
    OSC 777 (urxvt, foot, Ghostty, WezTerm, VTE...). One of them, never both: a terminal that
    takes both would show two."""
    program = environ.get("TERM_PROGRAM", "")
    if program in ("iTerm.app",) or environ.get("WT_SESSION") or environ.get("ConEmuPID"):
        return "osc9"
    return "osc777"


def _clean(text: str) -> str:
    """No control characters (an ESC or BEL would end the sequence early); no ';' in 777 fields."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def desktop_sequence(kind: Desktop, title: str, body: str) -> str:
    if kind == "off":
        return ""
    if kind == "osc9":
        return f"{ESC}]9;{_clean(title)}: {_clean(body)}{ST}"
    return (
        f"{ESC}]777;notify;{_clean(title).replace(';', ',')};{_clean(body).replace(';', ',')}{ST}"
    )


def tmux_passthrough(sequence: str) -> str:
    """Wrap a sequence so tmux hands it to the outer terminal (DCS passthrough: every ESC doubled;
    tmux 3.3+ passes it only where `allow-passthrough` is on, which `enable_passthrough` sets
    for the dashboard's own pane)."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def enable_passthrough(environ: Mapping[str, str]) -> None:
    """Let the dashboard's own pane pass sequences through (only that pane, nothing else)."""
    pane = environ.get("TMUX_PANE")
    if not pane:
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["tmux", "set-option", "-p", "-t", pane, "allow-passthrough", "on"],
            capture_output=True,
            timeout=2,
            check=False,
            stdin=subprocess.DEVNULL,
        )


@dataclass(slots=True)
class NotifySettings:
    """From the command line: `--no-notify`, `--notify-command CMD`; the desktop kind."""

    enabled: bool = True
    command: str | None = None
    bell: bool = True
    desktop: Desktop | None = None  # None: chosen from the environment


class Notifier:
    """Sends one notification per transition it is handed, on every channel that is on."""

    def __init__(
        self,
        settings: NotifySettings,
        *,
        write: Callable[[str], None],
        toast: Callable[[str], None] | None = None,
        report: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.write = write
        self.toast = toast
        self.report = report or (lambda message: None)
        self.environ = dict(os.environ if environ is None else environ)
        self.silenced = not settings.enabled
        self.sent = 0
        self._failed_once = False
        self._passthrough_ready = False
        self._desktop = settings.desktop or desktop_kind(self.environ)
        self._threads: list[threading.Thread] = []

    def toggle(self) -> bool:
        """The silence key: returns whether notifications are now on."""
        self.silenced = not self.silenced
        return not self.silenced

    def notify(self, need: Need, message: str) -> bool:
        """Notify about one instance that started needing a person; False when silenced."""
        if self.silenced:
            return False
        self.sent += 1
        if self.toast is not None:
            self.toast(message)
        self._terminal(message)
        if self.settings.command:
            self._run_command(need, message)
        return True

    def _terminal(self, message: str) -> None:
        out = ""
        if self.settings.bell:
            out += "\a"  # tmux turns a pane's bell into its own (bell-action), no passthrough
        sequence = desktop_sequence(self._desktop, TITLE, message)
        if sequence:
            if self.environ.get("TMUX"):
                if not self._passthrough_ready:
                    enable_passthrough(self.environ)
                    self._passthrough_ready = True
                sequence = tmux_passthrough(sequence)
            out += sequence
        if out:
            try:
                self.write(out)
            except Exception as exc:  # a terminal gone away must not take the app with it
                self._fail_once(f"Could not write a notification to the terminal: {exc}")

    def _run_command(self, need: Need, message: str) -> None:
        env = dict(self.environ)
        env.update(
            CODEX_DASH_INSTANCE=need.instance_id,
            CODEX_DASH_STATUS=need.status,
            CODEX_DASH_REASON=need.reason,
            CODEX_DASH_MESSAGE=message,
        )
        command = self.settings.command or ""
        thread = threading.Thread(
            target=self._command_thread, args=(command, env), name="notify-command", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _command_thread(self, command: str, env: dict[str, str]) -> None:
        try:
            result = subprocess.run(
                command,
                shell=True,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            self._fail_once(f"--notify-command did not finish within {COMMAND_TIMEOUT:g} s")
            return
        except OSError as exc:
            self._fail_once(f"--notify-command could not run: {exc}")
            return
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            why = f": {detail[-1]}" if detail else ""
            self._fail_once(f"--notify-command failed (exit status {result.returncode}){why}")

    def _fail_once(self, message: str) -> None:
        if self._failed_once:
            return
        self._failed_once = True
        with contextlib.suppress(Exception):
            self.report(message + " (reported once; notifications go on)")

    def wait(self, timeout: float = 10.0) -> None:
        """Wait for running notify commands (tests, and quitting)."""
        for thread in list(self._threads):
            thread.join(timeout)
