"""The real dashboard at scale: 1,000 instances, 2,000 relationships, 1,000,000 events.

    uv run python -m bench.dash_bench [--quick] [--db PATH] [--store quick|full|none]

Prints one Markdown table, every figure beside a baseline measured in the same run (the machine is
shared: an absolute time means little on its own):

1. change-to-screen latency, idle: a separate process (bench.dash_writer) commits 200 changes (an
   event on a visible instance, a status change, a new instance) at random intervals; latency is
   from the writer's CLOCK_MONOTONIC after the commit returned to the dashboard's `on_applied` hook
   after the change was merged into the instances table (the frame follows at Textual's next
   refresh). Baseline: a bare watchfiles watcher with the dashboard's step/debounce, woken by the
   same commits in the same process (the floor the file notification sets).
2. the same while 4 more writer processes log 500 events a second in total;
3. idle CPU over 30 s of a real `codex-dash --db ...` process in tmux (psutil cpu_times), beside a
   minimal Textual app (one Label) in tmux over the same 30 s;
4. start-up, process start (just before `tmux new-session`) until `tmux capture-pane` shows a known
   instance id, and until the first frame; baseline: the minimal app's first frame; plus the
   in-process figure (App construction until the table has rows); and, where valgrind is
   installed (full run), the instructions both execute up to that frame (callgrind,
   bench.first_frame): a count that does not move with the machine's load;
5. peak RSS of the dashboard process (psutil, sampled) vs the minimal app;
6. key press to updated frame while the writers run (pilot: press until the state changed, plus
   one `pilot.pause()` refresh): cursor down, filter keystrokes, open an instance (until its
   first page of events is shown), back; baseline: the same pilot press on the minimal app
   under the same load;
7. the store's rows from bench.store_bench (store vs raw sqlite3, as ratios).

The database is copied to bench/out/ first (the writers change it) and the copy removed after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil

from store import DatabaseConfig

from . import store_bench
from .generate import generate

OUT_DIR = store_bench.OUT_DIR
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TERMINAL = (160, 50)


@dataclass(frozen=True, slots=True)
class Plan:
    """How much each part does; FULL is the documented run, QUICK a smoke run."""

    instances: int
    relationships: int
    events: int
    changes: int  # probe commits per latency row
    load_writers: int
    load_rate: float  # events a second, all load writers together
    idle_seconds: float
    startups: int  # tmux start-ups per app (median reported)
    key_presses: int  # cursor moves; filter and open are measured a few times each
    store_sizes: store_bench.Sizes | None
    count_instructions: bool  # start-up under callgrind too (~1 min; needs valgrind)
    settle_seconds: float = 3.0  # after the last tmux start-up, before idle CPU is measured


FULL = Plan(1000, 2000, 1_000_000, 200, 4, 500.0, 30.0, 3, 40, store_bench.FULL, True)
QUICK = Plan(100, 150, 20_000, 30, 4, 500.0, 5.0, 1, 10, store_bench.QUICK, False)


@dataclass(slots=True)
class Row:
    name: str
    value: str
    baseline: str
    target: str
    ok: bool | None  # None: for information

    @property
    def verdict(self) -> str:
        return "info" if self.ok is None else ("OK" if self.ok else "MISSED")


@dataclass(slots=True)
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def summary(values: list[float]) -> str:
    if not values:
        return "no samples"
    return f"p50 {ms(pct(values, 50))} · p95 {ms(pct(values, 95))} · max {ms(max(values))}"


# --- the database ---------------------------------------------------------------------------------


def source_database(plan: Plan, path: str | None) -> str:
    if path:
        return os.path.abspath(path)
    name = "events-1m-seed1.db" if plan.events == FULL.events else "dash-quick-seed1.db"
    cached = os.path.join(OUT_DIR, name)
    if not os.path.exists(cached):
        made = generate(
            cached,
            instances=plan.instances,
            relationships=plan.relationships,
            events=plan.events,
            seed=1,
        )
        print(f"generated {cached}: {made['events']:,} events in {made['seconds']:.1f} s")
    return cached


def copy_database(source: str, workdir: str) -> str:
    target = os.path.join(workdir, f"dash-bench-{os.getpid()}.db")
    remove_database(target)
    con = sqlite3.connect(source)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    shutil.copyfile(source, target)
    return target


def remove_database(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)


def instance_ids(db: str) -> list[str]:
    """Newest created first: the dashboard's default order, so the first ones are on screen.
    `db` is a file or a server URL (read through the store, as the dashboard does)."""
    from store import InstanceFilter, initialize_database

    store = initialize_database(DatabaseConfig(read_only=True).with_target(db))
    try:
        found = store.list_instances(InstanceFilter(order_by="created_at", order_direction="DESC"))
    finally:
        store.disconnect()
    return [r.id for r in sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)]


# --- writer processes -----------------------------------------------------------------------------


def spawn_writer(db: str, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.dash_writer", db, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"writer did not start: {line!r}")
    return proc


def stop_writer(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(Exception):
        assert proc.stdin is not None
        proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=5)


class LoadWriters:
    """`count` processes logging `rate` events a second in total on `ids`."""

    def __init__(self, db: str, count: int, rate: float, ids: list[str]) -> None:
        self.procs = [spawn_writer(db, "load", str(rate / count), *ids) for _ in range(count)]
        self.started = time.monotonic()

    def stop(self) -> None:
        for proc in self.procs:
            stop_writer(proc)


# --- in-process: change-to-screen, key presses ----------------------------------------------------


@dataclass(slots=True)
class Expect:
    kind: str
    instance_id: str
    value: Any
    seen_at: float | None = None


class Probe:
    """Sends one change at a time to the probe writer and notes when the dashboard applied it."""

    def __init__(self, app: Any, writer: subprocess.Popen[str]) -> None:
        self.app = app
        self.writer = writer
        self.expect: Expect | None = None
        self.seen = asyncio.Event()
        self.wakes: list[float] = []
        app.feed.on_applied = self._on_applied

    def _on_applied(self, _overview: Any) -> None:
        expect = self.expect
        if expect is None or expect.seen_at is not None:
            return
        if shown(self.app, expect):
            expect.seen_at = time.monotonic()
            self.seen.set()

    def on_wake(self) -> None:
        self.wakes.append(time.monotonic())

    async def change(
        self, command: str, expect: Expect, timeout: float = 10.0
    ) -> tuple[float, float]:
        """(dashboard latency, bare watcher latency) in seconds for one commit."""
        loop = asyncio.get_running_loop()
        self.expect = expect
        self.seen.clear()
        wakes_before = len(self.wakes)
        assert self.writer.stdin is not None and self.writer.stdout is not None
        self.writer.stdin.write(command + "\n")
        self.writer.stdin.flush()
        reply = await loop.run_in_executor(None, self.writer.stdout.readline)
        if not reply.startswith("ok "):
            raise RuntimeError(f"writer: {command!r} failed: {reply.strip()}")
        committed = float(reply.split()[1])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.seen.wait(), timeout)
        self.expect = None
        if expect.seen_at is None:
            raise RuntimeError(f"the dashboard never showed {command!r}")
        wake = next((t for t in self.wakes[wakes_before:] if t >= committed), None)
        deadline = loop.time() + 1.0
        while wake is None and loop.time() < deadline:
            await asyncio.sleep(0.005)
            wake = next((t for t in self.wakes[wakes_before:] if t >= committed), None)
        return expect.seen_at - committed, (wake - committed) if wake else float("nan")


def shown(app: Any, expect: Expect) -> bool:
    row = app.table.instance_rows.get(expect.instance_id)
    if row is None:
        return False
    if expect.kind == "event":
        return row.event_count >= expect.value
    if expect.kind == "status":
        return row.record.status == expect.value
    return app.table.get_row_index(expect.instance_id) >= 0  # "new": a row in the table


async def probe_changes(
    probe: Probe, visible: list[str], count: int, seed: int, tag: str
) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    created: dict[str, str] = {}  # id -> status, instances this run made
    latencies: list[float] = []
    wakes: list[float] = []
    for k in range(count):
        kind = rng.choices(("event", "status", "new"), (0.6, 0.2, 0.2))[0]
        if kind == "status" and not created:
            kind = "new"
        if kind == "event":
            iid = rng.choice(visible)
            before = probe.app.table.instance_rows[iid].event_count
            command, expect = f"event {iid}", Expect("event", iid, before + 1)
        elif kind == "status":
            iid = rng.choice(sorted(created))
            status = "waiting_review" if created[iid] == "started" else "started"
            created[iid] = status
            command, expect = f"status {iid} {status}", Expect("status", iid, status)
        else:
            iid = f"dash-{tag}-{os.getpid()}-{k}"
            created[iid] = "started"
            command, expect = f"new {iid}", Expect("new", iid, None)
        latency, wake = await probe.change(command, expect)
        latencies.append(latency)
        wakes.append(wake)
        await asyncio.sleep(rng.uniform(0.02, 0.25))
    return latencies, [w for w in wakes if w == w]


KEY_CHARS = {"slash": "/", "enter": "\r", "escape": "\x1b", "down": None}


async def timed_press(
    pilot: Any, key: str, done: Callable[[], bool], timeout: float = 10.0
) -> float:
    """Seconds from a key event reaching the app until `done()` holds and one frame is rendered.

    The key goes straight to the driver, as a terminal's would: `pilot.press` also waits for the
    process to go idle, which never happens quickly while writers keep the dashboard reloading.
    After `done()`, the widgets' pending messages are processed and the screen's update is
    composed (what `pilot.pause` does, without its wait for idle).
    """
    from textual import events

    app = pilot.app
    event = events.Key(key, KEY_CHARS.get(key, key if len(key) == 1 else None))
    event.set_sender(app)
    start = time.perf_counter()
    app._driver.send_message(event)
    deadline = start + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"pressing {key!r} changed nothing")
        await asyncio.sleep(0.0005)
    await pilot._wait_for_screen()
    app.screen._on_timer_update()
    return time.perf_counter() - start


async def dashboard_keys(app: Any, pilot: Any, plan: Plan) -> dict[str, list[float]]:
    from textual.widgets import Input

    from tui.screens.instance_screen import InstanceScreen

    table = app.table
    times: dict[str, list[float]] = {"cursor": [], "filter": [], "open": [], "back": []}
    table.move_cursor(row=0, animate=False)
    await pilot.pause()
    for _ in range(plan.key_presses):
        before = table.cursor_row
        times["cursor"].append(
            await timed_press(pilot, "down", lambda b=before: table.cursor_row == b + 1)
        )
    for _ in range(max(2, plan.key_presses // 10)):
        await timed_press(pilot, "slash", lambda: isinstance(app.focused, Input))
        typed = ""
        for char in "cod":
            typed += char
            times["filter"].append(
                await timed_press(pilot, char, lambda t=typed: table.filter_terms == [t])
            )
        total = len(table.instance_rows)
        times["filter"].append(
            await timed_press(pilot, "escape", lambda t=total: table.row_count == t)
        )
    main_screen = app.screen
    for _ in range(max(2, plan.key_presses // 10)):

        def opened() -> bool:
            screen = app.screen
            if not isinstance(screen, InstanceScreen):
                return False
            return getattr(screen, "_total", None) is not None  # its first page is shown

        times["open"].append(await timed_press(pilot, "enter", opened))
        times["back"].append(await timed_press(pilot, "escape", lambda: app.screen is main_screen))
        await pilot.press("down")
    return times


async def baseline_keys(plan: Plan) -> list[float]:
    from .dash_minimal_app import MinimalApp

    app = MinimalApp()
    times = []
    async with app.run_test(size=TERMINAL) as pilot:
        await pilot.pause()
        for _ in range(plan.key_presses):
            before = app.presses
            times.append(await timed_press(pilot, "down", lambda b=before: app.presses == b + 1))
    return times


_RUNS = itertools.count()


@dataclass(frozen=True, slots=True)
class LatencyTargets:
    """What the change-to-screen rows are held to, and what they are called."""

    idle: float = 0.060
    busy: float = 0.100
    label: str = "change-to-screen"
    keys: bool = True  # the key-press rows (once a run is enough)


async def in_process(
    db: str,
    plan: Plan,
    results: Results,
    *,
    writer_db: str | None = None,
    read_only: bool = False,
    targets: LatencyTargets = LatencyTargets(),
) -> None:
    """`db` is what the dashboard reads (a file, a server, a standby); the writers commit to
    `writer_db` (default: the same). The baseline wake is the dashboard's own kind of change
    source (change_source_for), bare, in the same process."""
    from tui.app import CodexDashApp
    from tui.gateway import DatabaseGateway
    from tui.live.change_source import change_source_for

    writer_db = writer_db or db
    config = DatabaseConfig(read_only=read_only).with_target(db)
    ids = instance_ids(db)
    visible = ids[:10]
    others = ids[10:] or ids  # every other instance, on screen or not
    started = time.perf_counter()
    app = CodexDashApp(DatabaseGateway(config))
    load: LoadWriters | None = None
    try:
        async with app.run_test(size=TERMINAL) as pilot:
            while app.table.row_count == 0 and time.perf_counter() - started < 60:
                await asyncio.sleep(0.002)
            startup = time.perf_counter() - started
            await app.wait_settled(timeout=30)
            await pilot.pause()
            writer = spawn_writer(writer_db, "probe")
            probe = Probe(app, writer)
            watcher = change_source_for(config, probe.on_wake)
            watch_task = asyncio.create_task(watcher.run())
            keys: dict[str, list[float]] = {}
            try:
                await asyncio.sleep(0.5)
                run = next(_RUNS)  # instances made by an earlier run in this process stay
                idle, idle_wake = await probe_changes(probe, visible, plan.changes, 11, f"i{run}")
                load = LoadWriters(writer_db, plan.load_writers, plan.load_rate, others)
                await asyncio.sleep(1.0)
                busy, busy_wake = await probe_changes(probe, visible, plan.changes, 12, f"b{run}")
                if targets.keys:
                    keys = await dashboard_keys(app, pilot, plan)
            finally:
                app.feed.on_applied = None
                watcher.stop()
                await asyncio.wait_for(watch_task, 5)
                stop_writer(writer)
            loads = app.feed.loads_completed
            for group in ("reload", "detail", "watch"):  # writers still run: no load at exit
                app.workers.cancel_group(app, group)
            await pilot.pause(0.1)
        base_keys = await baseline_keys(plan) if targets.keys else []  # under the same load
    finally:
        if load is not None:
            load.stop()
    results.rows += [
        Row(
            f"{targets.label}, idle ({len(idle)} commits)",
            summary(idle),
            "watcher wake " + summary(idle_wake),
            f"p95 <= {targets.idle * 1e3:.0f} ms",
            pct(idle, 95) <= targets.idle,
        ),
        Row(
            f"{targets.label}, {plan.load_writers} writers at {plan.load_rate:.0f} events/s",
            summary(busy),
            "watcher wake " + summary(busy_wake),
            f"p95 <= {targets.busy * 1e3:.0f} ms",
            pct(busy, 95) <= targets.busy,
        ),
    ]
    results.rows.append(
        Row(
            f"start-up in-process (App() to table rows), {targets.label}", ms(startup), "", "", None
        )
    )
    results.notes.append(f"in-process dashboard ({targets.label}) completed {loads} overview loads")
    if not targets.keys:
        return
    all_keys = [t for values in keys.values() for t in values]
    results.rows.append(
        Row(
            "key press to frame under load (all keys)",
            summary(all_keys),
            "minimal app " + summary(base_keys),
            "p95 <= 50 ms",
            pct(all_keys, 95) <= 0.050,
        )
    )
    for name, values in keys.items():
        results.rows.append(Row(f"  key: {name} ({len(values)})", summary(values), "", "", None))


# --- real processes in tmux: start-up, idle CPU, RSS ----------------------------------------------


class Tmux:
    """A private tmux server. Screens are read through one control-mode client (`tmux -C`):
    a `capture-pane` process per look cost ~3 ms of CPU, and looking every 5 ms took about half
    a core of this 2-core machine away from the start-up being measured."""

    def __init__(self) -> None:
        self.socket = f"dash-bench-{os.getpid()}"
        self._control: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        ).stdout

    def keep_server(self) -> None:
        """A session that outlives the measured ones: killing the server's last session makes
        the server exit, and a new-session racing that exit got no pane (a lost run). The
        control client attaches to it."""
        self.run("new-session", "-d", "-s", "keep", "sleep 3600")
        self._control = subprocess.Popen(
            ["tmux", "-L", self.socket, "-C", "attach-session", "-t", "keep"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
        )  # fmt: skip
        self._reply()  # the attach's own (empty) reply

    def start(self, name: str, command: list[str]) -> int:
        shell = "exec " + " ".join(_quote(part) for part in command)
        out = self.run(
            "new-session", "-d", "-s", name, "-x", str(TERMINAL[0]), "-y", str(TERMINAL[1]),
            "-c", ROOT, "-P", "-F", "#{pane_pid}", shell,
        )  # fmt: skip
        if not out.strip().isdigit():
            raise RuntimeError(f"tmux new-session {name!r} started no pane: {out!r}")
        return int(out.strip())

    def capture(self, name: str) -> str:
        if self._control is None or self._control.stdin is None:
            return self.run("capture-pane", "-p", "-t", name)
        self._control.stdin.write(f"capture-pane -p -t {name}\n".encode())
        return self._reply()

    def _reply(self) -> str:
        """The output block (%begin ... %end) of the control client's next command; the
        notifications around it (%output, %session-changed, ...) are skipped."""
        assert self._control is not None and self._control.stdout is not None
        lines: list[bytes] | None = None
        while True:
            line = self._control.stdout.readline()
            if not line:
                raise RuntimeError("the tmux control client ended")
            if line.startswith(b"%begin"):
                lines = []
            elif line.startswith((b"%end", b"%error")) and lines is not None:
                return b"".join(lines).decode(errors="replace")
            elif lines is not None:
                lines.append(line)

    def kill_session(self, name: str) -> None:
        self.run("kill-session", "-t", name)

    def kill_server(self) -> None:
        """The server and its socket file (tmux leaves it behind: one a run piled up in /tmp)."""
        socket_path = self.run("display-message", "-p", "#{socket_path}").strip()
        self.run("kill-server")
        if self._control is not None:
            if self._control.stdin is not None:
                self._control.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._control.wait(timeout=5)
            self._control = None
        if socket_path:
            with contextlib.suppress(OSError):
                os.unlink(socket_path)


def _quote(part: str) -> str:
    import shlex

    return shlex.quote(part)


def dash_command(db: str) -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "codex-dash")
    if os.path.exists(script):
        return [script, "--db", db]
    return [sys.executable, "-m", "tui.cli", "--db", db]


def minimal_command() -> list[str]:
    return [sys.executable, "-m", "bench.dash_minimal_app"]


@dataclass(slots=True)
class Started:
    pid: int
    first_frame: float
    ready: float
    peak_rss: int


def start_and_wait(tmux: Tmux, name: str, command: list[str], ready_text: str) -> Started:
    start = time.monotonic()
    pid = tmux.start(name, command)
    process = psutil.Process(pid)
    first = ready = None
    peak = 0
    deadline = start + 60
    while ready is None and time.monotonic() < deadline:
        screen = tmux.capture(name)
        now = time.monotonic()
        if first is None and screen.strip():
            first = now
        if ready_text in screen:
            ready = now
        with contextlib.suppress(psutil.Error):
            peak = max(peak, process.memory_info().rss)
        time.sleep(0.005)
    if first is None or ready is None:
        raise RuntimeError(f"{command[0]} showed no {ready_text!r} in 60 s: {tmux.capture(name)!r}")
    return Started(pid, first - start, ready - start, peak)


def startup_instructions(tmux: Tmux, db: str) -> tuple[int, int] | None:
    """Instructions (callgrind's Ir) from process start to the first frame with data, for
    codex-dash and the minimal app (bench.first_frame): the same count on a busy or an idle
    machine, so start-up's cost beside the baseline is exact where its milliseconds are not."""
    if shutil.which("valgrind") is None:
        return None
    counts = []
    for name, args in (("cg-dash", ["dash", db]), ("cg-minimal", ["minimal"])):
        out = os.path.join(tempfile.gettempdir(), f"{tmux.socket}-{name}.callgrind")
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            sys.executable, "-m", "bench.first_frame", *args,
        ]  # fmt: skip
        wait_for_exit(tmux.start(name, command), 600)
        try:
            with open(out) as f:
                total = next(int(line.split()[1]) for line in f if line.startswith("summary:"))
        except (OSError, StopIteration) as exc:
            raise RuntimeError(f"callgrind wrote no count for {name}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(out)
        counts.append(total)
    return counts[0], counts[1]


def wait_for_exit(pid: int, seconds: float) -> bool:
    """Whether the process (a tmux pane's, not our child) ended within `seconds`. Polled:
    psutil's wait on a process that is not our child hung here once."""
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def compile_bytecode() -> str:
    """Start-up depends on whether .pyc files exist: without them (an install that did not compile
    them, and PYTHONDONTWRITEBYTECODE=1 as on this VM) every start compiles the sources again,
    about 0.5 s for Textual here. uv compiles the installed packages (pyproject: compile-bytecode);
    the project's own modules, installed editable, are compiled here as an install would."""
    import compileall
    import importlib.util

    import textual.app

    for package in ("store", "migrations", "tui", "agents", "demo"):
        compileall.compile_dir(os.path.join(ROOT, package), quiet=2)
    cached = os.path.exists(importlib.util.cache_from_source(textual.app.__file__))
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE") or "unset"
    return (
        f"bytecode: Textual's compiled at install: {'yes' if cached else 'NO'}; the project's "
        f"compiled before the start-ups (PYTHONDONTWRITEBYTECODE={flag})"
    )


def in_tmux(db: str, plan: Plan, results: Results, *, label: str = "") -> float | None:
    """Start-up, idle CPU and RSS of `codex-dash --db DB` (a file or a server URL) beside the
    minimal app; returns the median start-up to data (seconds), None without tmux."""
    if shutil.which("tmux") is None:
        results.notes.append("tmux not installed: start-up, idle CPU and RSS rows skipped")
        return None
    on = f", {label}" if label else ""
    ready_id = instance_ids(db)[0][:14]
    from .dash_minimal_app import READY_TEXT

    results.notes.append(compile_bytecode())
    tmux = Tmux()
    try:
        tmux.keep_server()
        dash_runs, base_runs = [], []
        for k in range(plan.startups):
            # interleaved, so drift in the machine's load hits both
            base_runs.append(start_and_wait(tmux, f"m{k}", minimal_command(), READY_TEXT))
            dash_runs.append(start_and_wait(tmux, f"d{k}", dash_command(db), ready_id))
            if k < plan.startups - 1:
                tmux.kill_session(f"m{k}")
                tmux.kill_session(f"d{k}")
        dash, base = psutil.Process(dash_runs[-1].pid), psutil.Process(base_runs[-1].pid)
        time.sleep(plan.settle_seconds)  # past the start-up loads
        peaks = {dash.pid: max(r.peak_rss for r in dash_runs), base.pid: 0}
        peaks[base.pid] = max(r.peak_rss for r in base_runs)
        before = {p.pid: p.cpu_times() for p in (dash, base)}
        start = time.monotonic()
        while time.monotonic() - start < plan.idle_seconds:
            for p in (dash, base):
                peaks[p.pid] = max(peaks[p.pid], p.memory_info().rss)
            time.sleep(0.25)
        wall = time.monotonic() - start
        cpu = {}
        for p in (dash, base):
            after = p.cpu_times()
            used = (after.user - before[p.pid].user) + (after.system - before[p.pid].system)
            cpu[p.pid] = 100.0 * used / wall
        work = startup_instructions(tmux, db) if plan.count_instructions else None
    finally:
        tmux.kill_server()
    median = statistics.median
    if work is not None:
        dash_work, base_work = work
        ratio = dash_work / base_work
        results.rows.append(
            Row(
                "start-up work to the first data frame (instructions, callgrind)",
                f"{dash_work / 1e6:,.1f} M",
                f"minimal app {base_work / 1e6:,.1f} M · ratio {ratio:.2f}x",
                "",
                None,
            )
        )
        results.notes.append(
            f"start-up takes {ratio:.2f} times the minimal app's instructions: 500 ms is met "
            f"while the minimal app starts in <= {500 / ratio:.0f} ms"
        )
    elif plan.count_instructions:
        results.notes.append("valgrind not installed: the start-up instructions row skipped")
    results.rows += [
        Row(
            f"idle CPU over {plan.idle_seconds:.0f} s (% of one core){on}",
            f"{cpu[dash.pid]:.2f} %",
            f"minimal app {cpu[base.pid]:.2f} %",
            "<= 0.5 %",
            cpu[dash.pid] <= 0.5,
        ),
        Row(
            f"start-up to data, tmux (median of {plan.startups}){on}",
            f"{ms(median(r.ready for r in dash_runs))} (max {ms(max(r.ready for r in dash_runs))})",
            f"minimal app first frame {ms(median(r.first_frame for r in base_runs))} "
            f"(max {ms(max(r.first_frame for r in base_runs))})",
            "<= 500 ms",
            median(r.ready for r in dash_runs) <= 0.5,
        ),
        Row(
            f"start-up to first frame, tmux (median of {plan.startups}){on}",
            ms(median(r.first_frame for r in dash_runs)),
            f"minimal app {ms(median(r.first_frame for r in base_runs))}",
            "",
            None,
        ),
        Row(
            f"peak RSS (sampled){on}",
            f"{peaks[dash.pid] / 2**20:.0f} MB",
            f"minimal app {peaks[base.pid] / 2**20:.0f} MB",
            "<= 150 MB",
            peaks[dash.pid] <= 150 * 2**20,
        ),
    ]
    return median(r.ready for r in dash_runs)


# --- the store ------------------------------------------------------------------------------------


def store_rows(plan: Plan, sizes: store_bench.Sizes | None, results: Results, workdir: str) -> None:
    if sizes is None:
        return
    name = "events-1m-seed1.db" if sizes is store_bench.FULL else "quick-seed1.db"
    path = os.path.join(OUT_DIR, name)
    store_bench.ensure_database(path, sizes)
    for row in store_bench.run_benchmarks(path, sizes=sizes, workdir=workdir):
        target = "" if row.target is None else f"ratio >= {row.target:.1f}x"
        results.rows.append(
            Row(
                f"store: {row.name}",
                f"{store_bench._duration(row.store_s)}/{row.unit}",
                f"raw sqlite3 {store_bench._duration(row.raw_s)}/{row.unit} ({row.ratio:.2f}x)",
                target,
                None if row.target is None else row.ratio >= row.target,
            )
        )


# --- output ---------------------------------------------------------------------------------------


def format_table(rows: list[Row]) -> str:
    lines = [
        "| measure | codex-dash | baseline (same run) | target | result |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.name} | {r.value} | {r.baseline} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def run(
    db_source: str,
    plan: Plan,
    *,
    workdir: str = OUT_DIR,
    store_sizes: store_bench.Sizes | None = None,
    parts: tuple[str, ...] = ("live", "tmux", "store"),
) -> Results:
    """Every part once on a copy of `db_source`; the copy is removed afterwards."""
    os.makedirs(workdir, exist_ok=True)
    results = Results()
    db = copy_database(db_source, workdir)
    try:
        if "live" in parts:
            asyncio.run(in_process(db, plan, results))
        if "tmux" in parts:
            in_tmux(db, plan, results)
    finally:
        remove_database(db)
    if "store" in parts:
        store_rows(plan, store_sizes, results, workdir)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--db", help="database to copy and run on (default: generated, cached)")
    parser.add_argument(
        "--store", choices=("quick", "full", "none"), help="store rows (default: as --quick)"
    )
    parser.add_argument(
        "--parts", default="live,tmux,store", help="comma-separated: live, tmux, store"
    )
    parser.add_argument("--changes", type=int, help="probe commits per latency row")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.changes:
        plan = dataclasses.replace(plan, changes=args.changes)
    store_choice = args.store or ("quick" if args.quick else "full")
    sizes = {"quick": store_bench.QUICK, "full": store_bench.FULL, "none": None}[store_choice]
    source = source_database(plan, args.db)
    machine = store_bench.machine_info()
    with tempfile.TemporaryDirectory(prefix="dash-bench-") as scratch:
        results = run(
            source,
            plan,
            workdir=OUT_DIR if not args.quick else scratch,
            store_sizes=sizes,
            parts=tuple(p.strip() for p in args.parts.split(",") if p.strip()),
        )
    after = store_bench.machine_info()["load average (1, 5, 15 min)"]
    print(f"command: python -m bench.dash_bench {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(f"database: {source} ({os.path.getsize(source) / 1e6:.1f} MB), copied for the run")
    print(store_bench.format_machine(machine) + f"\n- load average after: {after}")
    for note in results.notes:
        print(f"- {note}")
    print()
    print(format_table(results.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
