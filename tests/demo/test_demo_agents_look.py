"""The demo's agents look like Claude agents in a real tmux pane, show their instance's status,
and the simulator makes one ask for review within the first minute (a newcomer's notification)."""

from __future__ import annotations

import random
import sys

from demolab import NOW, needs_tmux, open_db, wait_for

from agents import tmux
from demo import build_demo_database
from demo.agents import PROJECT_ROOT
from demo.simulator import Simulator
from store import InstanceFilter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@needs_tmux
def test_a_demo_agent_reads_like_claude_code_and_shows_waiting(demo_socket: str, tmp_path) -> None:
    info = build_demo_database(str(tmp_path / "claude-codex.db"), now=NOW)
    with open_db(info.path) as db:
        started = db.list_instances(InstanceFilter(statuses=["started"]))[0]
        command = [sys.executable, "-m", "demo.fake_agent", started.id, "--seed", "1"]
        command += ["--db", info.path]
        tmux.new_session(
            "agent", command, width=100, height=30, cwd=PROJECT_ROOT, socket=demo_socket
        )

        def screen() -> str:
            return tmux.capture_pane("agent", socket=demo_socket)

        assert wait_for(lambda: "└" in screen(), timeout=15), screen()
        text = screen()
        for expected in ("Welcome to Claude Code", "esc to interrupt", "? for shortcuts", "╭"):
            assert expected in text, (expected, text)
        assert text.count("? for shortcuts") == 1  # the footer is redrawn in place, not repeated
        db.update_instance_status(started.id, "waiting_review")
        assert wait_for(lambda: "Waiting for review" in screen(), timeout=10), screen()
        assert "esc to interrupt" not in screen()


def test_the_simulator_asks_for_a_review_within_the_first_minute(tmp_path) -> None:
    info = build_demo_database(str(tmp_path / "claude-codex.db"), now=NOW)
    clock = Clock()
    with open_db(info.path) as db:
        waiting_before = {
            i.id for i in db.list_instances(InstanceFilter(statuses=["waiting_review"]))
        }
        sim = Simulator(db, rate=3, rng=random.Random(5), clock=clock)
        sim._next_status = sim._next_spawn = 1e9  # nothing else moves: only the first wait
        while clock.now < 60:
            clock.now += 1.0
            sim.step()
        waiting = {i.id for i in db.list_instances(InstanceFilter(statuses=["waiting_review"]))}
        assert len(waiting - waiting_before) == 1
