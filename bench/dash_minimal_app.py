"""The baseline for bench.dash_bench: a minimal Textual app (one Label), run the same way as the
dashboard (a real process in tmux, or in-process with a pilot).

    python -m bench.dash_minimal_app
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Label

READY_TEXT = "minimal-app-ready"


class MinimalApp(App[None]):
    BINDINGS = [Binding("down", "bump", "Bump"), Binding("q", "quit", "Quit")]

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0

    def compose(self) -> ComposeResult:
        yield Label(READY_TEXT, id="label")

    def action_bump(self) -> None:
        self.presses += 1
        self.query_one(Label).update(f"{READY_TEXT} {self.presses}")


if __name__ == "__main__":
    MinimalApp().run()
