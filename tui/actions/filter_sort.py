"""The filter line (`/`, typing, enter, esc) and the sort key (`o`, header clicks): what the
instances table shows, and in which order. The filter line takes the key bar's place while it
has the focus (tui/widgets/bottom_line.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from ..widgets.bottom_line import BottomLine

if TYPE_CHECKING:
    from ..app import CodexDashApp

FILTER_ID = "filter"


class FilterAndSort:
    def __init__(self, app: CodexDashApp) -> None:
        self.app = app

    @property
    def line_open(self) -> bool:
        return self.app.query_one(BottomLine).second_shown

    def open_line(self) -> None:
        self._show_line(True)
        # Focus now, not via focus() (deferred behind keys already queued): a fast `/work`
        # must type "work", not sort the table with `o`.
        self.app.screen.set_focus(self.app.query_one(f"#{FILTER_ID}", Input))

    def typed(self, value: str) -> None:
        self.app.table.set_filter(value)
        self.app.header_status.refresh()

    def submitted(self) -> None:
        """enter: back to the table, at its first match."""
        self._close_line()
        table = self.app.table
        if table.row_count:
            table.move_cursor(row=0)

    def left(self) -> None:
        """Clicked away from the filter line: it closes, the filter stays (in the title)."""
        self._show_line(False)

    def clear(self) -> None:
        box = self.app.query_one(f"#{FILTER_ID}", Input)
        if box.value or self.line_open:
            box.value = ""
            self.app.table.set_filter("")
            self._close_line()
            self.app.header_status.refresh()

    def cycle_sort(self) -> None:
        sort = self.app.table.cycle_sort()
        self.app.header_status.refresh()
        self.app.notify(f"Sorted by {sort.label}", timeout=1.5)

    def _close_line(self) -> None:
        self._show_line(False)
        self.app.screen.set_focus(self.app.table)

    def _show_line(self, show: bool) -> None:
        self.app.query_one(BottomLine).show_second(show)
