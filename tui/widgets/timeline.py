"""An instance's MCP events, newest first, with an activity sparkline above them."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline

from store import MCPEventRecord

from ..formatting import STATUS_RICH, clip, clock_time


def event_cells(event: MCPEventRecord, now: datetime) -> tuple[object, ...]:
    ok = Text("✓", style="green") if event.success else Text("✗", style="bold red")
    detail = Text()
    if event.status_change:
        detail.append("→ " + event.status_change, style=STATUS_RICH.get(event.status_change, ""))
    if event.error_message:
        detail.append((" " if detail else "") + clip(event.error_message, 200), style="red")
    if event.git_commit_hash:
        detail.append(
            (" " if detail else "") + f"commit {event.git_commit_hash[:10]}", style="yellow"
        )
    return (clock_time(event.timestamp, now), event.tool_name, ok, detail)


class EventTable(DataTable):
    """Event rows keyed by event id."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        tool = 20 if self.app.size.width >= 100 else 13
        # An explicit width for the last column: measured from content it would depend on which
        # rows were there when the table was last laid out.
        rest = max(20, (self.size.width or self.app.size.width) - (11 + tool + 2) - 2 * 4 - 1)
        self.add_column("Time", key="time", width=11)
        self.add_column("Tool", key="tool", width=tool)
        self.add_column("OK", key="ok", width=2)
        self.add_column("Status change · error · commit", key="detail", width=rest)

    def show(self, events: list[MCPEventRecord], now: datetime, *, append: bool = False) -> None:
        with self.app.batch_update():
            if not append:  # columns too: the detail column fits these events, not earlier ones
                self.clear(columns=True)
                self._add_columns()
            for event in events:
                key = str(event.id)
                if key not in self.rows:
                    self.add_row(*event_cells(event, now), key=key)

    @property
    def oldest_id(self) -> int | None:
        if self.row_count == 0:
            return None
        return int(self.coordinate_to_cell_key((self.row_count - 1, 0)).row_key.value or 0)


class Timeline(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(id="activity-row"):
            yield Label("last 60 min", id="activity-label")
            yield Sparkline([], id="activity")
        yield EventTable(id="events")

    def show(
        self, events: list[MCPEventRecord], activity: list[int], total: int, now: datetime
    ) -> None:
        self.query_one(Sparkline).data = activity or [0]
        label = self.query_one("#activity-label", Label)
        label.update(f"{sum(activity)} in 60 min · {total:,} total")
        self.query_one(EventTable).show(events, now)
