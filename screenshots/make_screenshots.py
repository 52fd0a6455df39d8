"""Render the dashboard's main views to SVG (Textual) and PNG (rsvg-convert, if installed).

    uv run python screenshots/make_screenshots.py

Uses the seeded demo database and a pinned clock, so the pictures change only when the app does.
PNG needs `rsvg-convert` (Debian: librsvg2-bin).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.seed import build_demo_database  # noqa: E402
from store import DatabaseConfig  # noqa: E402
from tui.app import CodexDashApp  # noqa: E402
from tui.automation import settle_and_press  # noqa: E402
from tui.gateway import DatabaseGateway  # noqa: E402

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent

# The agent's terminal (`v`) and an event in full (`enter` on the timeline) are made below, with
# still demo agents in real tmux sessions on a private server.
AGENT_VIEWS: list[tuple[str, tuple[int, int]]] = [
    ("agent-terminal-120x40", (120, 40)),
    ("agent-terminal-80x24", (80, 24)),
]
EVENT_VIEWS: list[tuple[str, tuple[int, int]]] = [
    ("event-detail-120x40", (120, 40)),
    ("event-detail-80x24", (80, 24)),
]

VIEWS: list[tuple[str, tuple[int, int], tuple[str, ...], bool]] = [
    ("main-120x40", (120, 40), ("down", "down", "down"), False),
    ("main-80x24", (80, 24), (), False),
    ("instance-120x40", (120, 40), ("enter",), False),
    ("status-dialog", (120, 40), ("s",), False),
    ("kill-confirm", (120, 40), ("K",), False),
    ("filter", (120, 40), ("slash", "r", "e", "v", "i", "e", "w"), False),
    ("filter-80x24", (80, 24), ("slash", "w", "o", "r", "k", "space", "1", "3"), False),
    ("help", (120, 40), ("question_mark",), False),
    ("read-only-monitor", (120, 40), (), True),
]


async def screenshot(app: CodexDashApp, size: tuple[int, int], keys: tuple[str, ...]) -> str:
    async with app.run_test(size=size) as pilot:
        await settle_and_press(*keys)(pilot)
        return app.export_screenshot(title="codex-dash")


def render(db_path: str, name: str, size: tuple[int, int], keys: tuple[str, ...], ro: bool) -> Path:
    config = DatabaseConfig(local_file=db_path, read_only=ro)
    app = CodexDashApp(DatabaseGateway(config), clock=lambda: NOW, watch=False)
    svg = asyncio.run(screenshot(app, size, keys))
    return write(name, svg)


def write(name: str, svg: str) -> Path:
    path = OUT / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


async def agent_terminal(app: CodexDashApp, size: tuple[int, int]) -> str:
    """`v` on the first row, once the still agent's screen (its input box) is shown."""
    async with app.run_test(size=size) as pilot:
        await settle_and_press()(pilot)
        await pilot.press("v")
        view = app.query_one("#terminal-view")
        for _ in range(300):
            if "? for shortcuts" in view.text(200).plain:
                break
            await pilot.pause(0.05)
        await settle_and_press()(pilot)
        return app.export_screenshot(title="codex-dash")


async def event_detail(app: CodexDashApp, size: tuple[int, int]) -> str:
    """`enter` on the third event of the first row's timeline."""
    async with app.run_test(size=size) as pilot:
        await settle_and_press()(pilot)
        app.query_one("#timeline").query_one("EventTable").focus()
        await settle_and_press("down", "down", "enter")(pilot)
        return app.export_screenshot(title="codex-dash")


def render_agent_views(db_path: str) -> list[tuple[Path, tuple[int, int]]]:
    from agents import tmux
    from demo.agents import PROJECT_ROOT
    from demo.seed import SEED_SESSION_PREFIX

    made: list[tuple[Path, tuple[int, int]]] = []
    socket = f"codex-screenshots-{os.getpid()}"
    if tmux.tmux_available():
        try:
            for instance_id in ("work-121-a1",):
                command = [sys.executable, "-m", "demo.fake_agent", instance_id, "--still"]
                command += ["--seed", "3"]
                tmux.new_session(
                    SEED_SESSION_PREFIX + instance_id,
                    command,
                    width=100,
                    height=30,
                    cwd=PROJECT_ROOT,
                    socket=socket,
                )
            for name, size in AGENT_VIEWS:
                config = DatabaseConfig(local_file=db_path)
                app = CodexDashApp(
                    DatabaseGateway(config), clock=lambda: NOW, watch=False, tmux_socket=socket
                )
                made.append((write(name, asyncio.run(agent_terminal(app, size))), size))
        finally:
            tmux.kill_server(socket=socket)
    else:
        print("tmux not found: no agent terminal pictures")
    for name, size in EVENT_VIEWS:
        app = CodexDashApp(
            DatabaseGateway(DatabaseConfig(local_file=db_path)), clock=lambda: NOW, watch=False
        )
        made.append((write(name, asyncio.run(event_detail(app, size))), size))
    return made


def main() -> int:
    converter = shutil.which("rsvg-convert")
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        os.environ.setdefault("CODEX_DASH_KEY_FILE", os.path.join(folder, "secret.key"))
        build_demo_database("claude-codex.db", seed=7, now=NOW)
        db_path = os.path.abspath("claude-codex.db")
        made = [(render(db_path, name, size, keys, ro), size) for name, size, keys, ro in VIEWS]
        made += render_agent_views(db_path)
        for svg, size in made:
            if converter:
                width = str(size[0] * 12)
                subprocess.run(
                    [converter, "-w", width, str(svg), "-o", str(svg.with_suffix(".png"))],
                    check=True,
                )
            print(f"wrote {svg.relative_to(ROOT)}" + (" and .png" if converter else ""))
    if not converter:
        print("rsvg-convert not found: SVG only (apt-get install librsvg2-bin for PNG)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
