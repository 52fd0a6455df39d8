"""Which dashboard actions apply where: off in dialogs, only some on the instance screen, and
the mutating ones refused out loud in a read-only monitor. A new key's action is allowed here by
being in tui/keymap.py (and in INSTANCE_SCREEN_ACTIONS if it makes sense for the instance shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from ..keymap import DASHBOARD_ACTIONS, MUTATING_ACTIONS

if TYPE_CHECKING:
    from ..app import CodexDashApp

DASHBOARD_ACTION_NAMES = frozenset(a.action for a in DASHBOARD_ACTIONS) | {"clear_filter"}
# On the instance screen the table's selection is the instance shown, so these still apply.
INSTANCE_SCREEN_ACTIONS = frozenset(
    {
        "change_status",
        "terminate",
        "kill",
        "backup",
        "toggle_pause",
        "reload",
        "help",
        "quit",
        "attach",
        "toggle_notifications",
    }
)


class ActionGuard:
    def __init__(self, app: CodexDashApp) -> None:
        self.app = app

    def allows(self, action: str) -> bool:
        """Dashboard keys act on the main screen's selection: off in dialogs, and on the
        instance screen only those that make sense for the instance shown; mutating ones off
        when read-only. Other actions (Textual's own) are not ours to judge."""
        if action not in DASHBOARD_ACTION_NAMES:
            return True
        app = self.app
        if app.read_only and action in MUTATING_ACTIONS:
            return False
        screen = app.screen
        if isinstance(screen, ModalScreen):
            return False
        if screen is not app.screen_stack[0]:
            return action in INSTANCE_SCREEN_ACTIONS
        # `/` is a priority binding: inside the filter it is just a character, and in the
        # agent's terminal it searches the scrollback (a widget that says it takes `/`).
        focused = app.focused
        return not (
            action == "filter"
            and (isinstance(focused, Input) or getattr(focused, "takes_slash", False))
        )

    def refuse_read_only_key(self, event: events.Key) -> None:
        """In read-only mode the mutating keys are refused out loud, not silently."""
        app = self.app
        if (
            not app.read_only
            or not isinstance(app.screen, Screen)
            or app.screen is not app.screen_stack[0]
        ):
            return
        if isinstance(app.focused, Input):
            return
        for action in DASHBOARD_ACTIONS:
            if action.mutating and event.key == action.key:
                event.stop()
                app.notify(
                    f"{action.title} is off: this dashboard is a read-only monitor",
                    severity="warning",
                )
