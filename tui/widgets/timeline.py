"""An instance's MCP events, newest first, with an activity sparkline above them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label, Sparkline

from store import MCPEventRecord

from ..formatting import STATUS_RICH, clip, clock_time
from .line_table import Cells, Columns, LineTable


def event_cells(event: MCPEventRecord, now: datetime) -> Cells:
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


class EventTable(LineTable):
    """Event rows keyed by event id, newest first; further pages are appended below."""

    DETAIL_LABEL = "Status change · error · commit"
    # `enter` here opens the event under the cursor (the app's own `enter` opens an instance:
    # the focused widget's binding comes first).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_event", "Event", show=False, id="timeline.open_event"),
    ]

    class SelectionChanged(LineTable.SelectionChanged):
        pass

    class EventChosen(Message):
        """`enter` or a double click on an event: show it in full."""

        def __init__(self, table: EventTable, event: MCPEventRecord) -> None:
            self.table = table
            self.event = event
            super().__init__()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._events: dict[str, tuple[MCPEventRecord, Cells]] = {}
        self.now: datetime | None = None

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        tool = 20 if self.app.size.width >= 100 else 13
        fixed = (11, tool, 2)
        # The scrollbar (1) and padding either side of each of 4 columns.
        detail = max(20, (self.size.width or self.app.size.width) - sum(fixed) - 2 * 4 - 1)
        self.set_columns(Columns(("Time", "Tool", "OK", self.DETAIL_LABEL), (*fixed, detail)))

    def show(self, events: list[MCPEventRecord], now: datetime, *, append: bool = False) -> None:
        """A new page replaces the rows (`append`: adds them below). An event shown before keeps
        its cells, and so its drawn line, while it and the day are the same: a timeline that
        gained one event draws one line."""
        if self._columns is None:
            self._fit_columns()
        if append:
            fresh = [event for event in events if str(event.id) not in self._events]
            for event in fresh:
                self._events[str(event.id)] = (event, event_cells(event, self.now or now))
            self.append_rows([str(event.id) for event in fresh])
            return
        same_day = self.now is not None and self.now.date() == now.date()
        kept = self._events if same_day else {}
        self.now = now
        self._events = {}
        for event in events:
            key = str(event.id)
            if key in self._events:
                continue
            old = kept.get(key)
            self._events[key] = (
                old if old is not None and old[0] == event else (event, event_cells(event, now))
            )
        self.set_order(list(self._events))

    def row_cells(self, key: str) -> Cells:
        return self._events[key][1]

    @property
    def selected_event(self) -> MCPEventRecord | None:
        key = self.selected_key
        return self._events[key][0] if key is not None and key in self._events else None

    def action_open_event(self) -> None:
        event = self.selected_event
        if event is not None:
            self.post_message(self.EventChosen(self, event))

    async def row_activated(self, key: str) -> None:
        if key in self._events:
            self.post_message(self.EventChosen(self, self._events[key][0]))

    @property
    def oldest_id(self) -> int | None:
        return int(self._keys[-1]) if self._keys else None


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
        text = f"{sum(activity)} in 60 min · {total:,} total"
        shown = str(label.content)
        if shown != text:  # a layout pass repaints the whole screen: only when its width changes
            label.update(text, layout=len(shown) != len(text))
        self.query_one(EventTable).show(events, now)
