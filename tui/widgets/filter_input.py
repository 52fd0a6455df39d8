"""The `/` filter box: its keys show in the footer while it has the focus."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FilterInput(Input):
    BINDINGS = [
        Binding("enter", "submit", "To the table", id="filter.done"),
        Binding("escape", "app.clear_filter", "Clear filter", id="filter.escape"),
    ]
