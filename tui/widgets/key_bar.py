"""A one-line key hint bar, like htop's: drawn from the keymap, never recomposed.

Textual's Footer recomposes its key widgets on every focus or screen change (about 200 ms here with a
dozen keys), which a key press then waits for; this bar only changes its text.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 100%;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def show_keys(self, keys: Iterable[tuple[str, str]]) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        for key, label in keys:
            line.append(f" {key} ", style="bold #ffa62b")
            line.append(f"{label} ")
        # Its size is fixed: new keys need no layout pass (which repaints the whole screen).
        self.update(line, layout=False)
