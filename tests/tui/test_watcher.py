"""DatabaseWatcher on a real SQLite WAL file, written by a real second process.

The watcher must wake for a commit, stay asleep for other files in the folder, survive SQLite
deleting and recreating -wal and the folder going away, and stop (thread joined) within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tui.live.wal_watcher import DatabaseWatcher

pytestmark = pytest.mark.anyio
WAKE_TIMEOUT = 5.0  # an upper bound on a loaded machine; a wake takes ~30 ms
ARM_SECONDS = 0.3  # for the thread to start and place its inotify watch

WRITER = r"""
import sqlite3, sys, time
path = sys.argv[1]
con = None
for line in sys.stdin:
    command = line.strip()
    if command in ("open", "commit") and con is None:
        con = sqlite3.connect(path)
        con.execute("PRAGMA journal_mode=WAL")
    if command == "commit":
        con.execute("INSERT INTO t (note) VALUES ('x')")
        con.commit()
        print("ok", time.monotonic(), flush=True)
    elif command == "close":
        con.close()
        con = None
        print("closed", flush=True)
    elif command == "open":
        print("opened", flush=True)
"""


class Writer:
    """A second process holding its own connection: commit, close (SQLite then deletes -wal)."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def commit(self) -> float:
        reply = self.send("commit")
        assert reply.startswith("ok "), reply
        return float(reply.split()[1])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def make_db(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "watched.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, note TEXT)")
    con.commit()
    con.close()
    return db


