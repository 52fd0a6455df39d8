"""Which columns the instances table shows at a width, and what each cell of a row says."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rich.text import Text

from ..formatting import TYPE_SHORT, ago, clip, short_ago, status_cell
from ..model import InstanceRow
from .line_table import CELL_PADDING, Columns


class Column(NamedTuple):
    key: str
    label: str
    width: int | None  # None: takes what is left
    shown_from: str  # the narrowest layout that shows it
    justify: str = "left"


COLUMNS = (
    Column("id", "Instance", 16, "narrow"),
    Column("type", "Type", 6, "medium"),
    Column("status", "Status", 16, "narrow"),
    Column("since", "In status", 9, "medium", justify="right"),
    Column("branch", "Branch", 18, "wide"),
    Column("issue", "Issue", None, "narrow"),
    Column("pr", "PR", 6, "narrow"),
    Column("agent", "Agent", 5, "wide"),
    Column("seen", "Last activity", 14, "narrow"),
    Column("events", "Events", 7, "narrow", justify="right"),
)
LAYOUTS = ("narrow", "medium", "wide")
# Narrow terminals get short status names and "3m"-style times in smaller columns.
NARROW_WIDTHS = {"id": 16, "status": 9, "pr": 5, "seen": 4, "events": 6}
MIN_ISSUE_WIDTH = 10


def layout_for(width: int) -> str:
    if width < 100:
        return "narrow"
    return "medium" if width < 140 else "wide"


class ColumnLayout(NamedTuple):
    """The columns shown in a table `width` cells wide (border and scrollbar included)."""

    name: str
    columns: tuple[Column, ...]
    widths: tuple[int, ...]

    @classmethod
    def for_width(cls, width: int) -> ColumnLayout:
        name = layout_for(width)
        rank = LAYOUTS.index(name)
        columns = tuple(c for c in COLUMNS if LAYOUTS.index(c.shown_from) <= rank)
        fixed = NARROW_WIDTHS if name == "narrow" else {c.key: c.width for c in columns if c.width}
        # Padding either side of each column, the border (2) and the vertical scrollbar (1).
        used = sum(fixed.values()) + 2 * CELL_PADDING * len(columns) + 3
        issue_width = max(MIN_ISSUE_WIDTH, width - used)
        widths = tuple(fixed.get(c.key) or issue_width for c in columns)
        return cls(name, columns, widths)

    @property
    def narrow(self) -> bool:
        return self.name == "narrow"

    def table_columns(self) -> Columns:
        labels = tuple(
            "Seen" if (self.narrow and c.key == "seen") else c.label for c in self.columns
        )
        right = frozenset(i for i, c in enumerate(self.columns) if c.justify == "right")
        return Columns(labels, self.widths, right)

    def cells(self, row: InstanceRow, now: datetime) -> tuple[str | Text, ...]:
        record = row.record
        narrow = self.narrow
        cells: list[str | Text] = []
        for column, width in zip(self.columns, self.widths, strict=True):
            key = column.key
            if key == "id":
                value: str | Text = record.id
            elif key == "type":
                value = TYPE_SHORT.get(record.type, record.type)
            elif key == "status":
                value = status_cell(record.status, failing=row.failing, narrow=narrow)
            elif key == "since":  # never changed: its status is the one it was created with
                value = short_ago(row.status_since or record.created_at, now)
            elif key == "branch":
                value = clip(record.branch_name, width)
            elif key == "issue":
                value = issue_cell(row, width)
            elif key == "pr":
                value = Text(f"#{record.pr_number}", style="cyan") if record.pr_number else ""
            elif key == "agent":
                value = str(record.agent_number or "")
            elif key == "seen":
                value = short_ago(row.last_seen, now) if narrow else ago(row.last_seen, now)
            else:
                value = f"{row.event_count:,}" if row.event_count >= 0 else "…"
            cells.append(value)
        return tuple(cells)


def issue_cell(row: InstanceRow, width: int) -> Text:
    number = row.record.issue_number
    if number is None:
        return Text("")
    text = Text(f"#{number}", style="bold")
    if row.issue_title:
        text.append(" " + clip(row.issue_title, width - len(text) - 1))
    return text
