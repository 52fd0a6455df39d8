"""How values look on screen: relative times and sizes (humanize), status colours, compact cells.

Every function takes `now` explicitly so that snapshots with a fixed clock are deterministic.
"""

from __future__ import annotations

import functools
import os
from datetime import datetime, timedelta

import humanize
from rich.text import Text

STATUS_STYLES: dict[str, str] = {
    "started": "bold $success",
    "waiting_review": "bold $warning",
    "pr_created": "bold $accent",
    "pr_merged": "$primary",
    "pr_closed": "$text-muted",
    "terminated": "$text-disabled",
}
# Rich styles for cells inside DataTable/Tree (they cannot resolve theme variables).
STATUS_RICH: dict[str, str] = {
    "started": "bold green",
    "waiting_review": "bold black on yellow",
    "pr_created": "bold cyan",
    "pr_merged": "magenta",
    "pr_closed": "grey62",
    "terminated": "grey46",
}
STATUS_ORDER: dict[str, int] = {
    "waiting_review": 0,
    "started": 1,
    "pr_created": 2,
    "pr_closed": 3,
    "pr_merged": 4,
    "terminated": 5,
}
STATUS_SHORT: dict[str, str] = {
    "started": "started",
    "waiting_review": "review?",
    "pr_created": "PR open",
    "pr_merged": "merged",
    "pr_closed": "closed",
    "terminated": "ended",
}
TYPE_SHORT: dict[str, str] = {"coding": "code", "review": "review", "planning": "plan"}


def ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    delta = now - moment
    if delta.total_seconds() < 0:
        return "just now"
    if delta.total_seconds() < 5:
        return "just now"
    # humanize ignores sub-seconds, and the seconds from a day on: with those dropped the text is
    # the same, and a 1,000-row table re-formats its times from a cache (naturaltime is ~50 us).
    return _natural_ago(delta.days, 0 if delta.days >= 1 else delta.seconds)


@functools.lru_cache(maxsize=8192)
def _natural_ago(days: int, seconds: int) -> str:
    return humanize.naturaltime(timedelta(days=days, seconds=seconds))


def short_ago(moment: datetime | None, now: datetime) -> str:
    """'3m', '2h', '5d': for narrow columns."""
    if moment is None:
        return "—"
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def size(num_bytes: int) -> str:
    return humanize.naturalsize(num_bytes, binary=False)


def status_cell(status: str, *, failing: bool = False, narrow: bool = False) -> Text:
    label = STATUS_SHORT.get(status, status) if narrow else status
    text = Text(label, style=STATUS_RICH.get(status, ""))
    if failing and status not in ("terminated", "pr_merged", "pr_closed"):
        text.append(" !", style="bold red")
    return text


def needs_attention(status: str, recent_failures: int) -> bool:
    return status == "waiting_review" or (
        recent_failures > 0 and status not in ("terminated", "pr_merged", "pr_closed")
    )


def clip(value: str | None, width: int) -> str:
    if not value:
        return ""
    return value if len(value) <= width else value[: max(0, width - 1)] + "…"


def clock_time(moment: datetime | None, now: datetime) -> str:
    """HH:MM:SS today, MM-DD HH:MM on other days (UTC, like the store)."""
    if moment is None:
        return ""
    if moment.date() == now.date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%m-%d %H:%M")


def display_path(path: str) -> str:
    """Relative to the working folder when inside it, else with ~ for the home folder."""
    cwd = os.getcwd()
    if path.startswith(cwd + os.sep):
        return os.path.relpath(path, cwd)
    home = os.path.expanduser("~")
    if home != "/" and path.startswith(home + os.sep):
        return "~" + path[len(home) :]
    return path
