"""`enter`: one instance in full — every field, relationships, and its whole timeline, paged from
the database as the cursor reaches the end (never loaded whole)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from store import DatabaseError

from ..formatting import STATUS_RICH, ago, clip
from ..keymap import key_hints
from ..model import FIRST_PAGE, InstanceDetail
from ..widgets.field_list import Field, FieldList
from ..widgets.key_bar import KeyBar
from ..widgets.relationship_tree import RelationshipTree
from ..widgets.timeline import EventTable

if TYPE_CHECKING:
    from ..app import CodexDashApp

PAGE = 200  # each further page, loaded as the cursor nears the end


def field_rows(detail: InstanceDetail, now: datetime) -> list[Field]:
    record = detail.record
    if record is None:
        return [("", Text("this instance no longer exists", style="red"))]
    rows: list[Field] = []
    for field in fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            shown = Text(f"{value:%Y-%m-%d %H:%M:%S} UTC  ({ago(value, now)})")
        elif field.name == "status":
            shown = Text(value, style=STATUS_RICH.get(value, ""))
        elif value is None:
            shown = Text("—", style="dim")
        elif field.name == "system_prompt":
            shown = Text(clip(" ".join(str(value).split()), 400))
        else:
            shown = Text(str(value))
        rows.append((field.name, shown))
    rows.append(("events", Text(f"{detail.event_count:,}")))
    return rows


class InstanceScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="instance.back"),
        Binding("q", "back", "Back", show=False, id="instance.back2"),
        Binding("m", "more", "More events", id="instance.more"),
    ]

    def __init__(self, instance_id: str = "") -> None:
        super().__init__()
        self.instance_id = instance_id
        self._exhausted = False
        self._loading = False
        self._preloaded: InstanceDetail | None = None
        self._shown: InstanceDetail | None = None
        self._prepared = False

    def show_instance(self, instance_id: str, detail: InstanceDetail | None = None) -> None:
        """The app keeps one instance screen and reuses it: composing and styling a new screen
        cost more than loading its data. `detail`, when the app already holds the instance's
        first page (the main screen's timeline loads the same page), is drawn in the screen's
        first frame; a fresh page follows from the database and redraws only what changed.

        Called before the screen is pushed: its widgets are filled while it is still hidden, so
        their redraws land in the screen's first frame (filled on resume, each widget was drawn
        again right after that full frame)."""
        if (
            self._prepared
            and instance_id == self.instance_id
            and detail is not None
            and detail == self._shown
        ):
            return  # drawn ahead with this detail (`draw_ahead`)
        self.instance_id = instance_id
        self._preloaded = (
            detail if detail is not None and detail.instance_id == instance_id else None
        )
        self._prepared = False
        if self.is_mounted:
            self._prepare()

    def draw_ahead(self) -> Iterator[Widget]:
        """Draw every widget's lines now, while the screen is hidden (after `show_instance`):
        `enter` then shows lines already drawn instead of drawing the whole screen on the key
        press (half of opening an instance). Scrollbars are left: showing the screen restyles
        and so redraws them anyway. Yields after each widget, so the caller can let other work
        in between."""
        for widget in list(self.query(Widget)):
            width, height = widget.outer_size
            if widget.display and width and height:
                widget.render_lines(Region(0, 0, width, height))
                yield widget

    def _prepare(self) -> None:
        self._prepared = True
        self.query_one(FieldList).border_title = self.instance_id
        self._exhausted, self._loading = False, False
        self._shown = None
        if self._preloaded is not None:
            self._show_first_page(self._preloaded)
        else:
            self.query_one(EventTable).show([], self.dash.now())
            self.query_one(FieldList).show([])
            self.query_one("#events-title", Static).update("Timeline: loading…", layout=False)
        self._preloaded = None
        # Screen.set_focus, not Widget.focus: that one also redraws the whole table.
        self.set_focus(self.query_one(EventTable))

    @property
    def dash(self) -> CodexDashApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Horizontal(id="instance-top"):
            yield FieldList(id="fields")
            yield RelationshipTree(id="instance-tree")
        with Vertical(id="instance-events"):
            yield Static(id="events-title")
            yield EventTable(id="instance-timeline")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#instance-tree").border_title = "Relationships"
        from ..actions.guard import INSTANCE_SCREEN_ACTIONS  # which dashboard keys apply here

        keys = [("esc", "Back"), ("m", "More events")]  # here `q` goes back too, never quits
        self.query_one(KeyBar).show_keys(
            keys + key_hints(self.dash.read_only, INSTANCE_SCREEN_ACTIONS - {"quit"})
        )

    def on_screen_resume(self) -> None:
        """Shown: after `enter`, or again when a dialog over it closes (then the pages already
        shown stay, and the first one is read again for what the dialog changed)."""
        if not self.instance_id:  # composed ahead by the app, not shown
            return
        if not self._prepared:  # shown before it was ever mounted
            self._prepare()
        self.load_first_page()

    @work(exclusive=True, group="instance-page")
    async def load_first_page(self) -> None:
        try:
            detail = await self.dash.gateway.run(
                self.dash.feed.load_detail_sync, self.instance_id, FIRST_PAGE
            )
        except DatabaseError as exc:
            self.notify(exc.message, title=exc.code, severity="error")
            return
        if not self.is_current:  # closed (escape) while the page loaded
            return
        self._show_first_page(detail)

    def _show_first_page(self, detail: InstanceDetail) -> None:
        table = self.query_one(EventTable)
        if detail == self._shown or table.row_count > FIRST_PAGE:
            return  # unchanged, or the user already paged further
        now = self.dash.now()
        self.query_one(FieldList).show(field_rows(detail, now))
        self.query_one(RelationshipTree).show_detail(detail)
        table.show(detail.events, now)
        self._shown = detail
        self._exhausted = len(detail.events) < FIRST_PAGE
        self._title(detail.event_count)

    def _title(self, total: int) -> None:
        shown = self.query_one(EventTable).row_count
        more = "" if self._exhausted else " · m or scroll to the end for more"
        self.query_one("#events-title", Static).update(
            f"Timeline, newest first: {shown:,} of {total:,} events{more}", layout=False
        )
        self._total = total

    def on_event_table_selection_changed(self, event: EventTable.SelectionChanged) -> None:
        table = event.table
        if table.id == "instance-timeline" and table.cursor_row >= table.row_count - 5:
            self.action_more()

    def action_more(self) -> None:
        # Not before the first page is shown: there is no "after" yet (an empty table's
        # selection message would otherwise page from the newest event).
        if self._shown is not None and not self._exhausted and not self._loading:
            self._loading = True
            self.load_next_page()

    @work(exclusive=True, group="instance-page")
    async def load_next_page(self) -> None:
        table = self.query_one(EventTable)
        try:
            before = table.oldest_id
            events = await self.dash.gateway.run(
                lambda: self.dash.gateway.db.get_mcp_events(
                    self.instance_id, PAGE, before_id=before
                )
            )
        except DatabaseError as exc:
            self.notify(exc.message, title=exc.code, severity="error")
            return
        finally:
            self._loading = False
        if not self.is_current:  # closed while the page loaded
            return
        table.show(events, self.dash.now(), append=True)
        self._exhausted = len(events) < PAGE
        self._title(getattr(self, "_total", table.row_count))

    def action_back(self) -> None:
        self.dismiss(None)
