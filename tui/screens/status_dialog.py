"""Choose a new status among the moves the store allows from the current one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store import allowed_next

from ..formatting import STATUS_RICH


class StatusDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="status.cancel")]

    def __init__(self, instance_id: str, current: str) -> None:
        super().__init__()
        self.instance_id = instance_id
        self.current = current
        self.choices = allowed_next(current)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(f"Change status of {self.instance_id}", classes="dialog-title")
            yield Static(
                f"now [{STATUS_RICH.get(self.current, '')}]{self.current}[/]"
                + ("" if self.choices else " — final, no further moves"),
                classes="dialog-body",
            )
            options = [Option(f"[{STATUS_RICH.get(s, '')}]{s}[/]", id=s) for s in self.choices]
            yield OptionList(*options, id="status-options")
            yield Static("enter choose · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
