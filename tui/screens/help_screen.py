"""`?`: every key and what it does, built from the same keymap as the footer and palette."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keymap import display_key, visible_actions

OTHER_KEYS = (
    ("↑ ↓ / j k", "Move in the table (pgup pgdn home end too)"),
    ("click / double-click", "Select a row / open it; click a header to sort, again to reverse"),
    ("tab", "Move between the table, relationships and timeline (or terminal)"),
    ("enter on an event", "Open the timeline's event in full: error, commit, metadata"),
    ("↑ / in the terminal", "Scroll back through the agent's last 2,000 lines / search them"),
    ("escape", "Clear the filter / close a dialog"),
    ("ctrl+p", "Command palette"),
    ("y / n", "Confirm / cancel in every confirmation"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False, id="help.close2"),
        Binding("q", "close", "Close", show=False, id="help.close3"),
    ]

    def __init__(self, read_only: bool) -> None:
        super().__init__()
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for action in visible_actions(self.read_only):
            table.add_row(display_key(action), action.help)
        for keys, text in OTHER_KEYS:
            table.add_row(keys, text)
        with VerticalScroll(id="dialog", classes="dialog help"):
            title = "Keys" + (
                " — read-only monitor: actions that change data are off" if self.read_only else ""
            )
            yield Static(title, classes="dialog-title")
            yield Static(table)
            yield Static("escape or ? to close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
