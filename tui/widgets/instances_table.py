"""The instances table: rows keyed by instance id and updated in place.

A reload never clears the table: changed cells are updated, new rows added, vanished rows removed,
and the cursor is put back on the same instance, so live updates do not move what the user looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from ..formatting import (
    STATUS_ORDER,
    TYPE_SHORT,
    ago,
    clip,
    short_ago,
    status_cell,
)
from ..model import InstanceRow


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int | None  # None: takes what is left
    shown_from: str  # the narrowest layout that shows it


COLUMNS = (
    Column("id", "Instance", 16, "narrow"),
    Column("type", "Type", 6, "medium"),
    Column("status", "Status", 14, "narrow"),
    Column("branch", "Branch", 18, "wide"),
    Column("issue", "Issue", None, "narrow"),
    Column("pr", "PR", 6, "narrow"),
    Column("agent", "Agent", 5, "wide"),
    Column("seen", "Last activity", 14, "narrow"),
    Column("events", "Events", 7, "narrow"),
)
LAYOUTS = ("narrow", "medium", "wide")
# Narrow terminals get short status names and "3m"-style times in smaller columns.
NARROW_WIDTHS = {"id": 16, "status": 9, "pr": 5, "seen": 4, "events": 6}


VIEW_MARGIN = 10  # rows above and below the screen kept up to date like the visible ones
# remove_row is O(rows) (about 5.6 us a row here) and add_row about 110 us: removing k of n rows
# costs k * n * 5.6 us, rebuilding the m that stay m * 110 us, so rebuild once k * n > 20 * m.
REBUILD_FACTOR = 20


def layout_for(width: int) -> str:
    if width < 100:
        return "narrow"
    return "medium" if width < 140 else "wide"


@dataclass(frozen=True, slots=True)
class SortKey:
    column: str
    label: str
    key: Callable[[InstanceRow], Any]
    newest_first: bool


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


SORT_KEYS: tuple[SortKey, ...] = (
    SortKey("id", "created", lambda r: (_epoch(r.record.created_at), r.id), True),
    SortKey("seen", "last activity", lambda r: (_epoch(r.last_seen), r.id), True),
    SortKey(
        "status",
        "needs attention",
        lambda r: (STATUS_ORDER.get(r.record.status, 9), not r.failing, r.id),
        False,
    ),
    SortKey("events", "events", lambda r: (r.event_count, r.id), True),
    SortKey("issue", "issue", lambda r: (r.record.issue_number or 0, r.id), False),
)


def matches(row: InstanceRow, terms: list[str]) -> bool:
    """Every whitespace-separated term must appear in one of the row's visible fields."""
    if not terms:
        return True
    haystack = searchable_text(row)
    return all(term in haystack for term in terms)


def searchable_text(row: InstanceRow) -> str:
    """The lower-cased text a filter searches."""
    record = row.record
    return " ".join(
        str(value)
        for value in (
            record.id,
            record.type,
            record.status,
            record.branch_name,
            record.tmux_session,
            f"#{record.issue_number}" if record.issue_number else "",
            row.issue_title or "",
            f"pr#{record.pr_number}" if record.pr_number else "",
            "failing" if row.failing else "",
        )
    ).lower()


