"""Lines of rich Text in a scroll view of their own, drawn through the Line API.

The instance screen's fields and both relationship panes were a Static (or a Table in a scroll
container): new content took a layout pass, and a layout pass repaints the whole screen; on `enter`
the screen then drew twice. Here new lines change only the virtual height (`set_virtual_size`), each
drawn line is kept until the lines, the width or the style change, and a line wider than the view
ends in "…".
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip

from .kept_scrollbar import KeptScrollView
from .quiet_size import set_virtual_size


class TextView(KeptScrollView):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._lines: list[Text] = []
        self._laid_out: tuple[int, list[Text]] | None = None  # (width, lines at that width)
        # Drawn lines of the current width (`lines` forgets them when the width changes), per
        # (index, style); the style is read once a render pass, as LineTable does.
        self._strips: dict[tuple[int, Style], Strip] = {}
        self._style = Style()

    def set_lines(self, lines: list[Text]) -> None:
        self._lines = lines
        self.content_changed()

    def content_changed(self) -> None:
        """What `lines_at` returns changed: forget drawn lines, fit the height, redraw."""
        self._laid_out = None
        self._strips = {}
        self._fit()
        self.refresh()

    def lines_at(self, width: int) -> list[Text]:
        """The lines for a content `width`; subclasses that fold to the width override this."""
        return self._lines

    def lines(self, width: int) -> list[Text]:
        if self._laid_out is None or self._laid_out[0] != width:
            self._laid_out = (width, self.lines_at(width))
            self._strips = {}
        return self._laid_out[1]

    def text(self, width: int) -> Text:
        """Everything shown at `width`, as one Text (for reading it back)."""
        return Text("\n").join(self.lines(width))

    def _fit(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0:
            set_virtual_size(self, Size(width, len(self.lines(width))))

    def on_resize(self) -> None:
        self._fit()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._style = self.rich_style  # walks the ancestors (~0.1 ms): once a pass, not a line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        lines = self.lines(width)
        index = int(self.scroll_offset.y) + y
        style = self._style
        if index >= len(lines):
            return Strip.blank(width, style)
        key = (index, style)
        strip = self._strips.get(key)
        if strip is None:
            line = lines[index]
            if line.cell_len > width:
                line = line.copy()
                line.truncate(width, overflow="ellipsis")
            segments = Segment.apply_style(line.render(self.app.console), style)
            strip = self._strips[key] = Strip(segments).crop_extend(0, width, style)
        return strip
