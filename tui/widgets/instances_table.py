"""The instances table: rows keyed by instance id, filtered and sorted without rebuilding anything.

A reload hands over a dict of rows (unchanged rows are the same objects); the order is recomputed
and only lines whose cells changed are drawn again. The cursor stays on the same instance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from ..attention import NeedsYouTracker
from ..model import InstanceRow
from .instance_columns import ColumnLayout
from .instance_order import RowOrder, SortKey
from .line_table import Cells, LineTable


class InstancesTable(LineTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "app.open_instance", "Open", id="open", show=False),
    ]

    class SelectionChanged(LineTable.SelectionChanged):
        @property
        def instance_id(self) -> str | None:
            return self.key

    class SortChanged(Message):
        """The user chose another sort (a header click)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, InstanceRow] = {}
        self._ordering = RowOrder()
        self._layout: ColumnLayout | None = None
        self.now: datetime | None = None
        # Per instance: the row object and second its cells were made from, and the cells.
        self._cells: dict[str, tuple[InstanceRow, int, Cells]] = {}

    # --- what is shown ----------------------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        return self.selected_key

    @property
    def instance_rows(self) -> dict[str, InstanceRow]:
        return self._rows

    @property
    def visible_ids(self) -> list[str]:
        """Ids of the rows that pass the filter, in display order."""
        return self.row_keys

    @property
    def filter_terms(self) -> list[str]:
        return self._ordering.terms

    @property
    def sort_index(self) -> int:
        return self._ordering.sort_index

    @property
    def sort_description(self) -> str:
        return self._ordering.description

    def cell_text(self, instance_id: str, column: str) -> str:
        """What the row's cell in `column` says, as drawn (tests and automation read it)."""
        assert self._layout is not None
        cell = self.row_cells(instance_id)[[c.key for c in self._layout.columns].index(column)]
        return cell if isinstance(cell, str) else cell.plain

    # --- changes ----------------------------------------------------------------------------------

    def configure_columns(self, width: int) -> None:
        layout = ColumnLayout.for_width(width)
        if layout != self._layout:
            self._layout = layout
            self._cells.clear()
            self.set_columns(layout.table_columns())

    def apply(self, rows: dict[str, InstanceRow], now: datetime) -> None:
        self._rows = rows
        self.now = now
        self._reorder()

    def set_filter(self, text: str) -> None:
        if self._ordering.set_filter(text):
            self._reorder()

    def cycle_sort(self) -> SortKey:
        """Next column; choosing the same column again reverses it."""
        sort = self._ordering.cycle()
        self._reorder()
        return sort

    def sort_by_column(self, column: str) -> SortKey | None:
        sort = self._ordering.sort_by(column)
        if sort is not None:
            self._reorder()
        return sort

    def set_attention(self, tracker: NeedsYouTracker) -> None:
        """The app's needs-you tracker orders the attention sort (stalls included)."""
        self._ordering.attention = tracker
        self.attention_changed()

    def attention_changed(self) -> None:
        """An instance changed class (needs you, working, finished): rows move, if that is the
        order in use; otherwise nothing is redrawn."""
        if self._ordering.attention_changed():
            self._reorder()

    def refresh_times(self, now: datetime) -> None:
        """Relative times age without any database change."""
        if self._rows:
            self.now = now
            self.refresh_changed_lines()

    def _reorder(self) -> None:
        if len(self._cells) > 2 * len(self._rows) + 64:
            self._cells = {k: v for k, v in self._cells.items() if k in self._rows}
            self._ordering.forget(self._rows)
        self.set_order(self._ordering.order(self._rows))

    # --- LineTable --------------------------------------------------------------------------------

    def row_cells(self, key: str) -> Cells:
        row = self._rows[key]
        assert self._layout is not None and self.now is not None
        second = int(self.now.timestamp())
        made = self._cells.get(key)
        if made is not None and made[0] is row and made[1] == second:
            return made[2]
        cells = self._layout.cells(row, self.now)
        if made is not None and made[2] == cells:
            cells = made[2]  # equal texts: keep the tuple, so its drawn line stays valid
        self._cells[key] = (row, second, cells)
        return cells

    def header_clicked(self, column: int) -> None:
        if self._layout is not None and self.sort_by_column(self._layout.columns[column].key):
            self.post_message(self.SortChanged())

    async def row_activated(self, key: str) -> None:
        await self.run_action("app.open_instance")
