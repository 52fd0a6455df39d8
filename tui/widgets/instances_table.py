"""The instances table: a Line-API widget that draws only the rows on screen.

Textual's DataTable re-rendered every visible cell after any update and rebuilt rows to filter
(remove_row is O(rows)); with 1,000 live instances that cost 100-500 ms a keystroke. Here the rows
are a list of ids in display order; a line is rendered from its row's cells once and kept until
that row, its stripe, the cursor or the focus changes. Filtering and sorting only recompute the
order; a cursor move redraws two lines. The cursor stays on the same instance across live updates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..model import InstanceRow
from .instance_columns import CELL_PADDING, ColumnLayout
from .instance_order import RowOrder, SortKey

Cells = tuple[str | Text, ...]
HEADER_HEIGHT = 1


class InstancesTable(ScrollView, can_focus=True):
    """Rows keyed by instance id; `apply()` merges a new overview into what is on screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "app.open_instance", "Open", id="open", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "instances-table--header",
        "instances-table--even-row",
        "instances-table--cursor",
    }
    DEFAULT_CSS = """
    InstancesTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        &:focus {
            background-tint: $foreground 5%;
            & > .instances-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .instances-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .instances-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .instances-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .instances-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .instances-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class SelectionChanged(Message):
        def __init__(self, instance_id: str | None) -> None:
            self.instance_id = instance_id
            super().__init__()

    class SortChanged(Message):
        """The user chose another sort (a header click)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: dict[str, InstanceRow] = {}
        self._order: list[str] = []
        self._position: dict[str, int] = {}
        self._ordering = RowOrder()
        self._layout: ColumnLayout | None = None
        self.now: datetime | None = None
        self.cursor_row = 0
        self._last_selected: str | None = None
        # Per row id: the row object and second its cells were made from, and the cells.
        self._cells: dict[str, tuple[InstanceRow, int, Cells]] = {}
        # Per row id: what its line was drawn from (cells, stripe, cursor, focus, width) and the line.
        self._strips: dict[str, tuple[tuple[Any, ...], Strip]] = {}
        self._header: tuple[tuple[Any, ...], Strip] | None = None

    # --- what is shown ----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def selected_id(self) -> str | None:
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    @property
    def instance_rows(self) -> dict[str, InstanceRow]:
        return self._rows

    @property
    def visible_ids(self) -> list[str]:
        """Ids of the rows that pass the filter, in display order."""
        return list(self._order)

    def get_row_index(self, instance_id: str) -> int:
        return self._position[instance_id]

    def cell_text(self, instance_id: str, column: str) -> str:
        """What the row's cell in `column` says, as drawn (tests and automation read it)."""
        assert self._layout is not None
        cells = self._cells_for(instance_id)
        cell = cells[[c.key for c in self._layout.columns].index(column)]
        return cell.plain if isinstance(cell, Text) else cell

    @property
    def sort_index(self) -> int:
        return self._ordering.sort_index

    @property
    def sort_description(self) -> str:
        return self._ordering.description

    # --- changes ----------------------------------------------------------------------------------

    def configure_columns(self, width: int) -> None:
        layout = ColumnLayout.for_width(width)
        if layout == self._layout:
            return
        self._layout = layout
        self._cells.clear()
        self._forget_lines()
        self._update_virtual_size()
        self.refresh()

    def apply(self, rows: dict[str, InstanceRow], now: datetime) -> None:
        self._rows = rows
        self.now = now
        self._reorder()

    def set_filter(self, text: str) -> None:
        self._ordering.set_filter(text)
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

    def refresh_times(self, now: datetime) -> None:
        """Relative times age without any database change."""
        if self._rows:
            self.now = now
            self._refresh_changed_lines()

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        if not self._order:
            self.cursor_row = 0
            return
        row = max(0, min(row, len(self._order) - 1))
        if row != self.cursor_row:
            old = self.cursor_row
            self.cursor_row = row
            self.refresh_line(old + HEADER_HEIGHT)
            self.refresh_line(row + HEADER_HEIGHT)
        if scroll:
            self._scroll_cursor_into_view(animate=animate)
        self._announce_selection()

    def _reorder(self) -> None:
        """Recompute which rows show in which order; keep the cursor on its instance."""
        keep = self.selected_id
        order = self._ordering.order(self._rows.values())
        if order != self._order:
            self._order = order
            self._position = {row_id: index for index, row_id in enumerate(order)}
            if len(self._cells) > 2 * len(self._rows) + 64:
                self._drop_vanished()
            if keep is not None and keep in self._position:
                self.cursor_row = self._position[keep]
            else:
                self.cursor_row = max(0, min(self.cursor_row, len(order) - 1))
            self._update_virtual_size()
            if keep is not None and keep in self._position:
                self._scroll_cursor_into_view()
            self.refresh()
        else:
            self._refresh_changed_lines()
        self._announce_selection()

    def _drop_vanished(self) -> None:
        rows = self._rows
        for cache in (self._cells, self._strips):
            for gone in [key for key in cache if key not in rows]:
                del cache[gone]
        self._ordering.forget(rows)

    def _refresh_changed_lines(self) -> None:
        """Redraw only the on-screen lines whose cells changed (same order, same cursor)."""
        top = int(self.scroll_offset.y)
        for index in range(top, min(len(self._order), top + self.size.height)):
            row_id = self._order[index]
            drawn = self._strips.get(row_id)
            if drawn is None or drawn[0][0] is not self._cells_for(row_id):
                self.refresh_line(index + HEADER_HEIGHT)

    def _update_virtual_size(self) -> None:
        width = self._layout.width if self._layout is not None else 0
        self.virtual_size = Size(width, len(self._order) + HEADER_HEIGHT)

    def _forget_lines(self) -> None:
        self._strips.clear()
        self._header = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_lines()

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.refresh()

    # --- cursor and scrolling ---------------------------------------------------------------------

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        if not self._order:
            return
        region = Region(0, self.cursor_row + HEADER_HEIGHT, max(1, self.size.width), 1)
        self.scroll_to_region(
            region, animate=animate, spacing=Spacing(HEADER_HEIGHT, 0, 0, 0), force=True
        )

    def _page(self) -> int:
        return max(1, self.size.height - HEADER_HEIGHT)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.scroll_relative(y=-self._page(), animate=False, force=True)
        self.move_cursor(row=self.cursor_row - self._page(), scroll=False)
        self._scroll_cursor_into_view()

    def action_page_down(self) -> None:
        self.scroll_relative(y=self._page(), animate=False, force=True)
        self.move_cursor(row=self.cursor_row + self._page(), scroll=False)
        self._scroll_cursor_into_view()

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._order) - 1)

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._layout is None:
            return
        if offset.y < HEADER_HEIGHT:
            column = self._layout.column_at(offset.x + int(self.scroll_offset.x))
            if column is not None and self.sort_by_column(column.key) is not None:
                self.post_message(self.SortChanged())
            return
        index = int(self.scroll_offset.y) + offset.y - HEADER_HEIGHT
        if index < len(self._order):
            self.move_cursor(row=index)
            if event.chain >= 2:
                await self.run_action("app.open_instance")

    def _announce_selection(self) -> None:
        selected = self.selected_id
        if selected != self._last_selected:
            self._last_selected = selected
            self.post_message(self.SelectionChanged(selected))

    # --- drawing ----------------------------------------------------------------------------------

    def _cells_for(self, row_id: str) -> Cells:
        """The row's cells, the same tuple while the row object and its texts are unchanged."""
        row = self._rows[row_id]
        assert self._layout is not None and self.now is not None
        second = int(self.now.timestamp())
        made = self._cells.get(row_id)
        if made is not None and made[0] is row and made[1] == second:
            return made[2]
        cells = self._layout.cells(row, self.now)
        if made is not None and made[2] == cells:
            cells = made[2]  # equal texts: keep the tuple, so its drawn line stays valid
        self._cells[row_id] = (row, second, cells)
        return cells

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._layout is None:
            return Strip.blank(width, self.rich_style)
        if y < HEADER_HEIGHT:
            return self._header_strip(width)
        index = int(self.scroll_offset.y) + y - HEADER_HEIGHT
        if not 0 <= index < len(self._order) or self.now is None:
            return Strip.blank(width, self.rich_style)
        row_id = self._order[index]
        cells = self._cells_for(row_id)
        even = index % 2 == 0
        cursor = index == self.cursor_row
        key = (cells, even, cursor, self.has_focus, width)
        drawn = self._strips.get(row_id)
        if drawn is not None and drawn[0][0] is cells and drawn[0][1:] == key[1:]:
            return drawn[1]
        base = self.rich_style
        if even:
            base += self.get_component_styles("instances-table--even-row").rich_style
        post = self.get_component_styles("instances-table--cursor").rich_style if cursor else None
        strip = self._line(cells, base, post, width)
        self._strips[row_id] = (key, strip)
        return strip

    def _header_strip(self, width: int) -> Strip:
        assert self._layout is not None
        key = (self._layout, self.has_focus, width)
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        style = self.rich_style + self.get_component_styles("instances-table--header").rich_style
        strip = self._line(self._layout.labels(), style, None, width)
        self._header = (key, strip)
        return strip

    def _line(self, cells: Cells, style: Style, post: Style | None, width: int) -> Strip:
        """One segment run per cell, each tagged with its column (as DataTable does)."""
        assert self._layout is not None
        console = self.app.console
        pad = " " * CELL_PADDING
        segments: list[Segment] = []
        for index, (cell, column, cell_width) in enumerate(
            zip(cells, self._layout.columns, self._layout.widths, strict=True)
        ):
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.no_wrap = True
            text.end = ""
            if text.cell_len > cell_width:
                text.truncate(cell_width, overflow="ellipsis")
            gap = " " * (cell_width - text.cell_len)
            if column.justify == "right":
                text = Text.assemble(pad + gap, text, pad, no_wrap=True, end="")
            else:
                text = Text.assemble(pad, text, gap + pad, no_wrap=True, end="")
            cell_style = style + _COLUMN_META[index]
            segments.extend(Segment.apply_style(text.render(console), cell_style, post))
        return Strip(segments, self._layout.width).crop_extend(0, width, style)


_COLUMN_META = [Style.from_meta({"column": index}) for index in range(32)]
