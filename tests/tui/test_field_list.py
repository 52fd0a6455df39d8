"""The instance screen's label/value lines: long values fold under their own column, nothing is
lost or drawn past the edge, and the view scrolls exactly over its lines."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tui.widgets.field_list import FieldList

pytestmark = pytest.mark.anyio

LONG = "/home/dev/claude-codex/.worktrees/review-112-a1-r2/with/a/very/long/path/indeed"
FIELDS = [
    ("id", Text("review-112-a1-r2")),
    ("worktree_path", Text(LONG)),
    ("pr_url", Text("—", style="dim")),
    ("events", Text("1,234")),
]


class FieldsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FieldList()


@contextlib.asynccontextmanager
async def showing_fields(size: tuple[int, int]) -> AsyncIterator[tuple[FieldList, Pilot]]:
    app = FieldsApp()
    async with app.run_test(size=size) as pilot:
        widget = app.query_one(FieldList)
        widget.show(FIELDS)
        await pilot.pause()
        yield widget, pilot


async def test_long_values_fold_under_their_column_and_keep_every_character():
    async with showing_fields((40, 12)) as (widget, _):
        width = widget.scrollable_content_region.width
        assert 30 < width < 40  # the border-less view minus its scrollbar gutter
        lines = widget.text(width).plain.split("\n")
        column = len("worktree_path") + 1
        assert lines[0] == "id".ljust(column) + "review-112-a1-r2"
        path_lines = [line for line in lines if not line[:column].strip()]
        assert path_lines, "the long path folded onto further lines"
        assert all(len(line) <= width for line in lines)
        folded = "".join(
            line[column:]
            for line in lines
            if line.startswith("worktree_path") or not line[:column].strip()
        )
        assert folded == LONG
        assert widget.virtual_size.height == len(lines) == 3 + 1 + len(path_lines)


async def test_the_same_fields_are_not_redrawn_and_new_ones_are():
    async with showing_fields((60, 12)) as (widget, pilot):
        first = widget.lines(50)
        widget.show(list(FIELDS))  # equal fields: the folded lines are kept
        assert widget.lines(50) is first
        widget.show([*FIELDS[:3], ("events", Text("1,235"))])
        await pilot.pause()
        assert widget.text(60).plain.endswith("1,235")
        widget.show([])
        await pilot.pause()
        assert widget.virtual_size.height == 0
