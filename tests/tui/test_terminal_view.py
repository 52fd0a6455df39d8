"""The terminal view fed by a real PaneFollower on a real tmux session, and the event detail screen,
each in a small host app (the dashboard wires them in its own tests)."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from textual.app import App, ComposeResult

from agents import tmux
from agents.follower import PaneFollower, PaneGone, PaneScreen, Update
from store import MCPEventRecord
from tui.screens.event_detail import EventDetailScreen, metadata_text
from tui.widgets.field_list import FieldList
from tui.widgets.terminal_view import TerminalView, ansi_line, trim_blank_tail

pytestmark = pytest.mark.anyio

PRINTER = (
    "import time\n"
    "for i in range(1, 100000):\n"
    "    print(f'\\033[32m● Bash\\033[0m step {i}', flush=True)\n"
    "    time.sleep(0.1)\n"
)


class Host(App[None]):
    def __init__(self, socket: str) -> None:
        super().__init__()
        self.socket = socket
        self.follower: PaneFollower | None = None

    def compose(self) -> ComposeResult:
        yield TerminalView(id="term")

    def on_mount(self) -> None:
        self.follower = PaneFollower(self._from_thread, socket=self.socket)

    def _from_thread(self, update: Update) -> None:
        self.call_from_thread(self._show, update)

    def _show(self, update: Update) -> None:
        view = self.query_one(TerminalView)
        if isinstance(update, PaneScreen):
            view.show_screen(update)
        elif isinstance(update, PaneGone):
            view.show_gone(update)

    def on_unmount(self) -> None:
        if self.follower is not None:
            self.follower.close()


def test_ansi_lines() -> None:
    text = ansi_line("\x1b[31mred\x1b[39m plain   ")
    assert text.plain == "red plain"
    assert str(text.spans[0].style) == "color(1)"  # ANSI red
    assert trim_blank_tail(("a", "", "b", "", "  ")) == ["a", "", "b"]


async def test_the_view_follows_a_real_session_in_colour_and_says_when_it_is_gone(
    tmux_socket: str,
) -> None:
    name = f"agent-{uuid.uuid4().hex[:6]}"
    tmux.new_session(name, [sys.executable, "-c", PRINTER], width=80, height=12, socket=tmux_socket)
    app = Host(tmux_socket)
    async with app.run_test(size=(90, 16)) as pilot:
        view = app.query_one(TerminalView)
        assert app.follower is not None
        app.follower.follow(name)

        async def until(predicate, timeout: float = 10.0) -> bool:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if predicate():
                    return True
                await pilot.pause(0.05)
            return predicate()

        assert await until(lambda: "step 3" in view.text(80).plain)
        first = view.frames
        assert await until(lambda: view.frames >= first + 3)  # it keeps following
        shown = view.text(80)
        assert any(str(span.style) == "color(2)" for span in shown.spans)  # ANSI green
        # Sticks to the bottom: the newest step is on screen.
        newest = max(int(line.split()[-1]) for line in shown.plain.splitlines() if "step" in line)
        assert f"step {newest}" in view.text(80).plain
        history = app.follower.scrollback()
        assert history is not None and "step 1\n" in history + "\n"
        view.show_history(history)
        assert view.find("step 1") >= 1 and view.history
        before = view.text(80).plain
        await pilot.pause(0.3)
        assert view.text(80).plain == before  # live captures wait while the scrollback is open
        view.close_history()
        tmux.kill_session(name, socket=tmux_socket)
        assert await until(lambda: view.gone is not None)
        assert "ended" in view.text(80).plain


def event() -> MCPEventRecord:
    return MCPEventRecord(
        id=42,
        instance_id="work-1",
        tool_name="git_commit",
        success=False,
        error_message="pre-commit hook failed:\n" + "x" * 300 + "\nlast line of the error",
        metadata={"files": ["a.py", "b.py"], "duration_ms": 1200, "nested": {"ok": False}},
        git_commit_hash="0123456789abcdef0123456789abcdef01234567",
        status_change="waiting_review",
        timestamp=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_metadata_is_pretty_and_highlighted() -> None:
    text = metadata_text({"a": [1, 2], "b": {"c": None}})
    assert text.plain.splitlines()[:3] == ["{", '  "a": [', "    1,"]
    assert text.spans  # coloured
    assert metadata_text(None).plain == "—"
    assert metadata_text("not json").plain == "not json"


async def test_event_detail_shows_everything_whole_and_scrolls() -> None:
    class Plain(App[None]):
        pass

    app = Plain()
    async with app.run_test(size=(80, 24)) as pilot:
        now = datetime(2026, 1, 2, 3, 10, tzinfo=UTC)
        await app.push_screen(EventDetailScreen(event(), now))
        await pilot.pause()
        fields = app.screen.query_one(FieldList)
        text = fields.text(200).plain
        for expected in (
            "git_commit",
            "2026-01-02 03:04:05 UTC",
            "✗ failed",
            "→ waiting_review",
            "last line of the error",
            "0123456789abcdef0123456789abcdef01234567",
            '"duration_ms": 1200',
            '"ok": false',
        ):
            assert expected in text, expected
        assert "x" * 100 in text.replace("\n", "").replace(" ", "")  # the error, whole
        assert fields.max_scroll_y > 0  # taller than the dialog: it scrolls
        await pilot.press("end")
        assert fields.scroll_offset.y == fields.max_scroll_y
        await pilot.press("escape")
        assert not isinstance(app.screen, EventDetailScreen)
