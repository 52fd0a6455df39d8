"""Set a scroll view's virtual size without Textual's layout pass.

`virtual_size` is a layout reactive: every change reflows the screen and then repaints every widget
on it (a filter keystroke, a new event on the timeline, or switching to the instance screen, where
the layout pass and the resumed screen's repaint drew the whole screen twice). A view whose
scrollbar gutter is stable keeps its region whatever its height, so a change of height needs only
its scrollbar updated; a change of width, or whether a scrollbar shows, still takes the layout pass.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    old = widget.virtual_size
    if size == old:
        return
    # Textual's own hook for "scrollbars after a size change" is private; without it (another
    # Textual version), fall back to the layout pass.
    scroll_update = getattr(widget, "_scroll_update", None)
    if (
        scroll_update is None
        or size.width != old.width
        or not widget.is_mounted
        or not widget.container_size
        or widget.styles.scrollbar_gutter != "stable"
    ):
        widget.virtual_size = size
        return
    widget.set_reactive(Widget.virtual_size, size)
    scroll_update(size)
