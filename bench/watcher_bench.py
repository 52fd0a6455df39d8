"""The database watcher alone: idle CPU and commit-to-callback latency, variant by variant.

    uv run python -m bench.watcher_bench                      # idle 3 x 30 s, latency 3 x 60 commits
    uv run python -m bench.watcher_bench --quick              # smoke run (a few seconds)
    uv run python -m bench.watcher_bench --variants awatch-15,paced-30 --rounds 5
    uv run python -m bench.watcher_bench --parts dashboard --dash-db bench/out/events-1m-seed1.db

Idle CPU: every variant runs in its own process (an asyncio loop with only that watcher on a
WAL database in a temp folder, nothing writing), all variants at once over the same window so
they share the machine's load; the process's CPU time (CLOCK_PROCESS_CPUTIME_ID) over the window
as % of one core, and, per thread, psutil's `threads()` times (10 ms ticks) for the threads other
than the main one. `idle` is the same process with no watcher. Rounds repeat with the start order
shuffled; the table shows the median and the range.

Dashboard (`--parts dashboard --dash-db PATH`): the whole app, `codex-dash --db COPY` in tmux
(private socket), once with each of `--dash-variants` (default awatch-15,current) swapped in for
tui.app's DatabaseWatcher, each on its own copy of the database, all started together; after
20 s of settling, `--rounds` consecutive windows of `--seconds`, psutil process CPU of each.

Latency: this process is the writer; a child process runs one variant's watcher in an asyncio
loop and notes `time.monotonic()` in its callback (CLOCK_MONOTONIC is shared by all processes).
The writer commits one row at a time at random intervals (100-300 ms) to a WAL database in a temp
folder, one connection kept open (`--writer reopen`: a connection per commit, so SQLite deletes
-wal after each); latency is from just after `commit()` returned to the first callback after it.
All variants' watchers run at once, each on its own database and folder, the writer committing to
each on its own random schedule, so a busy spell of the shared machine hits them alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

from tui.live.wal_watcher import DatabaseWatcher, _Pacer

DEBOUNCE_MS = 50
DEFAULT_VARIANTS = (
    "idle,sleep-30,awatch-15,awatch-30,thread-15,"
    "paced-20,paced-25,paced-30,paced-35,lockpaced-30,eventpaced-30"
)


# --- the variants ---------------------------------------------------------------------------------


class AwatchWatcher:
    """tui/live/wal_watcher.py before this work: watchfiles.awatch (an anyio worker thread per watch call),
    stop through an asyncio.Event that the Rust loop checks every step."""

    def __init__(self, db_path: str, on_change: Callable[[], Any], step_ms: int) -> None:
        self.db_path = os.path.abspath(db_path)
        self.folder = os.path.dirname(self.db_path)
        self._names = {self.db_path, self.db_path + "-wal"}
        self._on_change = on_change
        self._step = step_ms
        self._stop = asyncio.Event()
        self.thread = None

    async def run(self) -> None:
        from watchfiles import awatch

        while not self._stop.is_set():
            try:
                async for _changes in awatch(
                    self.folder,
                    watch_filter=lambda _c, p: os.path.abspath(p) in self._names,
                    step=self._step,
                    debounce=DEBOUNCE_MS,
                    stop_event=self._stop,
                    recursive=False,
                    ignore_permission_denied=True,
                ):
                    self._on_change()
            except OSError:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=1.0)

    def stop(self) -> None:
        self._stop.set()


class SteppedThreadWatcher(DatabaseWatcher):
    """One dedicated thread driving watchfiles.watch with a fixed step and a threading.Event stop
    (no anyio): the same Rust loop as awatch, without its per-call machinery."""

    step_ms = 15

    def _watch_thread(self, wake: Callable[[], None]) -> None:
        from watchfiles import watch

        try:
            for _changes in watch(
                self.folder,
                watch_filter=self._relevant,
                debounce=self.debounce_ms,
                step=self.step_ms,
                stop_event=self._stop,
                rust_timeout=0,
                recursive=False,
            ):
                wake()
        finally:
            self._thread_done = True
            wake()


class LockPacer(_Pacer):
    """The pacer sleeping in Lock.acquire(timeout=...) (a release could end it at once)."""

    def __init__(self, stop: threading.Event, pace_ms: int) -> None:
        super().__init__(stop, pace_ms)
        self._lock = threading.Lock()
        self._lock.acquire()

    def is_set(self) -> bool:
        if self._confirm:
            self._confirm = False
        else:
            self._confirm = True
            self._lock.acquire(timeout=self._pace)
            if self.recheck is not None:
                recheck, self.recheck = self.recheck, None
                recheck()
        return self._stop.is_set()


class EventPacer(_Pacer):
    """The pacer sleeping in the stop Event's wait(timeout) (stop() would end it at once)."""

    def is_set(self) -> bool:
        if self._confirm:
            self._confirm = False
        else:
            self._confirm = True
            self._stop.wait(self._pace)
            if self.recheck is not None:
                recheck, self.recheck = self.recheck, None
                recheck()
        return self._stop.is_set()


