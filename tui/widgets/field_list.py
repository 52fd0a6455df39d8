"""Label/value lines, values folded under their column: the instance screen's fields.

A rich Table did this in 6-9 ms a frame here (measured twice per frame: once for the height, once
to draw), a third of opening an instance. These lines are folded once per width and kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

Field = tuple[str, Text]


class FieldList(Widget):
    DEFAULT_CSS = """
    FieldList {
        height: auto;
        text-wrap: nowrap;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fields: Sequence[Field] = ()
        self._folded: tuple[int, Text] | None = None  # (width, text)

    def show(self, fields: Sequence[Field]) -> None:
        if list(fields) == list(self._fields):
            return
        self._fields = tuple(fields)
        self._folded = None
        self.refresh(layout=True)

    def text(self, width: int) -> Text:
        """All lines for a content `width`, labels padded to one column."""
        if self._folded is not None and self._folded[0] == width:
            return self._folded[1]
        label_width = max((cell_len(label) for label, _ in self._fields), default=0) + 1
        room = max(8, width - label_width)
        lines: list[Text] = []
        for label, value in self._fields:
            parts = value.wrap(self.app.console, room, overflow="fold") if value.plain else [value]
            for index, part in enumerate(parts):
                line = Text(label.ljust(label_width) if index == 0 else " " * label_width)
                line.stylize("bold")
                part.rstrip()
                line.append_text(part)
                lines.append(line)
        text = Text("\n", no_wrap=True, overflow="crop").join(lines)
        self._folded = (width, text)
        return text

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.text(width).plain.split("\n")) if self._fields else 0

    def render(self) -> Text:
        return self.text(self.content_size.width)
