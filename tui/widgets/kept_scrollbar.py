"""Scrollbars drawn again only when what they show changes.

Textual redraws a widget's scrollbars whenever the widget is restyled: its scrollbar colours are
set again, and setting one refreshes the bar (a focus change, every screen shown). Through the
widget line pipeline a bar costs ~0.1 ms a line here, 4-8 ms of opening an instance for bars that
had not changed. A bar's lines follow from its size, range, position, style and pointer state,
so they are kept for those.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip


class KeptScrollBar(ScrollBar):
    _kept: tuple[tuple[object, ...], list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self.render()  # the renderable holds the range, position and style
        made_from = (
            crop,
            self.size,
            self.grabbed,
            self.mouse_over,
            *(getattr(bar, name, None) for name in ("virtual_size", "window_size", "position")),
            getattr(bar, "thickness", None),
            getattr(bar, "style", None),
        )
        if self._kept is not None and self._kept[0] == made_from:
            return self._kept[1]
        lines = super().render_lines(crop)
        self._kept = (made_from, lines)
        return lines


class KeptScrollView(ScrollView):
    """The scroll view our line views share (LineTable, TextView): its vertical bar is a
    KeptScrollBar, always shown with an empty track (a bar appearing or going is a layout pass,
    which repaints the whole screen), and nothing scrolls sideways. Textual makes the bar (there
    is no hook for its class); it is given the subclass before it is first drawn."""

    DEFAULT_CSS = """
    KeptScrollView {
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-background: transparent;  /* the thumb shows, an empty track does not */
        scrollbar-size-vertical: 1;
    }
    """

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        bar = super().vertical_scrollbar
        if type(bar) is ScrollBar:
            bar.__class__ = KeptScrollBar
        return bar