class SleepOnly:
    """Not a watcher: one Python thread that only sleeps `ms` in a loop (what a bare wake-up
    costs here, the floor for any watcher that wakes that often)."""

    def __init__(self, ms: int) -> None:
        self._ms = ms
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    async def run(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                time.sleep(self._ms / 1000)

        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        while not self._stop.is_set():
            await asyncio.sleep(0.5)
        self.thread.join()

    def stop(self) -> None:
        self._stop.set()


class NoWatcher:
    thread = None

    def __init__(self) -> None:
        self._stop = asyncio.Event()

    async def run(self) -> None:
        await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()


def make_variant(name: str, db_path: str, on_change: Callable[[], Any]) -> Any:
    kind, _, number = name.partition("-")
    ms = int(number) if number else 0
    if kind == "idle":
        return NoWatcher()
    if kind == "sleep":
        return SleepOnly(ms)
    if kind == "awatch":
        return AwatchWatcher(db_path, on_change, ms)
    if kind == "thread":
        watcher = SteppedThreadWatcher(db_path, on_change)
        watcher.step_ms = ms
        return watcher
    if kind == "paced":  # tui.live.wal_watcher.DatabaseWatcher as shipped, at this pace
        watcher = DatabaseWatcher(db_path, on_change)
        watcher.pace_ms = ms
        return watcher
    if kind in ("lockpaced", "eventpaced"):
        watcher = DatabaseWatcher(db_path, on_change)
        watcher.pace_ms = ms
        watcher.pacer_class = LockPacer if kind == "lockpaced" else EventPacer
        return watcher
    if kind == "current":  # tui.live.wal_watcher.DatabaseWatcher with its defaults
        return DatabaseWatcher(db_path, on_change)
    raise SystemExit(f"unknown variant {name!r}")


# --- child processes ------------------------------------------------------------------------------


def make_database(path: str) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, at REAL, pad TEXT)")
    con.commit()
    con.close()  # the last connection: -wal is checkpointed and deleted


async def child_idle(variant: str, db_path: str, seconds: float) -> dict[str, Any]:
    watcher = make_variant(variant, db_path, lambda: None)
    task = asyncio.create_task(watcher.run())
    await asyncio.sleep(2.0)  # start-up out of the window
    me = psutil.Process()
    main_tid = threading.get_native_id()
    threads0 = {t.id: t.user_time + t.system_time for t in me.threads()}
    cpu0 = time.process_time()
    await asyncio.sleep(seconds)
    cpu1 = time.process_time()
    threads1 = {t.id: t.user_time + t.system_time for t in me.threads()}
    others = sum(v - threads0.get(tid, 0.0) for tid, v in threads1.items() if tid != main_tid)
    watcher.stop()
    await asyncio.wait_for(task, 5)
    return {
        "variant": variant,
        "process_pct": (cpu1 - cpu0) / seconds * 100,
        "other_threads_pct": others / seconds * 100,
    }


