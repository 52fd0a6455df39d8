"""Seeing the agents: preview latency, the idle cost of 100 agents, commit to notification.

    uv run python -m bench.agents_bench [--quick] [--parts preview,idle,notify]

Prints one Markdown table; each figure beside a baseline measured in the same run:

1. agent output to the preview on screen: an agent in a real tmux session prints `MARK n` lines
   at random 40-250 ms intervals; a headless Textual app follows it with agents.follower and a
   TerminalView. Latency is from the moment the follower's control client read the `%output`
   holding MARK n (the baseline: the earliest the dashboard can know) to the first frame
   (App._display) whose TerminalView shows it. For context, the agent's own write (its
   CLOCK_MONOTONIC, printed in the mark) to that `%output` arrival: tmux's part.
2. 100 agents in real tmux sessions, idle: CPU of this process (the follower and its app side),
   of the control client and of the tmux server over `--idle-seconds`, with nothing selected and
   with one idle agent selected; and the processes this process started meanwhile (every
   subprocess.Popen counted: tmux commands would show here), which must be 0.
3. a commit that makes an instance need a person, to its notification: a writer process
   (bench.dash_writer probe) moves an instance to waiting_review and prints its commit time; the
   real dashboard (headless, its own watcher and loader) is timed to its Notifier.notify call.
   Baseline: the dashboard's watcher callback for the same commit (the file-notification floor).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil

from agents import tmux
from agents.follower import PaneFollower, PaneGone, PaneScreen, Update

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER_AGENT = (
    "import random, sys, time\n"
    "rng = random.Random(7)\n"
    "print('agent ready', flush=True)\n"
    "time.sleep(1.0)\n"
    "for n in range(int(sys.argv[1])):\n"
    "    time.sleep(rng.uniform(0.04, 0.25))\n"
    "    print(f'\\033[32m● Bash\\033[0m MARK {n} {time.monotonic():.6f}', flush=True)\n"
    "time.sleep(600)\n"
)


@dataclass(slots=True)
class Row:
    what: str
    measured: str
    baseline: str
    target: str
    verdict: str


@dataclass(slots=True)
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(values: list[float]) -> str:
    return f"p50 {ms(pct(values, 50))} · p95 {ms(pct(values, 95))} · max {ms(max(values))}"


class PopenCounter:
    """Counts every process this process starts while active (tmux commands included)."""

    def __init__(self) -> None:
        self.count = 0
        self._original: Any = None

    def __enter__(self) -> PopenCounter:
        original = subprocess.Popen.__init__
        counter = self

        def counting(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
            counter.count += 1
            original(self, *args, **kwargs)

        self._original = original
        subprocess.Popen.__init__ = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.Popen.__init__ = self._original  # type: ignore[method-assign]


# --- 1. preview latency -------------------------------------------------------------------------


async def preview_latency(socket: str, marks: int) -> tuple[list[float], list[float]]:
    """(output arrival -> frame, agent write -> output arrival) for each mark, in seconds."""
    from textual.app import App, ComposeResult

    from tui.widgets.terminal_view import TerminalView

    session = "marker"
    command = [sys.executable, "-c", MARKER_AGENT, str(marks)]
    tmux.new_session(session, command, width=100, height=30, socket=socket)
    arrivals: dict[int, float] = {}
    written: dict[int, float] = {}
    shown: dict[int, float] = {}

    def on_output(pane: str, data: bytes, at: float) -> None:
        for part in data.split(b"MARK ")[1:]:
            fields = part.split()
            with contextlib.suppress(ValueError, IndexError):
                n = int(fields[0])
                arrivals.setdefault(n, at)
                written.setdefault(n, float(fields[1]))

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield TerminalView(id="term")

    app = Host()

    def deliver(update: Update) -> None:
        app.call_from_thread(show, update)

    def show(update: Update) -> None:
        view = app.query_one(TerminalView)
        if isinstance(update, PaneScreen):
            view.show_screen(update)
        elif isinstance(update, PaneGone):
            view.show_gone(update)

    async with app.run_test(size=(110, 40)) as pilot:
        view = app.query_one(TerminalView)
        display = app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            now = time.monotonic()
            text = view.text(view.size.width or 100).plain
            for line in text.splitlines()[-30:]:
                if "MARK " in line:
                    with contextlib.suppress(ValueError, IndexError):
                        shown.setdefault(int(line.split("MARK ")[1].split()[0]), now)

        app._display = timed_display  # type: ignore[method-assign]
        follower = PaneFollower(deliver, socket=socket, on_output=on_output)
        try:
            follower.follow(session)
            deadline = time.monotonic() + marks * 0.3 + 20
            while len(shown) < marks and time.monotonic() < deadline:
                await pilot.pause(0.1)
        finally:
            follower.close()
    latencies = [shown[n] - arrivals[n] for n in shown if n in arrivals]
    tmux_leg = [arrivals[n] - written[n] for n in arrivals if n in written]
    return latencies, tmux_leg


# --- 2. idle cost of 100 agents -----------------------------------------------------------------


@dataclass(slots=True)
class IdleFigures:
    own_cpu: float  # fraction of one core
    client_cpu: float
    server_cpu: float
    popens: int
    captures: int


def cpu_seconds(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def server_process(socket: str) -> psutil.Process | None:
    result = tmux._run(["display-message", "-p", "#{pid}"], socket=socket)
    try:
        return psutil.Process(int(result.stdout.strip()))
    except (ValueError, psutil.Error):
        return None


def start_agents(socket: str, count: int) -> list[str]:
    names = []
    for index in range(count):
        name = f"agent-{index:03d}"
        script = f"printf '\\033[32m●\\033[0m agent {index} waiting for input\\n'; exec sleep 3600"
        tmux.new_session(name, ["sh", "-c", script], width=100, height=30, socket=socket)
        names.append(name)
    return names


def measure_idle(follower: PaneFollower, socket: str, seconds: float) -> IdleFigures:
    client = psutil.Process(follower._proc.pid) if follower._proc is not None else None
    server = server_process(socket)
    me = psutil.Process()
    captures: list[Update] = []
    previous = follower.on_update
    follower.on_update = captures.append
    before = (cpu_seconds(me), cpu_seconds(client), cpu_seconds(server))
    with PopenCounter() as counter:
        time.sleep(seconds)
    after = (cpu_seconds(me), cpu_seconds(client), cpu_seconds(server))
    follower.on_update = previous
    own, cl, sv = (b - a for a, b in zip(before, after, strict=True))
    return IdleFigures(own / seconds, cl / seconds, sv / seconds, counter.count, len(captures))


def idle_cost(socket: str, agents: int, seconds: float, results: Results) -> None:
    names = start_agents(socket, agents)
    ready: list[Update] = []
    follower = PaneFollower(ready.append, socket=socket)
    try:
        follower.follow(names[0])
        deadline = time.monotonic() + 10
        while not ready and time.monotonic() < deadline:
            time.sleep(0.05)
        follower.follow(names[1])  # a selection move: the same client switches
        time.sleep(1.0)
        selected = measure_idle(follower, socket, seconds)
        follower.follow(None)
        time.sleep(0.5)
        nothing = measure_idle(follower, socket, seconds)
    finally:
        follower.close()
    for label, figures in (("nothing selected", nothing), ("one idle agent selected", selected)):
        total = figures.own_cpu + figures.client_cpu
        results.rows.append(
            Row(
                f"{agents} agents in tmux, idle, {label}: CPU (dashboard side + its control client)",
                f"{total * 100:.2f} % of a core (this process {figures.own_cpu * 100:.2f} %, "
                f"client {figures.client_cpu * 100:.2f} %)",
                f"tmux server {figures.server_cpu * 100:.2f} % over the same {seconds:g} s",
                "<= 0.5 %",
                "met" if total <= 0.005 else "NOT met",
            )
        )
        results.rows.append(
            Row(
                f"{agents} agents, idle, {label}: processes started per second",
                f"{figures.popens / seconds:.2f} /s ({figures.popens} in {seconds:g} s; "
                f"{figures.captures} captures)",
                f"{follower.clients_started} control client started in the whole run",
                "0",
                "met" if figures.popens == 0 else "NOT met",
            )
        )


async def app_idle(socket: str, agents: int, seconds: float, results: Results) -> None:
    """The real dashboard (headless, in this process) over N agents in real tmux sessions, idle:
    preview off (the baseline), then `v` on an idle agent."""
    import shutil
    import tempfile

    from demo.seed import build_demo_database
    from store import DatabaseConfig
    from tui.app import CodexDashApp
    from tui.gateway import DatabaseGateway

    folder = tempfile.mkdtemp(prefix="codex-bench-idle-")
    try:
        db = os.path.join(folder, "claude-codex.db")
        build_demo_database(db, seed=7)
        add_working_instances(db, agents, session=lambda n: f"agent-{n:03d}")
        start_agents(socket, agents)
        app = CodexDashApp(DatabaseGateway(DatabaseConfig(local_file=db)), tmux_socket=socket)
        me = psutil.Process()
        async with app.run_test(size=(120, 40)) as pilot:
            await app.wait_settled(30)
            await pilot.pause(2.0)  # past start-up work (counts, the instance screen composed)

            async def measure() -> tuple[float, float, int]:
                follower = app.preview.follower
                client = (
                    psutil.Process(follower._proc.pid)
                    if follower is not None and follower._proc is not None
                    else None
                )
                before = (cpu_seconds(me), cpu_seconds(client))
                with PopenCounter() as counter:
                    await asyncio.sleep(seconds)
                after = (cpu_seconds(me), cpu_seconds(client))
                return after[0] - before[0], after[1] - before[1], counter.count

            off = await measure()
            app.table.move_cursor(row=app.table.get_row_index("bench-000"), animate=False)
            await pilot.press("v")
            deadline = time.monotonic() + 15
            view = app.query_one("#terminal-view")
            while "agent 0 waiting" not in view.text(200).plain and time.monotonic() < deadline:
                await pilot.pause(0.05)
            await pilot.pause(1.0)
            on = await measure()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for label, (own, client, popens) in (("preview off", off), ("v on an idle agent", on)):
        results.rows.append(
            Row(
                f"the dashboard over {agents} agents in tmux, idle, {label}: CPU and processes",
                f"{(own + client) / seconds * 100:.2f} % of a core (app {own / seconds * 100:.2f}"
                f" %, control client {client / seconds * 100:.2f} %); "
                f"{popens} processes started in {seconds:g} s",
                "the same app with the preview off (first line)",
                "agents' share <= 0.5 %; 0 processes/s",
                "met" if popens == 0 else "NOT met",
            )
        )
    if on and off:
        extra = ((on[0] + on[1]) - (off[0] + off[1])) / seconds
        results.rows.append(
            Row(
                f"what following an idle agent adds ({agents} agents)",
                f"{extra * 100:+.2f} % of a core",
                "preview off, same run",
                "<= 0.5 %",
                "met" if extra <= 0.005 else "NOT met",
            )
        )


# --- 3. commit to notification ------------------------------------------------------------------


async def commit_to_notification(db: str, probes: int) -> tuple[list[float], list[float]]:
    """(commit -> notify, commit -> change source callback) in seconds, through the real app."""
    from store import DatabaseConfig
    from tui.app import CodexDashApp
    from tui.gateway import DatabaseGateway

    from .dash_bench import spawn_writer, stop_writer

    app = CodexDashApp(DatabaseGateway(DatabaseConfig(local_file=db)))
    notified: list[float] = []
    woken: list[float] = []
    request = app.feed.request_reload

    def timed_request(force: bool = False) -> None:  # what the change source calls on a commit
        woken.append(time.monotonic())
        request(force)

    app.feed.request_reload = timed_request  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await app.wait_settled(30)
        while not app.needs_you._counted:  # start-up state is learnt, not announced
            await pilot.pause(0.05)
        notifier = app.needs_you.notifier
        sent = notifier.notify

        def timed(need: Any, message: str) -> bool:
            notified.append(time.monotonic())
            return sent(need, message)

        notifier.notify = timed  # type: ignore[method-assign]
        overview = app.feed.overview
        assert overview is not None
        needing = app.needs_you.tracker.needs  # already needing a person: no new transition
        started = [
            r.id
            for r in overview.rows.values()
            if r.record.status == "started" and r.id not in needing
        ]
        writer = spawn_writer(db, "probe")
        latencies: list[float] = []
        floors: list[float] = []
        try:
            assert writer.stdout is not None and writer.stdin is not None
            loop = asyncio.get_running_loop()
            rng = random.Random(3)
            for iid in rng.sample(started, min(probes, len(started))):
                await pilot.pause(rng.uniform(0.15, 0.4))
                notified.clear()
                woken.clear()
                writer.stdin.write(f"status {iid} waiting_review\n")
                writer.stdin.flush()
                answer = (await loop.run_in_executor(None, writer.stdout.readline)).split()
                if not answer or answer[0] != "ok":
                    continue
                committed = float(answer[1])
                deadline = time.monotonic() + 5
                while not notified and time.monotonic() < deadline:
                    await asyncio.sleep(0.001)
                if notified:
                    latencies.append(notified[0] - committed)
                after = [t for t in woken if t >= committed]
                if after:
                    floors.append(after[0] - committed)
        finally:
            stop_writer(writer)
    return latencies, floors


# --- the run ------------------------------------------------------------------------------------


def run(parts: tuple[str, ...], quick: bool, idle_seconds: float) -> Results:
    results = Results()
    socket = f"codex-bench-agents-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        if "preview" in parts:
            marks = 40 if quick else 200
            latencies, tmux_leg = asyncio.run(preview_latency(socket, marks))
            tmux.kill_server(socket=socket)
            if latencies:
                results.rows.append(
                    Row(
                        f"agent output to the preview on screen ({len(latencies)} marks)",
                        summary(latencies),
                        f"%output arrival (t=0); agent write to %output: {summary(tmux_leg)}",
                        "p95 <= 50 ms",
                        "met" if pct(latencies, 95) <= 0.050 else "NOT met",
                    )
                )
            else:
                results.notes.append("preview: no mark was shown")
        if "idle" in parts:
            idle_cost(socket, 20 if quick else 100, idle_seconds, results)
            tmux.kill_server(socket=socket)
        if "app-idle" in parts:
            asyncio.run(app_idle(socket, 20 if quick else 100, idle_seconds, results))
            tmux.kill_server(socket=socket)
        if "notify" in parts:
            notify_part(quick, results)
    finally:
        tmux.kill_server(socket=socket)
    return results


def notify_part(quick: bool, results: Results) -> None:
    import shutil
    import tempfile

    from demo.seed import build_demo_database

    folder = tempfile.mkdtemp(prefix="codex-bench-notify-")
    try:
        db = os.path.join(folder, "claude-codex.db")
        build_demo_database(db, seed=7)
        probes = 12 if quick else 60
        add_working_instances(db, probes)
        latencies, floors = asyncio.run(commit_to_notification(db, probes))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if latencies:
        results.rows.append(
            Row(
                f"commit (instance -> waiting_review) to its notification ({len(latencies)})",
                summary(latencies),
                f"commit to the change source's wake-up: {summary(floors)}" if floors else "—",
                "p95 <= 100 ms",
                "met" if pct(latencies, 95) <= 0.100 else "NOT met",
            )
        )
    else:
        results.notes.append("notify: no notification arrived")


def add_working_instances(db: str, count: int, session: Callable[[int], str] | None = None) -> None:
    """Working (started) instances `bench-NNN` (for the probes to move to waiting_review, or
    pointing at the idle part's agent sessions)."""
    from store import DatabaseConfig, InstanceRecord, initialize_database

    with initialize_database(DatabaseConfig(local_file=db)) as store:
        for n in range(count):
            iid = f"bench-{n:03d}"
            store.create_instance(
                InstanceRecord(
                    id=iid,
                    type="coding",
                    status="started",
                    worktree_path=f"/tmp/worktrees/{iid}",
                    branch_name=f"bench/{iid}",
                    tmux_session=session(n) if session else f"codex-{iid}",
                )
            )


def format_table(rows: list[Row]) -> str:
    lines = [
        "| what | measured | baseline (same run) | target | verdict |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.what} | {r.measured} | {r.baseline} | {r.target} | {r.verdict} |" for r in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.agents_bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer marks and agents")
    parser.add_argument("--parts", default="preview,idle,app-idle,notify")
    parser.add_argument("--idle-seconds", type=float, default=None)
    args = parser.parse_args(argv)
    if not tmux.tmux_available():
        print("tmux is not installed: nothing to measure", file=sys.stderr)
        return 2
    idle = args.idle_seconds or (3.0 if args.quick else 20.0)
    results = run(tuple(args.parts.split(",")), args.quick, idle)
    print(format_table(results.rows))
    for note in results.notes:
        print(f"\n- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
