"""The `/` filter box: its keys show in the footer while it has the focus."""

from __future__ import annotations

from textual.binding import Binding
from textual.geometry import Size
from textual.widgets import Input

from .quiet_size import set_virtual_size


class FilterInput(Input):
    BINDINGS = [
        Binding("enter", "submit", "To the table", id="filter.done"),
        Binding("escape", "app.clear_filter", "Clear filter", id="filter.escape"),
    ]

    def _watch_value(self, value: str) -> None:
        # Input sets its virtual width for every keystroke, and that reactive reflows and repaints
        # the whole screen (11-54 ms a keystroke here). Set quietly first, the assignment in
        # Input's own watcher is a no-op: its scrollbar takes no room, nothing else moves.
        set_virtual_size(self, Size(self.content_width, 1))
        super()._watch_value(value)