class InstancesTable(DataTable):
    """Keyed rows; `apply()` merges a new overview into what is on screen."""

    BINDINGS = [Binding("enter", "app.open_instance", "Open", id="open", show=False)]

    class SelectionChanged(Message):
        def __init__(self, instance_id: str | None) -> None:
            self.instance_id = instance_id
            super().__init__()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._rows: dict[str, InstanceRow] = {}
        self._cells: dict[str, tuple[Any, ...]] = {}
        # The row object and the second (of `now`) each entry of _cells was made from.
        self._made: dict[str, tuple[InstanceRow, int]] = {}
        self._rendering = False
        self._columns: tuple[Column, ...] = ()
        self._searchable: dict[str, tuple[InstanceRow, str]] = {}
        self._layout = ""
        self._width = 0
        self._issue_width = 20
        self._narrow = False
        self._terms: list[str] = []
        self.sort_index = 0
        self.sort_reversed = False
        self.now: datetime | None = None
        self._last_selected: str | None = None

    # --- layout ---------------------------------------------------------------------------------

    def configure_columns(self, width: int) -> None:
        layout = layout_for(width)
        if self._columns and layout == self._layout and width == self._width:
            return
        selected = self.selected_id
        self._layout, self._width = layout, width
        self._narrow = layout == "narrow"
        rank = LAYOUTS.index(layout)
        columns = tuple(c for c in COLUMNS if LAYOUTS.index(c.shown_from) <= rank)
        widths = NARROW_WIDTHS if self._narrow else {c.key: c.width for c in columns if c.width}
        # 2 cells of padding per column, the border (2) and the vertical scrollbar (1).
        fixed = sum(widths.values()) + 2 * len(columns) + 3
        self._issue_width = max(10, width - fixed)
        self.clear(columns=True)
        self._cells.clear()
        self._made.clear()
        for column in columns:
            label = "Seen" if (self._narrow and column.key == "seen") else column.label
            self.add_column(
                label, width=widths.get(column.key) or self._issue_width, key=column.key
            )
        self._columns = columns
        if self._rows and self.now is not None:
            self._render_rows(selected)

    # --- data -----------------------------------------------------------------------------------

    @property
    def selected_id(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value if isinstance(key, RowKey) else None

    @property
    def instance_rows(self) -> dict[str, InstanceRow]:
        return self._rows

    @property
    def visible_ids(self) -> list[str]:
        return [self.coordinate_to_cell_key((i, 0)).row_key.value for i in range(self.row_count)]

    def apply(self, rows: dict[str, InstanceRow], now: datetime) -> None:
        self._rows = rows
        self.now = now
        self._render_rows(self.selected_id)

    def set_filter(self, text: str) -> None:
        self._terms = text.lower().split()
        if self.now is not None:
            self._render_rows(self.selected_id)

    def cycle_sort(self) -> SortKey:
        """Next column; choosing the same column again reverses it."""
        self.sort_index = (self.sort_index + 1) % len(SORT_KEYS)
        self.sort_reversed = False
        self._resort(self.selected_id)
        return SORT_KEYS[self.sort_index]

    def sort_by_column(self, column: str) -> SortKey | None:
        for index, sort in enumerate(SORT_KEYS):
            if sort.column == column:
                if index == self.sort_index:
                    self.sort_reversed = not self.sort_reversed
                else:
                    self.sort_index, self.sort_reversed = index, False
                self._resort(self.selected_id)
                return sort
        return None

    @property
    def sort_description(self) -> str:
        sort = SORT_KEYS[self.sort_index]
        arrow = "↑" if sort.newest_first == self.sort_reversed else "↓"
        return f"{sort.label} {arrow}"

    def _render_rows(self, keep: str | None) -> None:
        assert self.now is not None
        visible = [row for row in self._rows.values() if self._matches(row)]
        wanted = {row.id for row in visible}
        reorder = False
        # Textual's DataTable re-renders every visible cell after any update_cell, even of a row
        # off screen. So with 1,000 rows: a row object the loader handed over again is unchanged
        # (and within the same second so is its relative time); a changed row off screen keeps
        # its old cells until it scrolls into view (the order comes from the rows, not cells).
        second = int(self.now.timestamp())
        sort_key = SORT_KEYS[self.sort_index].key
        low, high = self._view_range()
        made = self._made
        kept: dict[str, tuple[Any, Any]] = {}  # cells made before a rebuild, reused if still fresh
        self._rendering = True
        try:
            with self.app.batch_update():
                removed = [key for key in self._cells if key not in wanted]
                if len(removed) * len(self._cells) > REBUILD_FACTOR * len(visible):
                    kept = {key: (made.get(key), cells) for key, cells in self._cells.items()}
                    self.clear()
                    self._cells.clear()
                    made.clear()
                    removed = []
                    reorder = True
                for gone in removed:
                    self.remove_row(gone)
                    del self._cells[gone]
                    made.pop(gone, None)
                for row in visible:
                    before_row, made_second = made.get(row.id, (None, None))
                    if before_row is row and made_second == second:
                        continue
                    old = self._cells.get(row.id)
                    if old is None:
                        was_made, was_cells = kept.get(row.id, (None, None))
                        fresh = was_made == (row, second) and was_cells is not None
                        cells = was_cells if fresh else self._row_cells(row, self.now)
                        self.add_row(*cells, key=row.id)
                        reorder = True
                    else:
                        if before_row is not None and before_row is not row:
                            reorder = reorder or sort_key(before_row) != sort_key(row)
                        if not low <= self.get_row_index(row.id) < high:
                            continue  # made when it scrolls into view
                        cells = self._row_cells(row, self.now)
                        if old != cells:
                            for column, was, now in zip(self._columns, old, cells, strict=True):
                                if was != now:
                                    self.update_cell(row.id, column.key, now)
                    self._cells[row.id] = cells
                    made[row.id] = (row, second)
                if reorder:
                    self._resort(keep)
                elif keep is not None and keep in self._cells:
                    self._restore_cursor(keep)
                if reorder or removed:  # other rows moved into view
                    self._refresh_view()
        finally:
            self._rendering = False
        self._announce_selection()

    def _matches(self, row: InstanceRow) -> bool:
        """matches(), with each row's text kept while the loader hands over the same row object:
        a filter keystroke then costs a substring test per row, not rebuilding 1,000 texts."""
        terms = self._terms
        if not terms:
            return True
        cached = self._searchable.get(row.id)
        if cached is None or cached[0] is not row:
            cached = (row, searchable_text(row))
            self._searchable[row.id] = cached
        haystack = cached[1]
        return all(term in haystack for term in terms)

    def _view_range(self) -> tuple[int, int]:
        """Row indexes on screen, with a margin; everything before the first layout."""
        height = self.size.height
        if height <= 0:
            return 0, 1 << 30
        top = int(self.scroll_offset.y)
        return top - VIEW_MARGIN, top + height + VIEW_MARGIN

    def _refresh_view(self) -> None:
        """Bring rows that came into view up to date (they may hold cells made earlier)."""
        if self.now is None or not self._cells:
            return
        low, high = self._view_range()
        second = int(self.now.timestamp())
        rows = self._rows
        with self.app.batch_update():
            for index in range(max(0, low), min(self.row_count, high)):
                key = self.coordinate_to_cell_key((index, 0)).row_key.value
                row = rows.get(key or "")
                if row is None or self._made.get(row.id) == (row, second):
                    continue
                cells = self._row_cells(row, self.now)
                old = self._cells.get(row.id)
                if old is not None and old != cells:
                    for column, was, now in zip(self._columns, old, cells, strict=True):
                        if was != now:
                            self.update_cell(row.id, column.key, now)
                self._cells[row.id] = cells
                self._made[row.id] = (row, second)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._rendering and int(old_value) != int(new_value):
            self._refresh_view()

    def on_resize(self) -> None:
        self._refresh_view()

    def _resort(self, keep: str | None) -> None:
        sort = SORT_KEYS[self.sort_index]
        descending = sort.newest_first != self.sort_reversed
        rows = self._rows
        self.sort("id", key=lambda cell: sort.key(rows[_plain(cell)]), reverse=descending)
        if keep is not None and keep in self._cells:
            self._restore_cursor(keep)
        self._announce_selection()

    def _restore_cursor(self, instance_id: str) -> None:
        index = self.get_row_index(instance_id)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)

    def _announce_selection(self) -> None:
        selected = self.selected_id
        if selected != self._last_selected:
            self._last_selected = selected
            self.post_message(self.SelectionChanged(selected))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._announce_selection()

    def _row_cells(self, row: InstanceRow, now: datetime) -> tuple[Any, ...]:
        record = row.record
        narrow = self._narrow
        values: dict[str, Any] = {
            "id": record.id,
            "type": TYPE_SHORT.get(record.type, record.type),
            "status": status_cell(record.status, failing=row.failing, narrow=narrow),
            "branch": clip(record.branch_name, 18),
            "issue": self._issue_cell(row),
            "pr": Text(f"#{record.pr_number}", style="cyan") if record.pr_number else "",
            "agent": str(record.agent_number or ""),
            "seen": short_ago(row.last_seen, now) if narrow else ago(row.last_seen, now),
            "events": Text(
                f"{row.event_count:,}" if row.event_count >= 0 else "…", justify="right"
            ),
        }
        return tuple(values[column.key] for column in self._columns)

    def _issue_cell(self, row: InstanceRow) -> Text:
        number = row.record.issue_number
        if number is None:
            return Text("")
        text = Text(f"#{number}", style="bold")
        if row.issue_title:
            text.append(" " + clip(row.issue_title, self._issue_width - len(text) - 1))
        return text

    def refresh_times(self, now: datetime) -> None:
        """Relative times age without any database change."""
        if self._rows:
            self.now = now
            self._render_rows(self.selected_id)


def _plain(cell: Any) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)
