"""Wake the dashboard when another process commits.

watchfiles watches the database's *folder*, filtered to the database and its -wal: SQLite deletes
-wal when the last connection closes, and a watch on that path alone would die with it. A slow
`data_version` poll in the app backs this up on file systems that miss events (network, WSL).

watchfiles cannot block until a change: its Rust loop (`RustNotify.watch`) sleeps `step` ms,
takes the GIL and calls the stop event's `is_set()`, then looks at the changes gathered so far,
every step, whether anything changed or not; and it reports a change only once a second look,
one step later, finds no more (so a change waits up to two steps). Here one daemon thread drives
`watchfiles.watch` with `step=0` and the stop event is a pacer: its `is_set()` does the sleeping,
`WATCH_PACE_MS` on every other call and none on the call in between. A change that lands during
a sleep is seen when it ends and confirmed at once by the next look, so it is reported within
one pace, and the thread wakes once a pace when idle: at pace 30 ms, half the wake-ups of the
old `awatch(step=15)` with the same or better latency (docs/performance.md, "Watcher idle CPU").
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import inspect
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable

from watchfiles import Change, watch

# Idle wake-ups per second = 1000 / WATCH_PACE_MS; commit-to-callback is at most about one pace
# (mean half). 30 ms: 33 wake-ups/s, p50 ~16 ms, p95 ~30 ms here (docs/performance.md).
WATCH_PACE_MS = 30
# Upper bound on grouping changes while writes keep coming (watchfiles' debounce).
WATCH_DEBOUNCE_MS = 50
RETRY_SECONDS = 1.0  # while the folder is missing or the watch failed
JOIN_SECONDS = 1.0

_running: weakref.WeakSet[DatabaseWatcher] = weakref.WeakSet()


class _Pacer:
    """The `stop_event` given to watchfiles: RustNotify.watch calls `is_set()` once per step, and
    with `step=0` that call is the only pause in its loop. Sleep on every other call; return at
    once on the calls between, so the look after a sleep that saw a change is confirmed without
    waiting another pace. time.sleep is the cheapest wake here (a lock or Event wait with a
    timeout costs more per wake-up), at the price of stop() taking up to one pace.

    Confirming at once can report a commit a few microseconds before SQLite makes it visible
    (after its last -wal write, it updates the -shm index); `recheck`, set after each reported
    batch, calls back once more after the next sleep, so such a commit is read one pace later
    rather than at the app's next safety poll. It costs nothing while idle."""

    __slots__ = ("_confirm", "_pace", "_stop", "recheck")

    def __init__(self, stop: threading.Event, pace_ms: int) -> None:
        self._stop = stop
        self._pace = pace_ms / 1000
        self._confirm = False
        self.recheck: Callable[[], None] | None = None

    def is_set(self) -> bool:
        if self._confirm:
            self._confirm = False
        else:
            self._confirm = True
            time.sleep(self._pace)
            if self.recheck is not None:
                recheck, self.recheck = self.recheck, None
                recheck()
        return self._stop.is_set()


class DatabaseWatcher:
    pace_ms = WATCH_PACE_MS
    debounce_ms = WATCH_DEBOUNCE_MS
    pacer_class = _Pacer  # bench/watcher_bench.py measures other ways to sleep

    def __init__(self, db_path: str, on_change: Callable[[], Awaitable[None] | None]) -> None:
        self.db_path = os.path.abspath(db_path)
        self.folder = os.path.dirname(self.db_path)
        self._names = {self.db_path, self.db_path + "-wal"}
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake: Callable[[], None] | None = None
        self._thread_done = False
        self._folder_changed = False

    def _relevant(self, change: Change, path: str) -> bool:
        path = os.path.abspath(path)
        if path == self.folder:  # the folder itself was deleted or moved: watch it afresh
            self._folder_changed = True
            return True
        return path in self._names

    async def run(self) -> None:
        """Until stop(); while the folder is missing it retries every second (the app's poll
        keeps it honest meanwhile). on_change runs on this event loop, one call at a time;
        changes that arrive while it runs make one more call."""
        if self._stop.is_set():
            return
        loop = asyncio.get_running_loop()
        wanted = asyncio.Event()

        def wake() -> None:  # from any thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody to wake
                loop.call_soon_threadsafe(wanted.set)

        self._wake = wake
        self._thread_done = False
        thread = threading.Thread(
            target=self._watch_thread, name="db-watcher", args=(wake,), daemon=True
        )
        self._thread = thread
        _running.add(self)
        thread.start()
        try:
            while True:
                await wanted.wait()
                wanted.clear()
                if self._stop.is_set() or self._thread_done:
                    break
                result = self._on_change()
                if inspect.isawaitable(result):
                    await result
            while not self._thread_done:  # stopped: the thread ends within one pace
                await wanted.wait()
                wanted.clear()
        finally:
            self._stop.set()  # cancelled or on_change raised: end the thread too
            thread.join(JOIN_SECONDS)
            _running.discard(self)

    def stop(self) -> None:
        """Ends run() promptly (within one pace) and its thread; safe from any thread."""
        self._stop.set()
        if self._wake is not None:
            self._wake()

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _watch_thread(self, wake: Callable[[], None]) -> None:
        pacer = self.pacer_class(self._stop, self.pace_ms)
        gap = False  # a watch ended or failed: changes may have gone unseen meanwhile
        try:
            while not self._stop.is_set():
                if not os.path.isdir(self.folder):
                    gap = True
                    self._stop.wait(RETRY_SECONDS)
                    continue
                if gap:
                    wake()
                gap = True  # whatever ends the watch below but stop() leaves a gap
                self._folder_changed = False
                try:
                    # ignore_permission_denied=False: with True, watchfiles also ignores a
                    # missing folder and silently watches nothing.
                    changes = watch(
                        self.folder,
                        watch_filter=self._relevant,
                        debounce=self.debounce_ms,
                        step=0,
                        stop_event=pacer,
                        rust_timeout=0,
                        recursive=False,
                        ignore_permission_denied=False,
                    )
                    with contextlib.closing(changes):  # a break closes the Rust watch at once
                        for _batch in changes:
                            wake()
                            pacer.recheck = wake
                            if self._folder_changed:
                                break
                except (OSError, RuntimeError):  # the folder went, or the watch failed
                    self._stop.wait(RETRY_SECONDS)
        finally:
            self._thread_done = True
            wake()


@atexit.register
def _stop_all() -> None:
    """A watcher thread still inside watchfiles when the interpreter finalises aborts the process
    ("FATAL: exception not rethrown"): stop and join any left running."""
    for watcher in list(_running):
        watcher._stop.set()
    for watcher in list(_running):
        if watcher._thread is not None:
            watcher._thread.join(JOIN_SECONDS)
