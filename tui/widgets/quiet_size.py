"""Set a scroll view's virtual size without Textual's layout pass.

`virtual_size` is a layout reactive: every change reflows the screen and then repaints every widget
on it (a filter keystroke, a new event on the timeline, or switching to the instance screen, where
the layout pass and the resumed screen's repaint drew the whole screen twice). A change along an
axis whose scrollbar never shows, always shows, takes no room or has its room kept (a stable
gutter), or a change that fits without a scrollbar before and after, leaves the widget's region
as it is: it needs only the scrollbars updated. Any other change still takes the layout pass.
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
    styles = widget.styles
    room = widget.container_size
    width_is_quiet = (
        styles.overflow_x in ("hidden", "scroll")  # never shown, or always
        or styles.scrollbar_size_horizontal == 0
        or max(size.width, old.width) <= room.width  # no scrollbar before or after
    )
    height_is_quiet = (
        styles.scrollbar_gutter == "stable"
        or styles.overflow_y in ("hidden", "scroll")
        or styles.scrollbar_size_vertical == 0
        or max(size.height, old.height) <= room.height
    )
    if (
        scroll_update is None
        or not widget.is_mounted
        or not room
        or (size.width != old.width and not width_is_quiet)
        or (size.height != old.height and not height_is_quiet)
    ):
        widget.virtual_size = size
        return
    widget.set_reactive(Widget.virtual_size, size)
    scroll_update(size)
