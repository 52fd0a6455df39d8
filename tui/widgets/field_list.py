"""Label/value lines, values folded under their column: the instance screen's fields.

A rich Table did this in 6-9 ms a frame here (measured twice per frame: once for the height, once
to draw), a third of opening an instance. These lines are folded once per width and kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from .text_view import TextView

Field = tuple[str, Text]
_PADDING = Style(bold=False, italic=False)


class FieldList(TextView, can_focus=True):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._fields: tuple[Field, ...] = ()

    def show(self, fields: Sequence[Field]) -> None:
        fields = tuple(fields)
        if fields != self._fields:
            self._fields = fields
            self.content_changed()

    def lines_at(self, width: int) -> list[Text]:
        label_width = max((cell_len(label) for label, _ in self._fields), default=0) + 1
        room = max(8, width - label_width)
        lines: list[Text] = []
        for label, value in self._fields:
            parts = value.wrap(self.app.console, room, overflow="fold") if value.plain else [value]
            for index, part in enumerate(parts):
                line = Text(label.ljust(label_width) if index == 0 else " " * label_width)
                # The label's padding keeps a style of its own: spaces merged into a value
                # line's first run (a bold `}`) are dropped by some SVG renderers (screenshots).
                line.stylize("bold" if index == 0 else _PADDING)
                part.rstrip()
                line.append_text(part)
                lines.append(line)
        return lines
