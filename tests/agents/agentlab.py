"""Helpers and fixtures for real processes and real tmux sessions on a private socket, always cleaned up."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import psutil
import pytest

from agents import tmux
from agents.process import ProcessIdentity

needs_tmux = pytest.mark.skipif(not tmux.tmux_available(), reason="tmux is not installed")

SLEEPER = "import time\nwhile True: time.sleep(1)"
STUBBORN = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "while True: time.sleep(1)"
)


@dataclass
class Lab:
    """Starts processes and sessions for one test and remembers them for the finalizer."""

    socket: str
    sessions: list[str] = field(default_factory=list)
    processes: list[ProcessIdentity] = field(default_factory=list)
    popens: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def session(self, command: list[str] | str, *, prefix: str = "t") -> tuple[str, int]:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        self.sessions.append(name)
        pid = tmux.new_session(name, command, width=80, height=20, socket=self.socket)
        identity = ProcessIdentity.of(pid)
        if identity is not None:
            self.processes.append(identity)
        return name, pid

    def spawn(self, args: list[str], *, new_session: bool = True) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=new_session,
        )
        self.popens.append(proc)
        identity = ProcessIdentity.of(proc.pid)
        if identity is not None:
            self.processes.append(identity)
        return proc

    def cleanup(self) -> None:
        for identity in self.processes:
            proc = identity.process()
            if proc is not None:
                for child in proc.children(recursive=True):
                    child.kill()
                proc.kill()
        for popen in self.popens:
            try:
                popen.kill()
                popen.wait(timeout=5)
            except OSError:
                pass
        if tmux.tmux_available():
            for name in self.sessions:
                with contextlib.suppress(tmux.TmuxError):
                    tmux.kill_session(name, socket=self.socket)
            tmux.kill_server(socket=self.socket)


@pytest.fixture
def socket_name() -> str:
    return f"codex-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def lab(socket_name: str) -> Iterator[Lab]:
    lab = Lab(socket=socket_name)
    try:
        yield lab
    finally:
        lab.cleanup()


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def gone(pid: int) -> bool:
    """Exited (a zombie awaiting its parent's wait counts as exited)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