async def child_latency(variant: str, db_path: str) -> dict[str, Any]:
    """Wakes on each relevant change; 'stop' on stdin ends it and reports the wake times."""
    wakes: list[float] = []
    watcher = make_variant(variant, db_path, lambda: wakes.append(time.monotonic()))
    task = asyncio.create_task(watcher.run())
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.5)
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    stopped = time.monotonic()
    watcher.stop()
    await asyncio.wait_for(task, 5)
    stop_s = time.monotonic() - stopped
    thread = getattr(watcher, "thread", None)
    return {
        "variant": variant,
        "wakes": wakes,
        "stop_s": stop_s,
        "thread_alive": bool(thread is not None and thread.is_alive()),
    }


def child_dashboard(variant: str, db_path: str) -> None:
    """codex-dash on db_path with this variant as its watcher (in a terminal: tmux)."""
    import tui.app
    from tui.cli import main as dash_main

    def swapped(path: str, on_change: Callable[[], Any]) -> Any:
        return make_variant(variant, path, on_change)

    tui.app.DatabaseWatcher = swapped  # type: ignore[assignment,misc]
    sys.exit(dash_main(["--db", db_path]))


def child_main(args: argparse.Namespace) -> None:
    if args.child == "dashboard":
        child_dashboard(args.variant, args.db)
        return
    if args.child == "idle":
        result = asyncio.run(child_idle(args.variant, args.db, args.seconds))
    else:
        result = asyncio.run(child_latency(args.variant, args.db))
    print(json.dumps(result), flush=True)


# --- the parent -----------------------------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.watcher_bench", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )


def last_json(text: str) -> dict[str, Any]:
    return json.loads(text.strip().splitlines()[-1])


def run_idle(variants: list[str], seconds: float, rounds: int) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for round_no in range(rounds):
        order = random.sample(variants, len(variants))
        with tempfile.TemporaryDirectory() as base:
            children = []
            for variant in order:
                folder = os.path.join(base, variant)
                os.mkdir(folder)
                db = os.path.join(folder, "bench.db")
                make_database(db)
                children.append(
                    spawn(
                        "--child",
                        "idle",
                        "--variant",
                        variant,
                        "--db",
                        db,
                        "--seconds",
                        str(seconds),
                    )
                )
            for child in children:
                out, _ = child.communicate(timeout=seconds + 60)
                result = last_json(out)
                results[result["variant"]].append(result)
        load = os.getloadavg()[0]
        print(f"idle round {round_no + 1}/{rounds} done (load {load:.2f})", file=sys.stderr)
    return results


def run_dashboard(db: str, variants: list[str], seconds: float, rounds: int) -> list[str]:
    """Idle CPU of the whole dashboard per window, one line per window."""
    import shlex
    import shutil

    if shutil.which("tmux") is None:
        return ["tmux not installed: dashboard part skipped"]
    socket = f"watcher-bench-{os.getpid()}"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, check=False
        ).stdout

    lines = []
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(db))) as base:
        procs = {}
        try:
            for variant in variants:
                folder = os.path.join(base, variant)
                os.mkdir(folder)
                copy = os.path.join(folder, os.path.basename(db))
                shutil.copyfile(db, copy)
                child = ("--child", "dashboard", "--variant", variant, "--db", copy)
                command = shlex.join([sys.executable, "-m", "bench.watcher_bench", *child])
                key = shlex.quote(os.path.join(folder, "secret.key"))
                shell = f"cd {shlex.quote(root)} && CODEX_DASH_KEY_FILE={key} exec {command}"
                out = tmux(
                    "new-session", "-d", "-s", variant, "-x", "160", "-y", "50",
                    "-P", "-F", "#{pane_pid}", shell,
                )  # fmt: skip
                procs[variant] = psutil.Process(int(out.strip()))
            time.sleep(20)  # start-up and the first (counting) loads
            for variant in variants:
                if not tmux("capture-pane", "-p", "-t", variant).strip():
                    raise RuntimeError(f"the dashboard with {variant} shows nothing")
            for window in range(rounds):
                before = {v: p.cpu_times() for v, p in procs.items()}
                started = time.monotonic()
                time.sleep(seconds)
                wall = time.monotonic() - started
                cells = []
                for v, p in procs.items():
                    after = p.cpu_times()
                    used = (after.user - before[v].user) + (after.system - before[v].system)
                    cells.append(f"{v} {100 * used / wall:.2f} %")
                load = os.getloadavg()[0]
                lines.append(f"window {window + 1} (load {load:.2f}): " + ", ".join(cells))
                print(lines[-1], file=sys.stderr)
        finally:
            tmux("kill-server")
    return lines


