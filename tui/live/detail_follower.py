"""The detail follower: the selected instance's relationships and timeline follow the table's
selection and every overview that changes it; the hidden instance screen is filled and drawn
ahead for the selection once it rests, so that `enter` shows lines already drawn.

    selection moved, or the selected row changed in an overview → request_detail()
      → _detail_loop (the latest request only) → load on the database thread → the two panes
      → after DRAW_AHEAD_AFTER_SECONDS at rest: the instance screen drawn ahead, one widget at a
        time
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..model import InstanceDetail, Overview
from .load_tracking import LoadTracker

if TYPE_CHECKING:
    from textual.timer import Timer

    from ..app import CodexDashApp
    from ..screens.instance_screen import InstanceScreen
    from ..widgets.relationship_tree import RelationshipTree
    from ..widgets.timeline import Timeline

# The hidden instance screen is filled and drawn for the selection once it rests this long: not
# for every row a held arrow key passes (key repeat is 25-35 ms).
DRAW_AHEAD_AFTER_SECONDS = 0.05
# `enter` waits this long for the selection's detail when it is still loading.
OPEN_WAIT_SECONDS = 0.15


class DetailFollower:
    """The selected instance's detail, its panes, and the one instance screen."""

    def __init__(self, app: CodexDashApp, loads: LoadTracker) -> None:
        self.app = app
        self.loads = loads
        self.detail: InstanceDetail | None = None
        self.draw_ahead_timer: Timer | None = None
        self._wanted: str | None = None
        self._wanted_event = asyncio.Event()
        self._instance_screen: InstanceScreen | None = None  # made on first use
        # The detail panes, mounted after the first frame.
        self._panes: tuple[RelationshipTree, Timeline] | None = None
        self._panes_requested = False

    @property
    def load_requested(self) -> bool:
        return self._wanted_event.is_set()

    # --- after the first frame --------------------------------------------------------------------

    def mount_panes_after_refresh(self) -> None:
        """The first load's rows (or its problem) are in the frame being drawn: the panes follow
        it. Not before: with no preload they would be styled and drawn while the rows wait."""
        if not self._panes_requested:
            self._panes_requested = True
            self.app.call_after_refresh(self._mount_panes)

    async def _mount_panes(self) -> None:
        """The selected instance's panes are not needed to show the instances, and styling,
        laying out and drawing their seven widgets was ~50 ms of start-up here. Their place is
        kept (an empty #detail), so nothing moves when they come; the detail loop starts once
        they are there (selections made before wait in it)."""
        from ..widgets.relationship_tree import RelationshipTree
        from ..widgets.timeline import Timeline

        tree, timeline = RelationshipTree(id="tree"), Timeline(id="timeline")
        tree.border_title, timeline.border_title = "Relationships", "Timeline"
        await self.app.query_one("#detail").mount(tree, timeline)
        self._panes = (tree, timeline)
        self.app.run_worker(self._detail_loop(), group="detail", exclusive=True)

    def compose_instance_screen(self) -> None:
        """Compose the instance screen once the first data is on screen, so that the first
        `enter` switches to a ready screen (composing it then took 150-270 ms here). Pushed and
        popped in one batch: nothing of it is drawn."""
        app = self.app
        if not app.is_running:  # the app is closing
            return
        screen = self.instance_screen()
        if screen.is_mounted or len(app.screen_stack) != 1:
            return
        with app.batch_update():
            app.push_screen(screen)
            app.pop_screen()

    def instance_screen(self) -> InstanceScreen:
        """The one instance screen, reused; made and installed on first use (composed after the
        first data frame, or by an `enter` before that)."""
        if self._instance_screen is None:
            from ..screens.instance_screen import InstanceScreen

            self._instance_screen = InstanceScreen()
            self.app.install_screen(self._instance_screen, name="instance")
        return self._instance_screen

    # --- following --------------------------------------------------------------------------------

    def follow_overview(self, previous: Overview | None, overview: Overview) -> None:
        """A new overview is in the table: load the selection's detail again if its row changed
        (or none is shown for it yet)."""
        selected = self.app.table.selected_id
        if selected is not None and (
            previous is None
            or previous.rows.get(selected) != overview.rows.get(selected)
            or self.detail is None
            or self.detail.instance_id != selected
        ):
            self.request_detail(selected)

    def request_detail(self, instance_id: str) -> None:
        self._wanted = instance_id
        self._wanted_event.set()

    async def _detail_loop(self) -> None:
        """Loads the latest selection only: holding a key down does not queue a load per row."""
        while True:
            await self._wanted_event.wait()
            self._wanted_event.clear()
            wanted = self._wanted
            if wanted is None:
                continue
            if not await self.loads.tracked(self._show_detail(wanted)):
                return

    async def _show_detail(self, wanted: str) -> None:
        app = self.app
        try:
            detail = await app.gateway.run(app.feed.load_detail_sync, wanted)
        except Exception:
            return  # the header already reports an unavailable database
        if self._wanted != wanted:
            return
        self.detail = detail
        now = app.now()
        assert self._panes is not None  # the detail loop starts once they are mounted
        tree, timeline = self._panes
        tree.show_detail(detail)
        timeline.show(detail.events, detail.activity, detail.event_count, now)
        timeline.border_title = f"Timeline · {wanted}"
        self._draw_ahead_later(detail)

    # --- drawing the instance screen ahead ----------------------------------------------------------

    def _draw_ahead_later(self, detail: InstanceDetail) -> None:
        """Once an instance: its later changes (new events, every reload under load) are drawn
        when it opens, only the lines that changed; no timer is set for them."""
        if self.draw_ahead_timer is not None:
            self.draw_ahead_timer.stop()
            self.draw_ahead_timer = None
        if self._instance_screen_holds(detail.instance_id):
            return  # drawn ahead, or being drawn: carry on
        # A draw for an earlier selection stops by itself at its next widget (`still_wanted`).
        self.draw_ahead_timer = self.app.set_timer(
            DRAW_AHEAD_AFTER_SECONDS,
            lambda: self.app.run_worker(
                self.draw_ahead(detail), group="draw-ahead", exclusive=True
            ),
        )

    def _instance_screen_holds(self, instance_id: str) -> bool:
        """Whether the instance screen is filled for `instance_id` (True too while the app
        closes, when the screen is gone: nothing is to be drawn then)."""
        if not self.app.is_running:
            return True
        screen = self._instance_screen
        return screen is not None and screen.instance_id == instance_id

    async def draw_ahead(self, detail: InstanceDetail) -> None:
        """The selection has rested: fill and draw the hidden instance screen for it, so that
        `enter` shows it from lines already drawn. One widget at a time, in a worker: drawn in
        one go (15-28 ms here) it held up the next key press whenever one came meanwhile, and
        with the 50 ms rest that is often."""

        def still_wanted() -> bool:
            selected = self.detail.instance_id if self.detail is not None else None
            return selected == detail.instance_id and self.only_main_screen()

        if not still_wanted() or self._instance_screen_holds(detail.instance_id):
            return  # the selection moved on, or the screen or a dialog is showing
        screen = self.instance_screen()
        if not screen.is_mounted:
            return
        screen.show_instance(detail.instance_id, detail)
        for _ in screen.draw_ahead():
            await asyncio.sleep(0.001)  # a key pressed meanwhile is handled here
            if not still_wanted():
                return

    def only_main_screen(self) -> bool:
        """For work resumed after a wait: nothing was opened over the main screen meanwhile, and
        the app is not quitting (its screens are then being taken down)."""
        return self.app.is_running and len(self.app.screen_stack) == 1

    # --- opening (`enter`) --------------------------------------------------------------------------

    def open(self, instance_id: str) -> None:
        self.app.run_worker(self._open(instance_id), group="open", exclusive=True)

    async def _open(self, instance_id: str) -> None:
        """Shown with its first page when that is a moment away (the selection just moved and
        the detail loop is loading it): one frame with the data, not an empty screen drawn in
        full and then drawn again. A slower load is not waited for: the screen loads its own."""
        detail = await self._detail_of(instance_id, OPEN_WAIT_SECONDS)
        if not self.only_main_screen() or self.app.table.selected_id != instance_id:
            return  # a dialog opened, the selection moved on, or the app quit, meanwhile
        screen = self.instance_screen()
        screen.show_instance(instance_id, detail)
        self.app.push_screen(screen)

    async def _detail_of(self, instance_id: str, timeout: float) -> InstanceDetail | None:
        def shown() -> bool:
            return self.detail is not None and self.detail.instance_id == instance_id

        return self.detail if await self.loads.until(shown, timeout) else None
