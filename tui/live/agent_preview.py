"""`v`: the selected agent's terminal, live, in the detail area in place of the timeline.

One PaneFollower (one tmux control-mode client, started at the first `v`, never before) follows
whichever instance is selected while the preview shows; hiding the preview stops following but
keeps the client for the next `v`. Its captures arrive on the follower's thread and are handed to
the TerminalView on the app's. Scrolling up in the terminal loads the scrollback (2,000 lines)
through the same client, on a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agents.follower import PaneFollower, Update

    from ..app import CodexDashApp
    from ..model import InstanceRow
    from ..widgets.terminal_pane import TerminalPane

PANE_ID = "terminal-pane"


class AgentPreview:
    def __init__(self, app: CodexDashApp) -> None:
        self.app = app
        self.showing = False
        self.follower: PaneFollower | None = None
        self._pane: TerminalPane | None = None
        self._instance: str | None = None
        self._lock = threading.Lock()
        self._latest: Update | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- showing and hiding -----------------------------------------------------------------------

    async def toggle(self) -> None:
        if self.showing:
            self.hide()
        else:
            await self.show()

    async def show(self) -> None:
        self._loop = asyncio.get_running_loop()
        detail = self.app.query_one("#detail")
        if self._pane is None:
            from ..widgets.terminal_pane import TerminalPane

            self._pane = TerminalPane(id=PANE_ID)
            await detail.mount(self._pane)
        self._set_timeline_shown(False)
        self._pane.display = True
        self.showing = True
        self._instance = None
        self.selection_changed(self.app.table.selected_id)

    def hide(self) -> None:
        self.showing = False
        if self.follower is not None:
            self.follower.follow(None)
        if self._pane is not None:
            self._pane.display = False
            self._pane.view.close_history()
        self._set_timeline_shown(True)
        if (
            self.app.focused is None
            or self._pane is None
            or self._pane in self.app.focused.ancestors
        ):
            self.app.table.focus()

    def _set_timeline_shown(self, shown: bool) -> None:
        for timeline in self.app.query("#timeline"):
            timeline.display = shown

    def close(self) -> None:
        if self.follower is not None:
            self.follower.close()
            self.follower = None

    # --- following the selection ----------------------------------------------------------------

    def selection_changed(self, instance_id: str | None) -> None:
        if not self.showing or self._pane is None or instance_id == self._instance:
            return
        self._instance = instance_id
        pane = self._pane
        row = self._row(instance_id)
        if row is None:
            self._follow(None)
            pane.set_title("No instance selected")
            pane.view.show_message("Select an instance to see its agent's terminal.")
            return
        session = row.record.tmux_session
        pane.set_title(f"{row.id} · tmux {session} · live · {_hint()}")
        if not session:
            self._follow(None)
            pane.view.show_message("This instance has no tmux session recorded.")
            return
        pane.view.show_message(f"Connecting to tmux session {session}…")
        self._follow(session)

    def row_changed(self) -> None:
        """An overview came: a selected instance's session may have been recorded meanwhile."""
        if self.showing:
            selected = self.app.table.selected_id
            if selected != self._instance:
                self.selection_changed(selected)

    def _row(self, instance_id: str | None) -> InstanceRow | None:
        overview = self.app.feed.overview
        if instance_id is None or overview is None:
            return None
        return overview.rows.get(instance_id)

    def _follow(self, session: str | None) -> None:
        from agents.tmux import TmuxError

        if session is None:
            if self.follower is not None:
                self.follower.follow(None)
            return
        if self.follower is None:
            from agents.follower import PaneFollower  # at the first `v`, not at start-up

            self.follower = PaneFollower(self._from_thread, socket=self.app.tmux_socket)
        try:
            self.follower.follow(session)
        except TmuxError as exc:
            if self._pane is not None:
                self._pane.view.show_message(str(exc), style="bold yellow")

    def _from_thread(self, update: Update) -> None:
        """On the follower's thread: hand the newest update over without waiting for the app
        (App.call_from_thread waits, and a follower closed from the app thread would then wait
        for it); updates that arrive before the app took the last one replace it."""
        with self._lock:
            pending, self._latest = self._latest is not None, update
        if pending or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: the app has quit
            self._loop.call_soon_threadsafe(self._take)

    def _take(self) -> None:
        with self._lock:
            update, self._latest = self._latest, None
        if update is not None:
            self._deliver(update)

    def _deliver(self, update: Update) -> None:
        from agents.follower import PaneGone, PaneScreen

        pane = self._pane
        if pane is None or not self.showing or not self.app.is_running or not pane.is_mounted:
            return  # hidden, or the app is quitting
        row = self._row(self._instance)
        if row is None or update.session != row.record.tmux_session:
            return  # a capture for an earlier selection
        if isinstance(update, PaneScreen):
            pane.view.show_screen(update)
        elif isinstance(update, PaneGone):
            worktree = row.record.worktree_path
            reason = update.reason
            if worktree and not os.path.isdir(worktree):
                reason = (
                    "not on this machine (no tmux session here, and its worktree "
                    f"{worktree} is not here either)"
                )
            pane.view.show_gone(PaneGone(update.session, reason))
            pane.set_title(f"{row.id} · tmux {update.session} · gone")

    # --- the scrollback ---------------------------------------------------------------------------

    def history_wanted(self) -> None:
        if self.follower is None or self._pane is None:
            return
        follower, pane = self.follower, self._pane
        pane.set_title(f"{self._instance} · loading the scrollback…")

        def load() -> None:
            from agents.follower import SCROLLBACK_LINES

            text = follower.scrollback(SCROLLBACK_LINES)
            self.app.call_from_thread(self._show_history, text)

        self.app.run_worker(load, thread=True, group="scrollback", exclusive=True)

    def _show_history(self, text: str | None) -> None:
        pane = self._pane
        if pane is None or not self.showing:
            return
        if text is None:
            self.app.notify("No scrollback: the session is not being followed", timeout=3)
            return
        from ..widgets.terminal_pane import HISTORY_HINT

        pane.view.show_history(text)
        pane.set_title(f"{self._instance} · {HISTORY_HINT}")

    def live_wanted(self) -> None:
        if self._pane is not None:
            self._pane.set_title(f"{self._instance} · live · {_hint()}")
            self._instance_refresh()

    def _instance_refresh(self) -> None:
        """Back from the scrollback: the next capture redraws the live screen; ask for one."""
        if self.follower is not None and self.follower.session is not None:
            session = self.follower.session
            self.follower.follow(None)
            self.follower.follow(session)


def _hint() -> str:
    from ..widgets.terminal_pane import LIVE_HINT

    return LIVE_HINT
