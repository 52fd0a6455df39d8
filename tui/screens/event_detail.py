"""`enter` on a timeline event: the event in full, scrollable — tool, time, success, status change,
the whole error message, the commit, and the metadata JSON pretty-printed and highlighted."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from store import MCPEventRecord

from ..formatting import STATUS_RICH, ago
from ..widgets.field_list import Field, FieldList


def metadata_text(metadata: Any) -> Text:
    """The metadata as indented JSON with syntax colours (text that is not JSON, as it is)."""
    if metadata is None or metadata == {}:
        return Text("—", style="dim")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return Text(metadata)
    pretty = json.dumps(metadata, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    text = Text(pretty)
    JSONHighlighter().highlight(text)  # keys, strings, numbers, booleans: on any background
    return text


def event_fields(event: MCPEventRecord, now: datetime) -> list[Field]:
    moment = event.timestamp
    when = (
        Text(f"{moment:%Y-%m-%d %H:%M:%S} UTC  ({ago(moment, now)})")
        if moment
        else Text("—", style="dim")
    )
    success = (
        Text("✓ succeeded", style="green") if event.success else Text("✗ failed", style="bold red")
    )
    status = (
        Text("→ " + event.status_change, style=STATUS_RICH.get(event.status_change, ""))
        if event.status_change
        else Text("—", style="dim")
    )
    error = Text(event.error_message, style="red") if event.error_message else Text("—", "dim")
    commit = (
        Text(event.git_commit_hash, style="yellow") if event.git_commit_hash else Text("—", "dim")
    )
    return [
        ("tool", Text(event.tool_name, style="bold")),
        ("time", when),
        ("success", success),
        ("status change", status),
        ("updates status", Text("yes" if event.is_status_updating else "no")),
        ("error", error),
        ("commit", commit),
        ("instance", Text(event.instance_id)),
        ("event id", Text(str(event.id) if event.id is not None else "—")),
        ("metadata", metadata_text(event.metadata)),
    ]


class EventDetailScreen(ModalScreen[None]):
    CSS_PATH = "event_detail.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close", id="event.close"),
        Binding("q", "close", "Close", show=False, id="event.close2"),
        Binding("enter", "close", "Close", show=False, id="event.close3"),
    ]

    def __init__(self, event: MCPEventRecord, now: datetime) -> None:
        super().__init__()
        self.event = event
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(id="event-dialog", classes="dialog"):
            title = f"Event {self.event.id} · {self.event.tool_name}"
            yield Static(title, classes="dialog-title")
            yield FieldList(id="event-fields")
            yield Static("↑ ↓ pgup pgdn scroll · escape to close", classes="dialog-hint")

    def on_mount(self) -> None:
        fields = self.query_one(FieldList)
        fields.show(event_fields(self.event, self.now))
        fields.focus()

    def action_close(self) -> None:
        self.dismiss(None)