def commit_once(db: str, con: sqlite3.Connection | None) -> float:
    own = con is None
    if own:
        con = sqlite3.connect(db)
    assert con is not None
    con.execute("INSERT INTO t (at, pad) VALUES (?, ?)", (time.time(), "x" * 200))
    con.commit()
    committed = time.monotonic()
    if own:
        con.close()
    return committed


def run_latency(
    variants: list[str], commits: int, rounds: int, writer: str
) -> dict[str, dict[str, Any]]:
    """Per variant: latencies (s), misses, early wakes, stop times, threads left alive."""
    out: dict[str, dict[str, Any]] = {
        v: {"lat": [], "missed": 0, "early": 0, "stop": [], "alive": 0} for v in variants
    }
    rng = random.Random(7)
    for round_no in range(rounds):
        with tempfile.TemporaryDirectory() as base:
            dbs, children, commits_at = {}, {}, {}
            for variant in variants:
                folder = os.path.join(base, variant)
                os.mkdir(folder)
                dbs[variant] = os.path.join(folder, "bench.db")
                make_database(dbs[variant])
                children[variant] = spawn(
                    "--child", "latency", "--variant", variant, "--db", dbs[variant]
                )
                commits_at[variant] = []
            for child in children.values():
                assert child.stdout is not None
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError("a latency child did not start")
            cons = {v: (sqlite3.connect(dbs[v]) if writer == "keep" else None) for v in variants}
            # each variant on its own clock: next commit 100-300 ms after its last one
            due = {v: time.monotonic() + rng.uniform(0.1, 0.3) for v in variants}
            left = dict.fromkeys(variants, commits)
            while due:
                variant = min(due, key=due.__getitem__)
                time.sleep(max(0.0, due[variant] - time.monotonic()))
                commits_at[variant].append(commit_once(dbs[variant], cons[variant]))
                left[variant] -= 1
                if left[variant]:
                    due[variant] = time.monotonic() + rng.uniform(0.1, 0.3)
                else:
                    del due[variant]
            time.sleep(0.5)
            for con in cons.values():
                if con is not None:
                    con.close()
            for variant, child in children.items():
                text, _ = child.communicate("stop\n", timeout=30)
                result = last_json(text)
                pair(commits_at[variant], result["wakes"], out[variant])
                out[variant]["stop"].append(result["stop_s"])
                out[variant]["alive"] += int(result["thread_alive"])
        load = os.getloadavg()[0]
        print(f"latency round {round_no + 1}/{rounds} done (load {load:.2f})", file=sys.stderr)
    return out


