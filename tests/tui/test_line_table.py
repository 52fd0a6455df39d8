"""LineTable's fast ways of fitting cells draw what rich Text draws: strings and one-style Text
go straight to runs, Text with spans goes through rich."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from tui.widgets.line_table import Cells, Columns, LineTable

pytestmark = pytest.mark.anyio


class Table(LineTable):
    def __init__(self, rows: dict[str, Cells]) -> None:
        super().__init__()
        self.rows = rows

    def row_cells(self, key: str) -> Cells:
        return self.rows[key]


class TableApp(App[None]):
    def __init__(self, rows: dict[str, Cells]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Table(self.rows)


def through_rich(text: Text) -> Text:
    """The same text and style as spans: the Text path."""
    spanned = Text(text.plain)
    spanned.stylize(text.style)
    return spanned


def cells_of(line) -> list[tuple[str, object]]:
    """Character by character: where runs split differs, what is drawn must not."""
    return [(char, segment.style) for segment in line for char in segment.text]


async def test_strings_and_one_style_text_draw_as_rich_text_does():
    one_style = ("started", "bold green"), ("a title far too long for its column", "bold")
    fast: Cells = (
        "plain",
        *(Text(plain, style=style) for plain, style in one_style),
        "1,234",
        "a string far too long for its column",
    )
    rich: Cells = (
        Text("plain"),
        *(through_rich(Text(plain, style=style)) for plain, style in one_style),
        Text("1,234"),
        Text("a string far too long for its column"),
    )
    assert all(cell.spans for cell in rich[1:3])  # the slow path, for the reference
    app = TableApp({"top": ("", "", "", "", ""), "fast": fast, "rich": rich})
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(Table)
        table.set_columns(Columns(("a", "b", "c", "d", "e"), (8, 9, 12, 7, 12), frozenset({3})))
        table.set_order(["top", "fast", "rich"])  # the cursor stays on "top"
        await pilot.pause()
        fast_line, rich_line = (table.render_line(y) for y in (2, 3))
        assert fast_line.text == rich_line.text
        assert "…" in fast_line.text and "  1,234 " in fast_line.text  # cut, right-aligned
        # Same style on every character in the same stripe.
        table.set_order(["top", "rich", "fast"])
        await pilot.pause()
        assert cells_of(table.render_line(3)) == cells_of(rich_line)
