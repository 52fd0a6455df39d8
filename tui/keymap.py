"""Key bindings as data: one list feeds the footer, the `?` help screen and the command palette.

`mutating` actions change the database or kill processes: a read-only monitor hides and refuses them.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.binding import Binding


class KeyAction(NamedTuple):
    id: str
    key: str
    action: str
    title: str
    help: str
    mutating: bool = False
    show: bool = True
    key_display: str | None = None
    priority: bool = False  # handled by the app before keys queued behind it are routed
    wide_only: bool = False  # in the key bar only from WIDE_KEY_BAR columns (help, palette: always)

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.title,
            show=self.show,
            key_display=self.key_display,
            priority=self.priority,
            id=self.id,
            tooltip=self.help,
        )


DASHBOARD_ACTIONS: tuple[KeyAction, ...] = (
    KeyAction(
        "open", "enter", "open_instance", "Open", "Open the selected instance in full", show=False
    ),
    # priority: `/work` arriving in one burst must type "work" into the filter, not reach the
    # table's keys (`o` sorts) before the filter has the focus; actions/guard.py limits it.
    KeyAction(
        "filter",
        "slash",
        "filter",
        "Filter",
        "Filter instances by typing",
        key_display="/",
        priority=True,
    ),
    KeyAction(
        "preview",
        "v",
        "toggle_preview",
        "Terminal",
        "Show the agent's terminal, live, in place of the timeline (v again: back)",
        wide_only=True,
    ),
    KeyAction(
        "attach",
        "a",
        "attach",
        "Attach",
        "Go to the agent's tmux session (read-only in a read-only monitor)",
        wide_only=True,
    ),
    KeyAction(
        "status", "s", "change_status", "Status", "Change the status (allowed moves only)", True
    ),
    KeyAction("terminate", "t", "terminate", "Terminate", "Mark the instance terminated", True),
    KeyAction(
        "kill",
        "K",
        "kill",
        "Kill",
        "Kill the agent's process and tmux session, then terminate",
        True,
    ),
    KeyAction("backup", "b", "backup", "Backup", "Write a consistent backup beside the database"),
    KeyAction(
        "sort",
        "o",
        "cycle_sort",
        "Sort",
        "Next order: needs you first (default), created, last activity, status, events, issue",
        show=False,
    ),
    KeyAction("pause", "p", "toggle_pause", "Pause", "Pause or resume live updates"),
    KeyAction(
        "silence",
        "z",
        "toggle_notifications",
        "Silence",
        "Silence or resume notifications (an agent that starts needing you)",
        show=False,
    ),
    KeyAction("reload", "ctrl+r", "reload", "Reload", "Reload from the database now", show=False),
    KeyAction(
        "help", "question_mark", "help", "Help", "Show keys and what they do", key_display="?"
    ),
    KeyAction("quit", "q", "quit", "Quit", "Quit codex-dash"),
)

MUTATING_ACTIONS: frozenset[str] = frozenset(a.action for a in DASHBOARD_ACTIONS if a.mutating)


def visible_actions(read_only: bool) -> list[KeyAction]:
    return [a for a in DASHBOARD_ACTIONS if not (read_only and a.mutating)]


def display_key(action: KeyAction) -> str:
    return action.key_display or action.key


WIDE_KEY_BAR = 100  # columns from which the wide_only keys fit in the key bar


def key_hints(
    read_only: bool, only: frozenset[str] | None = None, width: int | None = None
) -> list[tuple[str, str]]:
    """(key, title) for the key bar: the shown actions, optionally only some of them; at a
    `width` below WIDE_KEY_BAR without the wide_only ones (help and the palette list them)."""
    narrow = width is not None and width < WIDE_KEY_BAR
    return [
        (display_key(a), a.title)
        for a in visible_actions(read_only)
        if a.show and (only is None or a.action in only) and not (narrow and a.wide_only)
    ]