def pair(commits: list[float], wakes: list[float], into: dict[str, Any]) -> None:
    """Latency of each commit: its first callback at or after it and before the next commit
    (a callback up to 2 ms before it counts as 0: the watcher saw the -wal write before commit()
    returned in the writer)."""
    wakes = sorted(wakes)
    for i, at in enumerate(commits):
        end = commits[i + 1] if i + 1 < len(commits) else float("inf")
        early = [w for w in wakes if at - 0.002 <= w < at]
        after = [w for w in wakes if at <= w < end]
        if after:
            into["lat"].append(after[0] - at)
        elif early:
            into["early"] += 1
            into["lat"].append(0.0)
        else:
            into["missed"] += 1


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} % ({min(values):.3f}-{max(values):.3f})"


def report(
    variants: list[str],
    idle: dict[str, list[dict[str, Any]]],
    latency: dict[str, dict[str, Any]],
) -> str:
    base = (
        statistics.median(r["process_pct"] for r in idle.get("idle", []))
        if idle.get("idle")
        else 0.0
    )
    lines = [
        "| variant | idle CPU, process (% of a core) | above idle loop | other threads (psutil) "
        "| latency p50 | p95 | max | missed / early | stop() to run() end |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for v in variants:
        runs = idle.get(v, [])
        proc = [r["process_pct"] for r in runs]
        threads = [r["other_threads_pct"] for r in runs]
        lat = latency.get(v)
        cells = [
            v,
            spread(proc) if proc else "",
            f"{statistics.median(proc) - base:+.3f} %" if proc else "",
            f"{statistics.median(threads):.3f} %" if threads else "",
        ]
        if lat and lat["lat"]:
            ms = [x * 1000 for x in lat["lat"]]
            cells += [
                f"{pct(ms, 50):.1f} ms",
                f"{pct(ms, 95):.1f} ms",
                f"{max(ms):.1f} ms",
                f"{lat['missed']} / {lat['early']}",
                f"max {max(lat['stop']) * 1000:.0f} ms"
                + (f", {lat['alive']} threads left" if lat["alive"] else ""),
            ]
        else:
            cells += ["", "", "", "", ""]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=DEFAULT_VARIANTS)
    parser.add_argument("--seconds", type=float, default=30.0, help="idle window per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commits", type=int, default=60, help="per variant per round")
    parser.add_argument("--writer", choices=("keep", "reopen"), default="keep")
    parser.add_argument("--parts", default="idle,latency")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--dash-db", help="database for --parts dashboard (copied per variant)")
    parser.add_argument("--dash-variants", default="awatch-15,current")
    parser.add_argument("--child", choices=("idle", "latency", "dashboard"), help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args)
        return
    if args.quick:
        args.seconds, args.rounds, args.commits = 1.0, 1, 5
    variants = [v for v in args.variants.split(",") if v]
    parts = set(args.parts.split(","))
    load0 = os.getloadavg()
    idle = run_idle(variants, args.seconds, args.rounds) if "idle" in parts else {}
    watchers = [v for v in variants if v != "idle" and not v.startswith("sleep")]
    latency = (
        run_latency(watchers, args.commits, args.rounds, args.writer) if "latency" in parts else {}
    )
    dash_lines = []
    if "dashboard" in parts:
        if not args.dash_db:
            raise SystemExit("--parts dashboard needs --dash-db PATH")
        dash_variants = [v for v in args.dash_variants.split(",") if v]
        dash_lines = run_dashboard(args.dash_db, dash_variants, args.seconds, args.rounds)
    load1 = os.getloadavg()
    ran = []
    if idle:
        ran.append(f"idle: {args.rounds} x {args.seconds:.0f} s")
    if latency:
        ran.append(
            f"latency: {args.rounds} x {args.commits} commits a variant, writer {args.writer}"
        )
    if dash_lines:
        ran.append(f"dashboard: {args.rounds} windows of {args.seconds:.0f} s")
    print("; ".join([*ran, f"load average {load0[0]:.2f} -> {load1[0]:.2f}"]))
    if idle or latency:
        print(report(variants, idle, latency))
    for line in dash_lines:
        print(f"dashboard idle CPU, {line}")


if __name__ == "__main__":
    main()
