"""DemoSession: a throwaway demo world that cleans up after itself, whatever way it ends.

It makes a temporary folder with a seeded claude-codex.db, starts live fake agents in tmux sessions
(named with this run's prefix) and the simulator process. `stop()` (also run on leaving the `with`
block, at exit, and on SIGTERM/SIGHUP) kills the simulator, every tmux session of this run, and
removes the folder, so quitting the dashboard leaves nothing running.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import datetime
from types import FrameType, TracebackType
from typing import Any

from agents import tmux
from store import DatabaseConfig, initialize_database

from .agents import PROJECT_ROOT, DemoAgent, run_prefix, start_demo_agents, stop_demo_agents
from .seed import DemoInfo, build_demo_database

log = logging.getLogger("codex_dash.demo")
_HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class DemoSession:
    """Context manager for a live demo: `with DemoSession() as demo: run_dashboard(demo.db_path)`."""

    def __init__(
        self,
        *,
        seed: int = 7,
        now: datetime | None = None,
        rate: float = 3.0,
        live_agents: bool = True,
        max_agents: int = 8,
        simulate: bool = True,
        tmux_socket: str | None = None,
        handle_signals: bool = True,
    ) -> None:
        self.seed, self.now, self.rate = seed, now, rate
        self.live_agents, self.max_agents, self.simulate = live_agents, max_agents, simulate
        self.tmux_socket = tmux_socket
        self.handle_signals = handle_signals
        self.prefix = run_prefix()
        self.folder: str | None = None
        self.info: DemoInfo | None = None
        self.agents: list[DemoAgent] = []
        self.simulator: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False
        self._previous_handlers: dict[int, Any] = {}
        self._pending_signal: int | None = None

    @property
    def db_path(self) -> str:
        if self.folder is None:
            raise RuntimeError("the demo has not been started")
        return os.path.join(self.folder, "claude-codex.db")

    @property
    def simulator_log(self) -> str:
        return os.path.join(self.folder or "", "simulator.log")

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> DemoSession:
        if self._started:
            return self
        self._started = True
        atexit.register(self.stop)
        self._install_signal_handlers()
        try:
            self.folder = tempfile.mkdtemp(prefix="codex-demo-")
            self.info = build_demo_database(self.db_path, seed=self.seed, now=self.now)
            if self.live_agents and tmux.tmux_available():
                with initialize_database(DatabaseConfig(local_file=self.db_path)) as db:
                    self.agents = start_demo_agents(
                        db, prefix=self.prefix, socket=self.tmux_socket, limit=self.max_agents
                    )
            if self.simulate:
                self.simulator = self._start_simulator()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_simulator(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "demo.simulator", "--db", self.db_path]
        command += ["--rate", str(self.rate), "--seed", str(self.seed)]
        command += ["--owner", str(os.getpid())]
        if self.live_agents and tmux.tmux_available():
            command += ["--tmux-prefix", self.prefix, "--max-agents", str(self.max_agents + 2)]
            if self.tmux_socket:
                command += ["--tmux-socket", self.tmux_socket]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PROJECT_ROOT, env.get("PYTHONPATH")]))
        with open(self.simulator_log, "ab") as log_file:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                env=env,
                cwd=PROJECT_ROOT,
            )

    def stop(self) -> None:
        """Kill the simulator and this run's tmux sessions, remove the folder. Idempotent.

        A second Ctrl-C (terminals and `uv run` both deliver one) must not cut the cleanup short,
        so SIGINT is ignored meanwhile, and a SIGTERM/SIGHUP arriving now is re-raised afterwards.
        """
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        shield = threading.current_thread() is threading.main_thread()
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN) if shield else None
        try:
            try:
                self._stop_simulator()
            finally:
                try:
                    if tmux.tmux_available():
                        stop_demo_agents(self.prefix, socket=self.tmux_socket)
                finally:
                    if self.folder is not None:
                        shutil.rmtree(self.folder, ignore_errors=True)
                    self._restore_signal_handlers()
                    atexit.unregister(self.stop)
        finally:
            if shield:
                signal.signal(signal.SIGINT, previous_int or signal.SIG_DFL)
        pending, self._pending_signal = self._pending_signal, None
        if pending is not None:
            signal.raise_signal(pending)

    def _stop_simulator(self) -> None:
        proc = self.simulator
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __enter__(self) -> DemoSession:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- signals ----------------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread; atexit still runs
        for sig in _HANDLED_SIGNALS:
            self._previous_handlers[sig] = signal.signal(sig, self._on_signal)

    def _restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, previous in self._previous_handlers.items():
            if signal.getsignal(sig) == self._on_signal:
                signal.signal(sig, previous)
        self._previous_handlers = {}

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stopped:  # cleanup under way: deliver the signal once it is done
            self._pending_signal = signum
            return
        previous = self._previous_handlers.get(signum, signal.SIG_DFL)
        self.stop()
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            raise SystemExit(128 + signum)
