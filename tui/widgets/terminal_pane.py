"""`v`: the selected agent's terminal in the detail area: a title line, the terminal itself, and a
search line shown while searching the scrollback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from .terminal_view import TerminalView

SEARCH_ID = "terminal-search"
LIVE_HINT = "tab: focus · ↑ scrollback · v back"
HISTORY_HINT = "scrollback · / search · n N matches · esc live"


class TerminalPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="terminal-title")
        yield TerminalView(id="terminal-view")
        yield Input(placeholder="search the scrollback…", id=SEARCH_ID)

    @property
    def view(self) -> TerminalView:
        return self.query_one(TerminalView)

    def set_title(self, text: str) -> None:
        title = self.query_one("#terminal-title", Static)
        if str(title.content) != text:
            title.update(text, layout=False)

    def open_search(self) -> None:
        box = self.query_one(f"#{SEARCH_ID}", Input)
        box.display = True
        box.focus()

    def close_search(self) -> None:
        box = self.query_one(f"#{SEARCH_ID}", Input)
        box.display = False
        self.view.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != SEARCH_ID:
            return
        event.stop()
        term = event.value.strip()
        self.close_search()
        if term:
            found = self.view.find(term)
            self.app.notify(
                f"{found} line(s) match {term!r}" if found else f"No line matches {term!r}",
                timeout=2,
            )
