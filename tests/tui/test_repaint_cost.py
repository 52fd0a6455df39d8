"""What a key press costs in frames: a filter keystroke or a new page of rows changes a table's
height without Textual's layout pass (which repaints every widget on the screen); opening an
instance takes no layout pass (with one, the screen was drawn in full twice); start-up's objects are frozen out of the garbage collector's walks.

Counted, never timed: the figures are in bench.dash_bench."""

from __future__ import annotations

import gc
import time

import pytest
from textual import events
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from tuilab import (
    NOW,
    make_app,
    open_instance,
    open_store,
    record_frames,
    select,
    select_settled,
    settle,
    until,
)

from store import MCPEventRecord
from tui import memory
from tui.live.detail_follower import DRAW_AHEAD_AFTER_SECONDS, OPEN_WAIT_SECONDS
from tui.memory import FREEZE_AFTER_SECONDS, QUIET_SECONDS
from tui.screens.instance_screen import InstanceScreen
from tui.widgets import timeline
from tui.widgets.kept_scrollbar import KeptScrollBar
from tui.widgets.line_table import LineTable
from tui.widgets.text_view import TextView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


class LayoutPasses:
    """Counts layout passes: Screen._refresh_layout calls that reflow the whole screen (and
    repaint it). A scroll's call, which places only what it exposes, is not one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = Screen._refresh_layout

        def counting(screen, size=None, scroll=False):
            if not (scroll and not screen._layout_widgets):  # Textual's own test for the fast path
                self.count += 1
            return real(screen, size, scroll)

        monkeypatch.setattr(Screen, "_refresh_layout", counting)


async def test_filtering_and_the_filter_line_take_no_layout_pass(demo_db, monkeypatch):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.table
        last_review = [key for key in table.row_keys if key.startswith("review-")][-1]
        select(app, last_review)  # it stays selected: its detail pane does not change
        await settle(app, pilot)
        full_height = table.virtual_size.height
        passes = LayoutPasses(monkeypatch)
        await pilot.press("slash")  # the filter line opens in the key bar's place
        await settle(app, pilot)
        assert app.filter_line_open and passes.count == 0
        await pilot.press(*"review")  # typed: the box's own width changes too
        await settle(app, pilot)
        assert passes.count == 0
        assert table.filter_terms == ["review"]
        assert 0 < table.row_count < len(table.instance_rows)
        assert table.virtual_size.height == table.row_count + 1 < full_height  # rows + header
        assert table.scroll_y <= table.max_scroll_y
        await pilot.press("escape")  # cleared, and the line closes
        await settle(app, pilot)
        assert not app.filter_line_open and table.filter_terms == []
        assert table.virtual_size.height == full_height and passes.count == 0


async def test_a_table_growing_past_its_window_still_scrolls_to_its_end(demo_db):
    """The scrollbar shows (that change still takes a layout pass) and its range is right."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(app, pilot)
        table = app.table
        table.set_filter("work-112-a1")
        await settle(app, pilot)
        assert table.max_scroll_y == 0
        table.set_filter("")
        await settle(app, pilot)
        assert table.virtual_size.height == table.row_count + 1
        assert (
            table.max_scroll_y == table.virtual_size.height - table.scrollable_content_region.height
        )
        await pilot.press("end")
        await settle(app, pilot)
        assert table.scroll_y == table.max_scroll_y > 0


async def test_opening_another_instance_takes_no_layout_pass(demo_db, monkeypatch):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_instance(app, pilot, "review-112-a1-r1")
        await pilot.press("escape")
        select(app, "review-112-a1-r2")  # the same family: as many relationship lines
        await settle(app, pilot)
        passes = LayoutPasses(monkeypatch)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen) and screen.instance_id == "review-112-a1-r2"
        assert passes.count == 0
        fields = screen.query_one("#fields", TextView).text(80).plain
        assert "review-112-a1-r2" in fields


