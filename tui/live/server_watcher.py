"""Wake the dashboard when another machine commits to the PostgreSQL server.

On a primary the store's triggers send one NOTIFY per writing transaction on the dialect's CHANNEL
(PostgreSQL folds equal notifications of one transaction into one): a thread LISTENs on its own
long-lived connection and wakes the app's reload loop, which coalesces a burst into one reload,
as the SQLite folder watcher does. A hot standby refuses LISTEN (and NOTIFY is not replicated):
there the thread follows `pg_last_wal_replay_lsn()`, one cheap round trip a look, which moves with
every replayed commit.

The thread also owns the link's health: a lost connection (server restart, network drop) turns the
state to DISCONNECTED at once; it reconnects with backoff, and on the way back to LIVE it wakes the
app, since whatever was committed meanwhile was never announced.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import select
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from store import DatabaseConfig
from store.config import url_password

from .change_source import LinkState

STANDBY_POLL_SECONDS = 0.1  # a look at the replay position; ~0.1 ms of server time each
HEARTBEAT_SECONDS = 5.0  # with no notification for this long, ask the server if it is there
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 5.0
JOIN_SECONDS = 2.0
# Keepalives find a silently dropped link (a cable, a VPN) without our own query.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}


class ServerChangeWatcher:
    """`run()` on the app's loop until `stop()`; `on_change` is called (one call at a time) after
    commits, `on_state` whenever the link's state changes. Both run on the app's event loop."""

    def __init__(
        self,
        config: DatabaseConfig,
        on_change: Callable[[], Awaitable[None] | None],
        on_state: Callable[[LinkState, str], None] | None = None,
        *,
        standby_poll: float = STANDBY_POLL_SECONDS,
    ) -> None:
        self._config = config
        self._on_change = on_change
        self._on_state = on_state
        self._standby_poll = standby_poll
        self._stop = threading.Event()
        self._wake_read, self._wake_write = os.pipe()  # interrupts the LISTEN wait on stop()
        self._thread: threading.Thread | None = None
        self._pending = threading.Event()  # a change was announced since the last on_change
        self.state = LinkState.CONNECTING
        self.standby: bool | None = None  # known once connected

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        wanted = asyncio.Event()
        states: list[tuple[LinkState, str]] = []
        done = threading.Event()

        def wake() -> None:  # from the thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to tell
                loop.call_soon_threadsafe(wanted.set)

        def report(state: LinkState, detail: str) -> None:
            states.append((state, detail))
            wake()

        thread = threading.Thread(
            target=self._follow, args=(wake, report, done), name="pg-watcher", daemon=True
        )
        self._thread = thread
        thread.start()
        try:
            while not done.is_set():
                await wanted.wait()
                wanted.clear()
                changed = False
                while states:
                    state, detail = states.pop(0)
                    changed |= state is LinkState.LIVE  # back: catch up on what was missed
                    if self._on_state is not None:
                        self._on_state(state, detail)
                if self._stop.is_set():
                    break
                if self._pending.is_set() or changed:
                    self._pending.clear()
                    result = self._on_change()
                    if inspect.isawaitable(result):
                        await result
        finally:
            self.stop()
            await asyncio.to_thread(thread.join, JOIN_SECONDS)
            for fd in (self._wake_read, self._wake_write):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def stop(self) -> None:
        """Ends run() promptly; safe from any thread and more than once."""
        self._stop.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    # --- the thread ---------------------------------------------------------------------------

    def _follow(
        self,
        wake: Callable[[], None],
        report: Callable[[LinkState, str], None],
        done: threading.Event,
    ) -> None:
        backoff = BACKOFF_FIRST_SECONDS
        try:
            while not self._stop.is_set():
                try:
                    con = self._connect()
                except Exception as exc:  # psycopg2.Error, or a DNS failure
                    self._set(report, LinkState.DISCONNECTED, self._reason(exc))
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
                    continue
                backoff = BACKOFF_FIRST_SECONDS
                try:
                    self._set(report, LinkState.LIVE, "standby" if self.standby else "primary")
                    if self.standby:
                        self._follow_replay(con, wake)
                    else:
                        self._listen(con, wake)
                except Exception as exc:
                    self._set(report, LinkState.DISCONNECTED, self._reason(exc))
                finally:
                    with contextlib.suppress(Exception):
                        con.close()
        finally:
            done.set()
            wake()

    def _set(self, report: Callable[[LinkState, str], None], state: LinkState, why: str) -> None:
        if state is not self.state:
            self.state = state
            report(state, why)

    def _connect(self) -> Any:
        """The store's own way in (timeouts, keepalives for a silently dropped link, read-only
        session): the dialect owns how to reach the server, this thread what to do there."""
        from store.dialects import postgres

        con = postgres.open_plain(self._config, read_only=True)
        with con.cursor() as cur:
            cur.execute("SELECT pg_is_in_recovery()")
            self.standby = bool(cur.fetchone()[0])
            if not self.standby:
                cur.execute(f"LISTEN {postgres.CHANNEL}")
        return con

    def _listen(self, con: Any, wake: Callable[[], None]) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([con, self._wake_read], [], [], HEARTBEAT_SECONDS)
            if self._stop.is_set():
                return
            if not ready:  # quiet for a while: is anyone there? (raises when not)
                with con.cursor() as cur:
                    cur.execute("SELECT 1")
                continue
            con.poll()  # raises OperationalError when the server went away
            if con.notifies:
                con.notifies.clear()
                self._pending.set()
                wake()

    def _follow_replay(self, con: Any, wake: Callable[[], None]) -> None:
        last = None
        with con.cursor() as cur:
            while not self._stop.is_set():
                cur.execute("SELECT pg_last_wal_replay_lsn()::text")
                position = cur.fetchone()[0]
                if last is not None and position != last:
                    self._pending.set()
                    wake()
                last = position
                self._stop.wait(self._standby_poll)

    def _reason(self, exc: BaseException) -> str:
        """The driver's first line, which names the cause; the password never shows."""
        lines = str(exc).strip().splitlines()
        text = lines[0] if lines else type(exc).__name__
        password = url_password(self._config.server_url or "")
        return text.replace(password, "***") if password else text
