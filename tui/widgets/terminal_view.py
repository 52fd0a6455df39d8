"""The selected agent's terminal, in colour: what `agents.follower` captured, drawn line by line.

A new capture redraws only the lines that changed (an agent printing one line changes one or two
lines of its screen, plus the scroll): each line's Text is kept by its ANSI source, and each drawn
line by index until its text changes. The view sticks to the bottom, where an agent's prompt is,
unless the user scrolled up. `show_history` swaps in the scrollback (the last 2,000 lines), which
`find` searches, newest match first.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from agents.follower import PaneGone, PaneScreen

from .quiet_size import set_virtual_size
from .text_view import TextView

MATCH_STYLE = Style(reverse=True, bold=True)


def ansi_line(source: str) -> Text:
    """One captured line (SGR escapes) as Rich Text, without a trailing newline."""
    text = Text.from_ansi(source, end="")
    text.rstrip()
    return text


def trim_blank_tail(lines: tuple[str, ...] | list[str]) -> list[str]:
    """The screen without its empty bottom rows (a fresh pane is mostly empty below the prompt)."""
    end = len(lines)
    while end > 1 and not lines[end - 1].strip():
        end -= 1
    return list(lines[:end])


class TerminalView(TextView, can_focus=True):
    """Shows a PaneScreen, a PaneGone, or the scrollback. Focused, scrolling up asks for the
    scrollback (`HistoryWanted`), `/` for a search, `n`/`N` go to the older/newer match, escape
    back to the live screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "older(1)", "Up", show=False),
        Binding("pageup", "older(0)", "Page up", show=False),
        Binding("home", "older(-1)", "Top", show=False),
        Binding("down,j", "newer(1)", "Down", show=False),
        Binding("pagedown", "newer(0)", "Page down", show=False),
        Binding("end", "newer(-1)", "End", show=False),
        Binding("slash", "search", "Search", show=False, key_display="/"),
        Binding("n", "match(1)", "Older match", show=False),
        Binding("N", "match(0)", "Newer match", show=False),
        Binding("escape", "live", "Live", show=False),
    ]

    takes_slash = True  # `/` here searches the scrollback, not the instances (actions/guard.py)

    class HistoryWanted(Message):
        """Scrolled up from the live screen: the scrollback is wanted."""

    class SearchWanted(Message):
        """`/` in the terminal: a search box is wanted."""

    class LiveWanted(Message):
        """escape in the scrollback: back to the live screen."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._sources: list[str] = []
        self._texts: dict[str, Text] = {}
        self.session: str | None = None
        self.history = False  # showing the scrollback rather than the live screen
        self.gone: str | None = None
        self.matches: list[int] = []
        self._match_index = -1
        self.frames = 0  # captures drawn (benches and tests)
        self._drawn: dict[tuple[int, Style, int], Strip] = {}
        self._tail = True  # kept scrolled to the bottom (where an agent's prompt is)

    # --- live screen ---------------------------------------------------------------------------

    def show_screen(self, screen: PaneScreen) -> None:
        """A new capture of the followed pane; ignored while the scrollback is open."""
        if self.history and screen.session == self.session:
            return
        self.session, self.gone, self.history = screen.session, None, False
        self._set_sources(trim_blank_tail(screen.lines))
        self.frames += 1

    def show_gone(self, gone: PaneGone) -> None:
        self.session, self.gone, self.history = gone.session, gone.reason, False
        self._texts = {}
        self._sources = []
        self.set_lines([Text(f"{gone.session}: {gone.reason}", style="bold yellow")])

    def show_message(self, message: str, style: str = "dim") -> None:
        """A line in place of a terminal (no session recorded, following not started yet)."""
        self.session, self.gone, self.history = None, None, False
        self._sources = []
        self.set_lines([Text(message, style=style)])

    # --- scrollback ----------------------------------------------------------------------------

    def show_history(self, text: str) -> None:
        """The scrollback (the last 2,000 lines with colours), scrolled to its end."""
        self.history = True
        self._tail = True
        self.matches, self._match_index = [], -1
        self._set_sources(trim_blank_tail(text.split("\n")), stick=True)

    def close_history(self) -> None:
        self.history = False
        self._tail = True
        self.matches, self._match_index = [], -1

    def find(self, term: str) -> int:
        """Highlight every line holding `term` (case-insensitive) and go to the newest match
        before the current one; the number of matching lines."""
        needle = term.lower()
        self.matches = [
            i for i, source in enumerate(self._sources) if needle and needle in self._plain(i)
        ]
        self._highlight(needle)
        if self.matches:
            self._match_index = len(self.matches) - 1
            self._go_to_match()
        return len(self.matches)

    def next_match(self, backwards: bool = True) -> int | None:
        """The line of the next older (or newer) match, scrolled into view."""
        if not self.matches:
            return None
        step = -1 if backwards else 1
        self._match_index = (self._match_index + step) % len(self.matches)
        return self._go_to_match()

    def _go_to_match(self) -> int:
        line = self.matches[self._match_index]
        self.scroll_to(y=max(0, line - self.size.height // 2), animate=False)
        return line

    def _plain(self, index: int) -> str:
        return self._text_of(self._sources[index]).plain.lower()

    def _highlight(self, needle: str) -> None:
        lines: list[Text] = []
        for source in self._sources:
            text = self._text_of(source)
            if needle and needle in text.plain.lower():
                text = text.copy()
                plain = text.plain.lower()
                start = plain.find(needle)
                while start >= 0:
                    text.stylize(MATCH_STYLE, start, start + len(needle))
                    start = plain.find(needle, start + len(needle))
            lines.append(text)
        self._lines = lines
        self.content_changed()

    # --- keys -----------------------------------------------------------------------------------

    def action_older(self, lines: int) -> None:
        if not self.history:
            self.post_message(self.HistoryWanted())
            return
        self._tail = False
        if lines < 0:
            self.scroll_home(animate=False)
        else:
            self.scroll_relative(y=-(lines or max(1, self.size.height - 1)), animate=False)

    def action_newer(self, lines: int) -> None:
        if lines < 0:
            self.scroll_end(animate=False)
        else:
            self.scroll_relative(y=lines or max(1, self.size.height - 1), animate=False)
        self.call_after_refresh(self._scrolled_by_user)

    def action_search(self) -> None:
        if not self.history:
            self.post_message(self.HistoryWanted())
        self.post_message(self.SearchWanted())

    def action_match(self, backwards: int) -> None:
        self.next_match(backwards=bool(backwards))

    def action_live(self) -> None:
        if self.history:
            self.close_history()
            self.post_message(self.LiveWanted())

    # --- drawing -------------------------------------------------------------------------------

    def _text_of(self, source: str) -> Text:
        text = self._texts.get(source)
        if text is None:
            text = self._texts[source] = ansi_line(source)
        return text

    def _set_sources(self, sources: list[str], *, stick: bool = False) -> None:
        """Swap in new lines, repainting only the rows whose text changed (a scrolled screen
        moves lines up: their drawn strips are kept by Text, so only the new line is drawn)."""
        old = self._sources
        at_bottom = stick or self._tail or self.scroll_offset.y >= self.max_scroll_y
        self._tail = at_bottom
        texts = {source: self._text_of(source) for source in sources}
        self._texts = texts  # lines that left the screen are forgotten
        self._sources = sources
        lines = [texts[source] for source in sources]
        alive = {id(text) for text in lines}
        self._drawn = {k: v for k, v in self._drawn.items() if k[0] in alive}
        self._lines = lines
        if len(sources) != len(old) or self._laid_out is None or not self.is_mounted:
            self.content_changed()
        else:
            self._laid_out = (self._laid_out[0], lines)
            top = int(self.scroll_offset.y)
            for index, (before, after) in enumerate(zip(old, sources, strict=True)):
                if before != after and top <= index < top + self.size.height:
                    self.refresh(Region(0, index - top, self.size.width, 1))
        if at_bottom and self.is_mounted:
            width = self.scrollable_content_region.width
            if width > 0:
                set_virtual_size(self, Size(width, len(lines)))
            self.scroll_end(animate=False, immediate=True)

    def content_changed(self) -> None:
        self._drawn = {}
        super().content_changed()

    def on_resize(self) -> None:
        """Laid out (first shown, or the terminal resized): still at the bottom if it was."""
        super().on_resize()
        if self._tail:
            self.scroll_end(animate=False, immediate=True)

    def _scrolled_by_user(self) -> None:
        self._tail = self.scroll_offset.y >= self.max_scroll_y

    def render_line(self, y: int) -> Strip:
        """As TextView, with drawn lines kept by their Text rather than their row."""
        width = self.scrollable_content_region.width
        lines = self.lines(width)
        index = int(self.scroll_offset.y) + y
        style = self._style
        if index >= len(lines):
            return Strip.blank(width, style)
        line = lines[index]
        key = (id(line), style, width)
        strip = self._drawn.get(key)
        if strip is None:
            shown = line
            if line.cell_len > width:
                shown = line.copy()
                shown.truncate(width, overflow="ellipsis")
            segments = Segment.apply_style(shown.render(self.app.console), style)
            strip = self._drawn[key] = Strip(segments).crop_extend(0, width, style)
        return strip