class DrawnLines:
    """Counts lines drawn (not taken from a cache) by the instance screen's three views."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.by_widget: dict[str, int] = {}
        for cls in (TextView, LineTable):
            monkeypatch.setattr(cls, "render_line", self._counting(cls.render_line))

    def _counting(self, real):
        def render_line(widget, y):
            key = widget.id or "?"
            self.by_widget[key] = self.by_widget.get(key, 0) + 1
            return real(widget, y)

        return render_line

    def of(self, *ids: str) -> int:
        return sum(self.by_widget.get(i, 0) for i in ids)


INSTANCE_VIEWS = ("fields", "instance-tree", "instance-timeline")


async def test_a_resting_selection_is_drawn_ahead_so_enter_draws_no_lines(demo_db, monkeypatch):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-131-a1")
        await pilot.pause(DRAW_AHEAD_AFTER_SECONDS + 0.1)  # the selection rests
        hidden = app.get_screen("instance")
        assert isinstance(hidden, InstanceScreen) and hidden.instance_id == "work-131-a1"
        drawn = DrawnLines(monkeypatch)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is hidden
        assert drawn.of(*INSTANCE_VIEWS) == 0  # every line on screen was drawn ahead
        assert "work-131-a1" in hidden.query_one("#fields", TextView).text(80).plain
        assert hidden.query_one("#instance-timeline", LineTable).row_count > 0


async def test_a_key_pressed_during_the_draw_ahead_waits_for_one_widget_at_most(
    demo_db, monkeypatch
):
    """Drawing the hidden instance screen ahead took 15-28 ms in one go here, and the next key
    press waited for all of it. Drawn a widget at a time, a key waits for the widget being drawn
    only. Each hidden widget is made slow here; the key comes in during the first one, as from
    the terminal (the driver posts it to the app)."""
    app = make_app(demo_db, now=NOW)
    hidden_draws: list[int] = []  # the table's cursor row at each hidden widget's draw
    real = Widget.render_lines

    def slow_when_hidden(widget, crop):
        if isinstance(widget.screen, InstanceScreen) and widget.screen is not app.screen:
            time.sleep(0.02)
            hidden_draws.append(app.table.cursor_row)
            if len(hidden_draws) == 1:
                app.post_message(events.Key("down", None))
        return real(widget, crop)

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(Widget, "render_lines", slow_when_hidden)
        await select_settled(app, pilot, "work-131-a1")
        await until(pilot, lambda: len(hidden_draws) >= 4, what="the screen drawn ahead")
        await pilot.pause(0.3)
        row = hidden_draws[0]  # where the cursor was when the key came
        assert app.table.cursor_row == row + 1
        assert hidden_draws.count(row) <= 2  # the key was handled after that widget, or the next


async def test_a_draw_ahead_starting_after_quit_does_nothing(demo_db):
    """Its timer can fire while the app shuts down, and the worker then starts with the screens
    gone: it must not touch them (it raised ScreenStackError at quit once, under load)."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-131-a1")
        detail = app.detail
    assert detail is not None and not app.is_running
    await app.detail_follower.draw_ahead(detail)  # as its worker would, now


