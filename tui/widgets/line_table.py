"""A table that draws only the lines on screen and keeps each line until its row changes.

Textual's DataTable re-rendered every visible cell after any update and rebuilt rows to filter
(remove_row is O(rows)): with 1,000 live instances that cost 100-500 ms a keystroke. Here rows are
a list of keys in display order; subclasses give each key its cells, returning the *same* tuple
while nothing in it changed, and a drawn line is kept while its cells, stripe, cursor, focus and
width are the same. A new order redraws the screen from kept lines; a cursor move redraws two.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.strip import Strip

from .kept_scrollbar import KeptScrollView
from .quiet_size import set_virtual_size

Cells = tuple[str | Text, ...]
Run = tuple[int, str, Style | None]  # column, text, the cell's own style
HEADER_HEIGHT = 1
CELL_PADDING = 1  # blank cells either side of every column


class Columns(NamedTuple):
    labels: tuple[str, ...]
    widths: tuple[int, ...]
    right_aligned: frozenset[int] = frozenset()

    @property
    def width(self) -> int:
        """Cells a full line takes, padding included."""
        return sum(self.widths) + 2 * CELL_PADDING * len(self.widths)

    def index_at(self, x: int) -> int | None:
        """The column under content offset x."""
        edge = 0
        for index, width in enumerate(self.widths):
            edge += width + 2 * CELL_PADDING
            if x < edge:
                return index
        return None


class LineTable(KeptScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First", show=False),
        Binding("end,ctrl+end", "last", "Last", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header",
        "line-table--even-row",
        "line-table--cursor",
    }
    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        /* Focus shows in the cursor and the container's border, not a tint of every line:
           moving the focus then redraws one line, not the screen. */
        &:focus > .line-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .line-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .line-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .line-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class SelectionChanged(Message):
        """The cursor is on another row (key None: no rows)."""

        def __init__(self, table: LineTable, key: str | None) -> None:
            self.table = table
            self.key = key
            super().__init__()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._keys: list[str] = []
        self._position: dict[str, int] = {}
        self.cursor_row = 0
        self._columns: Columns | None = None
        self._last_selected: str | None = None
        # Per key: what its line was drawn from (cells, styles, width), and the line.
        self._strips: dict[str, tuple[tuple[Any, ...], Strip]] = {}
        self._header: tuple[tuple[Any, ...], Strip] | None = None
        # Per cells tuple (by identity): its text fitted to the columns, before the line's style.
        self._runs: dict[int, tuple[Cells, tuple[Run, ...]]] = {}
        self._combined: dict[tuple[Style, int, Style | None, Style | None], Style] = {}
        self._styles: _LineStyles | None = None

    # --- for subclasses ---------------------------------------------------------------------------

    def row_cells(self, key: str) -> Cells:
        """The row's cells: the same tuple object while they are unchanged."""
        raise NotImplementedError

    def header_clicked(self, column: int) -> None:
        """A click on the header of `column`."""

    async def row_activated(self, key: str) -> None:
        """A double click on a row."""

    # --- what is shown ----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        """Keys of the rows, in display order."""
        return list(self._keys)

    @property
    def selected_key(self) -> str | None:
        if not self._keys:
            return None
        return self._keys[min(self.cursor_row, len(self._keys) - 1)]

    def get_row_index(self, key: str) -> int:
        return self._position[key]

    # --- changes ----------------------------------------------------------------------------------

    def set_columns(self, columns: Columns) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        self._forget_lines()
        self._update_virtual_size()
        self.refresh()

    def set_order(self, keys: list[str]) -> None:
        """Show these rows in this order; the cursor stays on its row while that row is shown."""
        if keys == self._keys:
            self.refresh_changed_lines()
            return
        keep = self.selected_key
        self._keys = keys
        self._position = {key: index for index, key in enumerate(keys)}
        if len(self._strips) > 2 * len(keys) + 64:
            self._strips = {k: v for k, v in self._strips.items() if k in self._position}
        kept = keep is not None and keep in self._position
        if kept:
            self.cursor_row = self._position[keep]  # type: ignore[index]
        else:
            self.cursor_row = max(0, min(self.cursor_row, len(keys) - 1))
        self._update_virtual_size()
        if kept:
            self._scroll_cursor_into_view()
        self.refresh()
        self._announce_selection()

    def append_rows(self, keys: list[str]) -> None:
        """Rows added after the last (a further page): nothing above them moves."""
        start = len(self._keys)
        for offset, key in enumerate(keys):
            self._position[key] = start + offset
        self._keys.extend(keys)
        self._update_virtual_size()
        self.refresh_lines(start + HEADER_HEIGHT, len(keys))
        self._announce_selection()

    def refresh_changed_lines(self) -> None:
        """Redraw the on-screen lines whose cells changed (same order, same cursor)."""
        top = int(self.scroll_offset.y)
        for index in range(top, min(len(self._keys), top + self.size.height)):
            key = self._keys[index]
            drawn = self._strips.get(key)
            if drawn is None or drawn[0][0] is not self.row_cells(key):
                self.refresh_line(index + HEADER_HEIGHT)

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        if not self._keys:
            self.cursor_row = 0
            return
        row = max(0, min(row, len(self._keys) - 1))
        if row != self.cursor_row:
            old = self.cursor_row
            self.cursor_row = row
            self.refresh_line(old + HEADER_HEIGHT)
            self.refresh_line(row + HEADER_HEIGHT)
        if scroll:
            self._scroll_cursor_into_view(animate=animate)
        self._announce_selection()

    def _update_virtual_size(self) -> None:
        width = self._columns.width if self._columns is not None else 0
        set_virtual_size(self, Size(width, len(self._keys) + HEADER_HEIGHT))

    def _forget_lines(self) -> None:
        self._strips.clear()
        self._runs.clear()
        self._combined.clear()
        self._header = None

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.refresh_line(self.cursor_row + HEADER_HEIGHT)

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.refresh_line(self.cursor_row + HEADER_HEIGHT)

    def _announce_selection(self) -> None:
        selected = self.selected_key
        if selected != self._last_selected:
            self._last_selected = selected
            self.post_message(self.SelectionChanged(self, selected))

    # --- cursor and scrolling ---------------------------------------------------------------------

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        if not self._keys:
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
        self.move_cursor(row=len(self._keys) - 1)

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._columns is None:
            return
        if offset.y < HEADER_HEIGHT:
            column = self._columns.index_at(offset.x + int(self.scroll_offset.x))
            if column is not None:
                self.header_clicked(column)
            return
        index = int(self.scroll_offset.y) + offset.y - HEADER_HEIGHT
        if index < len(self._keys):
            self.move_cursor(row=index)
            if event.chain >= 2:
                await self.row_activated(self._keys[index])

    # --- drawing ----------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's styles, once a pass: `rich_style` walks the ancestors (~0.1 ms a call).
        base = self.rich_style
        self._styles = _LineStyles(
            odd=base,
            even=base + self.get_component_styles("line-table--even-row").rich_style,
            cursor=self.get_component_styles("line-table--cursor").rich_style,
            header=base + self.get_component_styles("line-table--header").rich_style,
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        styles = self._styles
        if self._columns is None or styles is None:
            return Strip.blank(width)
        if y < HEADER_HEIGHT:
            return self._header_strip(width, styles.header)
        index = int(self.scroll_offset.y) + y - HEADER_HEIGHT
        if not 0 <= index < len(self._keys):
            return Strip.blank(width, styles.odd)
        key = self._keys[index]
        cells = self.row_cells(key)
        style = styles.even if index % 2 == 0 else styles.odd
        post = styles.cursor if index == self.cursor_row else None
        made_from = (cells, style, post, width)
        drawn = self._strips.get(key)
        if drawn is not None and drawn[0][0] is cells and drawn[0][1:] == made_from[1:]:
            return drawn[1]
        strip = self._line(cells, style, post, width)
        self._strips[key] = (made_from, strip)
        return strip

    def _header_strip(self, width: int, style: Style) -> Strip:
        assert self._columns is not None
        made_from = (self._columns, style, width)
        if self._header is not None and self._header[0] == made_from:
            return self._header[1]
        strip = self._line(self._columns.labels, style, None, width)
        self._header = (made_from, strip)
        return strip

    def _line(self, cells: Cells, style: Style, post: Style | None, width: int) -> Strip:
        """One segment run per cell part, each tagged with its column (as DataTable does). A
        row's runs are kept while its cells are the same object, so a row drawn again in the
        other stripe or under the cursor (every row below a filtered-out one) only restyles
        them: 0.03 ms a line instead of 0.3."""
        assert self._columns is not None
        combined = self._combined
        segments: list[Segment] = []
        for index, text, own in self._cell_runs(cells):
            made_from = (style, index, own, post)
            run_style = combined.get(made_from)
            if run_style is None:
                run_style = style + _column_meta(index)
                if own is not None:
                    run_style += own
                if post is not None:
                    run_style += post
                if len(combined) > 4096:  # a theme changed many times
                    combined.clear()
                combined[made_from] = run_style
            segments.append(Segment(text, run_style))
        return Strip(segments, self._columns.width).crop_extend(0, width, style)

    def _cell_runs(self, cells: Cells) -> tuple[Run, ...]:
        kept = self._runs.get(id(cells))
        if kept is not None and kept[0] is cells:
            return kept[1]
        runs = self._make_runs(cells)
        if len(self._runs) > 4 * len(self._keys) + 64:
            self._runs.clear()
        self._runs[id(cells)] = (cells, runs)
        return runs

    def _make_runs(self, cells: Cells) -> tuple[Run, ...]:
        """Each cell fitted to its column and padded. Strings, and Text in one style (a status,
        a title), become runs directly: going through rich Text costs four times as much."""
        assert self._columns is not None
        console = self.app.console
        pad = " " * CELL_PADDING
        right = self._columns.right_aligned
        runs: list[Run] = []
        for index, (cell, cell_width) in enumerate(zip(cells, self._columns.widths, strict=True)):
            own: Style | None = None
            if isinstance(cell, Text) and not cell.spans:
                own = console.get_style(cell.style) if cell.style else None
                cell = cell.plain
            if isinstance(cell, str):
                length = cell_len(cell)
                if length > cell_width:
                    cell = set_cell_size(cell, cell_width - 1) + "…"
                    length = cell_width
                gap = " " * (cell_width - length)
                lead, trail = (pad + gap, pad) if index in right else (pad, gap + pad)
                if own is None:
                    runs.append((index, lead + cell + trail, None))
                else:  # the padding stays out of the cell's style, as in rich Text
                    runs += ((index, lead, None), (index, cell, own), (index, trail, None))
                continue
            text = cell.copy()
            text.no_wrap = True
            text.end = ""
            if text.cell_len > cell_width:
                text.truncate(cell_width, overflow="ellipsis")
            gap = " " * (cell_width - text.cell_len)
            if index in right:
                text = Text.assemble(pad + gap, text, pad, no_wrap=True, end="")
            else:
                text = Text.assemble(pad, text, gap + pad, no_wrap=True, end="")
            runs.extend((index, part.text, part.style) for part in text.render(console))
        return tuple(runs)


class _LineStyles(NamedTuple):
    odd: Style
    even: Style
    cursor: Style
    header: Style


_META: dict[int, Style] = {}


def _column_meta(index: int) -> Style:
    meta = _META.get(index)
    if meta is None:
        meta = _META[index] = Style.from_meta({"column": index})
    return meta
