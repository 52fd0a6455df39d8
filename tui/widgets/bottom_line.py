"""The screen's last line: the key bar, or the filter line while that is open (as a search prompt
takes the last line in less or vim)."""

from __future__ import annotations

from textual.containers import Vertical


class BottomLine(Vertical):
    """Holds both lines, one above the other, and is scrolled to the one shown. A scroll repaints
    only the line it exposes; hiding one widget and showing the other (`display`) was a layout
    pass, which repaints the whole screen: ~14 ms of each `/` and `escape` here."""

    DEFAULT_CSS = """
    BottomLine {
        dock: bottom;
        height: 1;
        overflow: hidden hidden;
    }
    BottomLine > Widget {
        dock: none;
        height: 1;
    }
    """

    @property
    def second_shown(self) -> bool:
        return self.scroll_y >= 1

    def show_second(self, show: bool) -> None:
        self.scroll_to(y=1 if show else 0, animate=False, immediate=True, force=True)

    def allow_focus_children(self) -> bool:
        """Only the line shown takes the focus: `tab` skips a filter that is scrolled away."""
        return self.second_shown and super().allow_focus_children()