async def test_new_events_of_an_instance_drawn_ahead_set_no_draw_ahead_timer(demo_db):
    """Under load the selected instance's detail changes at every reload: once drawn ahead, its
    changes are drawn when it opens, and no timer is set for each of them."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-131-a1")
        await pilot.pause(DRAW_AHEAD_AFTER_SECONDS + 0.1)
        assert app.instance_screen().instance_id == "work-131-a1"
        with open_store(demo_db) as db:
            db.log_mcp_event(
                MCPEventRecord(
                    instance_id="work-131-a1", tool_name="fresh_tool", success=True, timestamp=NOW
                )
            )
        app.feed.request_reload(force=True)
        await until(
            pilot,
            lambda: app.detail is not None and app.detail.events[0].tool_name == "fresh_tool",
            what="the new event in the detail",
        )
        assert app.detail_follower.draw_ahead_timer is None


async def test_an_instance_opened_before_it_was_drawn_ahead_is_drawn_on_enter(demo_db):
    """`enter` right after moving: the screen is filled then, with the right instance, and its
    first frame already has the events (it waited for the load under way)."""
    app = make_app(demo_db, now=NOW)
    frames = record_frames(
        app,
        lambda screen: (
            screen.query_one("#instance-timeline", LineTable).row_count
            if isinstance(screen, InstanceScreen)
            else None
        ),
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.gateway.submit(time.sleep, 0.08)  # the database thread is busy: the load waits
        select(app, "work-135-a1")
        await pilot.press("enter")  # before the detail or the draw-ahead timer
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen) and screen.instance_id == "work-135-a1"
        rows_in_frames = [rows for rows in frames if rows is not None]
        assert rows_in_frames and rows_in_frames[0] > 0
        assert "work-135-a1" in screen.query_one("#fields", TextView).text(80).plain
        timeline = screen.query_one("#instance-timeline", LineTable)
        with open_store(demo_db) as db:
            assert timeline.row_count == db.count_events("work-135-a1")


async def test_enter_does_not_wait_long_for_a_slow_load(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.gateway.submit(time.sleep, 0.5)  # far longer than enter waits
        select(app, "work-135-a1")
        await pilot.press("enter")
        await pilot.pause(OPEN_WAIT_SECONDS + 0.1)
        screen = app.screen
        assert isinstance(screen, InstanceScreen) and screen.instance_id == "work-135-a1"
        await settle(app, pilot)
        assert screen.query_one("#instance-timeline", LineTable).row_count > 0


async def test_a_restyled_scrollbar_keeps_its_lines_and_a_scrolled_one_draws_new_ones(
    demo_db, monkeypatch
):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 24)) as pilot:  # the table scrolls
        await settle(app, pilot)
        bar = app.table.vertical_scrollbar
        assert isinstance(bar, KeptScrollBar)
        crop = Region(0, 0, *bar.size)
        first = bar.render_lines(crop)
        drawn: list[int] = []
        real = Widget.render_lines
        monkeypatch.setattr(
            Widget,
            "render_lines",
            lambda widget, region: (
                (drawn.append(1) if widget is bar else None) or real(widget, region)
            ),
        )
        await pilot.press("tab")  # focus moves: the table is restyled, and its bar refreshed
        await settle(app, pilot)
        assert bar.render_lines(crop) is first and drawn == []
        await pilot.press("shift+tab", "end")
        await settle(app, pilot)
        moved = bar.render_lines(crop)
        assert moved != first
        bar._kept = None  # drawn afresh, the same
        assert bar.render_lines(crop) == moved


async def test_a_timeline_that_gained_an_event_formats_only_that_event(demo_db, monkeypatch):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-131-a1")
        formatted: list[str] = []
        real = timeline.event_cells
        monkeypatch.setattr(
            timeline,
            "event_cells",
            lambda event, now: (formatted.append(event.tool_name), real(event, now))[1],
        )
        with open_store(demo_db) as db:
            db.log_mcp_event(
                MCPEventRecord(
                    instance_id="work-131-a1", tool_name="fresh_tool", success=True, timestamp=NOW
                )
            )
        app.feed.request_reload(force=True)
        await until(pilot, lambda: "fresh_tool" in formatted, what="the new event")
        await settle(app, pilot)
        assert formatted == ["fresh_tool"]


async def test_start_up_objects_are_frozen_while_the_app_runs_and_released_after(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.pause(FREEZE_AFTER_SECONDS + 0.5)
        assert gc.get_freeze_count() > 10_000  # modules, classes, widgets, styles
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


async def test_full_collections_wait_for_a_quiet_moment(demo_db):
    """After the freeze the collector makes no full collection of its own (one took 14-19 ms
    under load, and a key press landing on it waited): the app asks for one when no key came
    for QUIET_SECONDS, and only if objects reached the oldest generation since the last."""
    app = make_app(demo_db, now=NOW)
    full: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.pause(FREEZE_AFTER_SECONDS + 0.5)
        assert gc.get_threshold()[2] == memory.NEVER
        gc.callbacks.append(seen)
        app.collection_pacer.last_input = (
            time.monotonic()
        )  # the app's own check, every 2 s, waits for quiet
        try:
            garbage = [[[i]] for i in range(200_000)]  # young collections, survivors promoted
            del garbage
            assert gc.get_count()[2] > 0 and not full  # due, and not taken by the collector
            await pilot.press("down")  # a key just now: not quiet
            app.collection_pacer.collect_when_quiet()
            assert not full and gc.get_count()[2] > 0
            app.collection_pacer.last_input -= QUIET_SECONDS
            app.collection_pacer.collect_when_quiet()
            assert full == [1] and gc.get_count()[2] == 0
            app.collection_pacer.collect_when_quiet()  # nothing promoted since: nothing to do
            assert full == [1]
        finally:
            gc.callbacks.remove(seen)
    assert gc.get_threshold() == memory.DEFAULT_THRESHOLD
