"""What a key press costs in frames: a filter keystroke or a new page of rows changes a table's
height without Textual's layout pass (which repaints every widget on the screen); opening an
instance takes no layout pass (with one, the screen was drawn in full twice); start-up's objects are frozen out of the garbage collector's walks.

Counted, never timed: the figures are in bench.dash_bench."""

from __future__ import annotations

import gc

import pytest
from textual.screen import Screen
from tuilab import NOW, make_app, open_instance, select, settle

from tui.app import FREEZE_AFTER_SECONDS
from tui.screens.instance_screen import InstanceScreen
from tui.widgets.text_view import TextView

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


class LayoutPasses:
    """Counts Screen._refresh_layout calls (the reflow and the full repaint that follows)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = Screen._refresh_layout

        def counting(screen, *args, **kwargs):
            self.count += 1
            return real(screen, *args, **kwargs)

        monkeypatch.setattr(Screen, "_refresh_layout", counting)


async def test_filtering_changes_the_table_height_without_a_layout_pass(demo_db, monkeypatch):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.table
        last_review = [key for key in table.row_keys if key.startswith("review-")][-1]
        select(app, last_review)  # it stays selected: its detail pane does not change
        await settle(app, pilot)
        full_height = table.virtual_size.height
        await pilot.press("slash")
        await settle(app, pilot)
        passes = LayoutPasses(monkeypatch)
        await pilot.press(*"review")  # typed: the box's own width changes too
        await settle(app, pilot)
        assert passes.count == 0
        assert table.filter_terms == ["review"]
        assert 0 < table.row_count < len(table.instance_rows)
        assert table.virtual_size.height == table.row_count + 1 < full_height  # rows + header
        assert table.scroll_y <= table.max_scroll_y
        table.set_filter("")
        await settle(app, pilot)
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


async def test_start_up_objects_are_frozen_while_the_app_runs_and_released_after(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.pause(FREEZE_AFTER_SECONDS + 0.5)
        assert gc.get_freeze_count() > 10_000  # modules, classes, widgets, styles
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0 and gc.isenabled()