class Wakes:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.event = asyncio.Event()

    def __call__(self) -> None:
        self.times.append(time.monotonic())
        self.event.set()

    async def after(self, moment: float, timeout: float = WAKE_TIMEOUT) -> float:
        """The first wake at or after `moment` (CLOCK_MONOTONIC, shared with the writer)."""
        deadline = time.monotonic() + timeout
        while True:
            later = [t for t in self.times if t >= moment]
            if later:
                return later[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no wake within {timeout} s")
            self.event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), remaining)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Let the wakes of earlier writes (and their one re-check) pass."""
        await asyncio.sleep(seconds)


async def commit_once_and_wait(db: Path, wakes: Wakes) -> None:
    """Another process commits once; the watcher must wake for it."""
    writer = Writer(db)
    try:
        await wakes.after(writer.commit())
    finally:
        writer.close()


async def started(watcher: DatabaseWatcher) -> asyncio.Task[None]:
    task = asyncio.create_task(watcher.run())
    await asyncio.sleep(ARM_SECONDS)
    assert watcher.thread is not None and watcher.thread.is_alive()
    return task


async def stopped(watcher: DatabaseWatcher, task: asyncio.Task[None]) -> None:
    watcher.stop()
    await asyncio.wait_for(task, 1.0)
    assert watcher.thread is not None
    assert not watcher.thread.is_alive()


async def test_a_commit_from_another_process_wakes_the_watcher(tmp_path: Path) -> None:
    db = make_db(tmp_path / "data")
    wakes = Wakes()
    watcher = DatabaseWatcher(str(db), wakes)
    task = await started(watcher)
    writer = Writer(db)
    try:
        for _ in range(3):
            committed = writer.commit()
            woke = await wakes.after(committed)
            assert woke - committed < WAKE_TIMEOUT
            await wakes.quiet()
    finally:
        writer.close()
        await stopped(watcher, task)


async def test_a_write_to_an_unrelated_file_in_the_folder_does_not_wake(tmp_path: Path) -> None:
    db = make_db(tmp_path / "data")
    wakes = Wakes()
    watcher = DatabaseWatcher(str(db), wakes)
    task = await started(watcher)
    try:
        before = time.monotonic()
        script = (
            "import sys, pathlib\n"
            "folder = pathlib.Path(sys.argv[1])\n"
            "for name in ('notes.txt', 'watched.db.bak', 'other.db-wal'):\n"
            "    (folder / name).write_text('x' * 100)\n"
            "(folder / 'notes.txt').unlink()\n"
        )
        subprocess.run([sys.executable, "-c", script, str(db.parent)], check=True, timeout=30)
        await asyncio.sleep(0.5)  # more than ten paces
        assert [t for t in wakes.times if t >= before] == []
        # still awake for the database itself
        await commit_once_and_wait(db, wakes)
    finally:
        await stopped(watcher, task)


async def test_stop_ends_run_within_a_second_and_joins_its_thread(tmp_path: Path) -> None:
    db = make_db(tmp_path / "data")
    watcher = DatabaseWatcher(str(db), lambda: None)
    task = await started(watcher)
    thread = watcher.thread
    began = time.monotonic()
    await stopped(watcher, task)
    assert time.monotonic() - began < 1.0
    assert thread not in threading.enumerate()
    # stopped is final: run() again returns at once, starting no thread
    await asyncio.wait_for(watcher.run(), 1.0)
    assert watcher.thread is thread


async def test_stop_from_another_thread_and_cancellation_end_it_too(tmp_path: Path) -> None:
    db = make_db(tmp_path / "data")
    watcher = DatabaseWatcher(str(db), lambda: None)
    task = await started(watcher)
    threading.Thread(target=watcher.stop).start()
    await asyncio.wait_for(task, 1.0)
    assert watcher.thread is not None and not watcher.thread.is_alive()

    watcher = DatabaseWatcher(str(db), lambda: None)
    task = await started(watcher)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1.0)
    assert watcher.thread is not None and not watcher.thread.is_alive()


async def test_deleting_and_recreating_the_wal_still_wakes(tmp_path: Path) -> None:
    db = make_db(tmp_path / "data")
    wal = Path(f"{db}-wal")
    wakes = Wakes()
    watcher = DatabaseWatcher(str(db), wakes)
    task = await started(watcher)
    try:
        for _ in range(2):
            writer = Writer(db)
            try:
                committed = writer.commit()
                assert wal.exists()
                await wakes.after(committed)
                await wakes.quiet()
                closed_at = time.monotonic()
                assert writer.send("close") == "closed"  # the last connection: -wal goes
                assert not wal.exists()
                await wakes.after(closed_at)  # the checkpoint and the deletion
                await wakes.quiet()
            finally:
                writer.close()
    finally:
        await stopped(watcher, task)


async def test_an_async_callback_is_awaited_and_calls_do_not_overlap(tmp_path: Path) -> None:
    db = make_db(tmp_path / "data")
    running = 0
    overlaps = 0
    calls = 0

    async def on_change() -> None:
        nonlocal running, overlaps, calls
        running += 1
        overlaps += running > 1
        calls += 1
        await asyncio.sleep(0.1)  # commits keep arriving meanwhile
        running -= 1

    watcher = DatabaseWatcher(str(db), on_change)
    task = await started(watcher)
    writer = Writer(db)
    try:
        for _ in range(5):
            writer.commit()
            await asyncio.sleep(0.04)
        deadline = time.monotonic() + WAKE_TIMEOUT
        while calls == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
    finally:
        writer.close()
        await stopped(watcher, task)
    assert calls >= 1
    assert overlaps == 0


async def test_the_folder_going_away_and_coming_back(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    db = make_db(folder)
    wakes = Wakes()
    watcher = DatabaseWatcher(str(db), wakes)
    task = await started(watcher)
    try:
        shutil.rmtree(folder)
        await asyncio.sleep(0.3)
        assert not task.done()  # still running, waiting for the folder
        make_db(folder)
        await asyncio.sleep(1.5)  # the retry every second re-arms the watch
        await commit_once_and_wait(db, wakes)
    finally:
        await stopped(watcher, task)


def test_a_process_that_never_stops_its_watcher_still_exits_cleanly(tmp_path: Path) -> None:
    """The watcher thread is a daemon inside watchfiles' Rust loop; left running at interpreter
    exit it would abort the process ("FATAL: exception not rethrown") without the atexit stop."""
    db = make_db(tmp_path / "data")
    script = (
        "import asyncio, sys\n"
        "from tui.live.wal_watcher import DatabaseWatcher\n"
        "loop = asyncio.new_event_loop()\n"
        "watcher = DatabaseWatcher(sys.argv[1], lambda: None)\n"
        "task = loop.create_task(watcher.run())\n"
        "loop.run_until_complete(asyncio.sleep(0.3))\n"
        "assert watcher.thread.is_alive()\n"
        "print('leaving', flush=True)\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script, str(db)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert result.stdout.strip() == "leaving"
    assert "FATAL" not in result.stderr
    assert result.returncode == 0, result.stderr


def test_the_watcher_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """bench/watcher_bench.py end to end on a tiny run, so it does not rot (no timing asserted)."""
    from bench.watcher_bench import main

    main(["--quick", "--variants", "idle,awatch-15,current"])
    table = capsys.readouterr().out
    assert "| current |" in table and "| awatch-15 |" in table
