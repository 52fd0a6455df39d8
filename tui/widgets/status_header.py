"""The header line: what needs a person, how busy the agents are, how big the file is, and
whether the view is live."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from store import INSTANCE_STATUSES

from ..formatting import STATUS_RICH, ago, clock_time, size
from ..model import Overview

SHORT = {
    "started": "started",
    "waiting_review": "review",
    "pr_created": "PR",
    "pr_merged": "merged",
    "pr_closed": "closed",
    "terminated": "term",
}


class StatusHeader(Static):
    """Two lines of fixed height: an update never needs a layout pass (a layout pass repaints
    the whole screen, 15-25 ms here, and live reloads come up to 20 times a second)."""

    _shown: Text | None = None

    def render_overview(
        self,
        overview: Overview | None,
        *,
        now: datetime,
        live: bool,
        read_only: bool,
        pending: bool,
        snapshot: bool = False,
        problem: str | None,
        db_name: str,
        needs_you: int | None = None,
        silenced: bool = False,
        disconnected: str | None = None,
    ) -> None:
        """`disconnected` (a server's link is down, and why) keeps the last data on screen,
        where a `problem` (the database cannot be read) replaces it."""
        if disconnected is not None:
            problem = None
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" codex-dash ", style="bold reverse")
        line.append(" ")
        if problem:
            line.append(" OFFLINE ", style="bold white on red")
        elif disconnected is not None:
            line.append(" ⚠ DISCONNECTED ", style="bold white on red")
            line.append(" retrying", style="red")
            if overview is not None:
                line.append(f" · data as of {clock_time(overview.loaded_at, now)}", style="yellow")
        elif live:
            line.append(" ● LIVE ", style="bold black on green")
        else:
            line.append(" ⏸ PAUSED ", style="bold black on yellow")
            if pending:
                line.append(" changes waiting", style="yellow")
        if needs_you is not None and not problem:
            line.append(" ")
            if needs_you:
                line.append(f" ⚑ {needs_you} need you ", style="bold black on yellow")
            else:
                line.append(" ⚑ 0 need you ", style="dim")
            if silenced:
                line.append(" (silenced)", style="dim")
        if read_only:
            line.append(" ")
            line.append(" READ-ONLY ", style="bold white on blue")
        if snapshot:
            line.append(
                " snapshot: folder not writable, live once a writer opens it", style="yellow"
            )
        line.append(f"  {db_name}", style="dim")
        if overview is not None and not problem:
            line.append(f"  {size(overview.db_bytes)}")
            if overview.wal_bytes:
                line.append(f" +wal {size(overview.wal_bytes)}", style="dim")
            line.append("  backup ", style="dim")
            line.append(
                ago(overview.last_backup, now) if overview.last_backup else "never",
                style="" if overview.last_backup else "yellow",
            )
        second = Text(no_wrap=True, overflow="ellipsis")
        if problem:
            second.append(" " + problem, style="bold red")
        elif overview is not None:
            second.append(" ")
            for status in INSTANCE_STATUSES:
                count = overview.status_counts.get(status, 0)
                style = STATUS_RICH[status] if count else "dim"
                second.append(f"{SHORT[status]} {count}", style=style)
                second.append("  ")
            second.append("│ ", style="dim")
            second.append(f"events {overview.events_last_minute}/min {overview.events_last_hour}/h")
            if disconnected is not None:
                second.append(f"  │ {disconnected}", style="red")
        else:
            second.append(" loading…", style="dim")
        content = Text("\n").join([line, second])
        if content != self._shown:
            self._shown = content
            self.update(content, layout=False)
