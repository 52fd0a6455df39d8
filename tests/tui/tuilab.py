"""Helpers for the dashboard tests: building the app on a real file, waiting, reading widgets."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from store import Database, DatabaseConfig, initialize_database
from tui.app import CodexDashApp
from tui.gateway import DatabaseGateway

T = TypeVar("T")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # every dashboard test's pinned clock

WRITER = str(Path(__file__).with_name("tui_writer.py"))
UNTIL_SECONDS = 15.0  # an upper bound for waiting on other processes; never a timing assertion


def make_app(
    path: str, *, now: datetime, read_only: bool = False, watch: bool = False, **kwargs: Any
) -> CodexDashApp:
    def clock() -> datetime:
        return now

    config = DatabaseConfig(local_file=path, read_only=read_only, clock=clock)
    return CodexDashApp(DatabaseGateway(config), clock=clock, watch=watch, **kwargs)


async def settle(app: CodexDashApp, pilot: Pilot) -> None:
    await app.wait_settled()
    await pilot.pause()
    await app.wait_settled()
    await pilot.pause()


async def until(
    pilot: Pilot, condition: Callable[[], bool], *, seconds: float = UNTIL_SECONDS, what: str = ""
) -> None:
    """Let the app run in small steps until `condition()` holds; fail after `seconds`."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what or condition}")
        await pilot.pause(0.05)


def open_store(path: str, now: datetime = NOW) -> Database:
    """A separate connection to the same file, to check what the app wrote (on the pinned clock)."""
    return initialize_database(DatabaseConfig(local_file=path, clock=lambda: now))


def select(app: CodexDashApp, instance_id: str) -> None:
    app.table.move_cursor(row=app.table.get_row_index(instance_id), animate=False)


async def select_settled(app: CodexDashApp, pilot: Pilot, instance_id: str) -> None:
    """Select the instance in the table and let its detail load."""
    select(app, instance_id)
    await settle(app, pilot)


async def open_instance(app: CodexDashApp, pilot: Pilot, instance_id: str) -> None:
    """Select the instance in the table, press enter, and let the instance screen settle."""
    await select_settled(app, pilot, instance_id)
    await pilot.press("enter")
    await settle(app, pilot)


def plain(value: Any) -> str:
    return value.plain if hasattr(value, "plain") else str(value)


def static_text(widget: Static, width: int = 110) -> str:
    """What a Static shows, as plain text (rich renderables included)."""
    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(widget.content)
    return console.export_text()


def screen_text(app: CodexDashApp) -> str:
    return "\n".join(static_text(s) for s in app.screen.query(Static))


@dataclass
class Notes:
    """Every notification the app raised (expiry cannot hide one from a test)."""

    items: list[tuple[str, str, str]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [f"{title}: {message}" for message, title, _ in self.items]

    def matching(self, word: str) -> list[tuple[str, str, str]]:
        word = word.lower()
        return [n for n in self.items if word in (n[0] + " " + n[1]).lower()]


def record_notifications(app: CodexDashApp) -> Notes:
    notes = Notes()
    original = app.notify

    def notify(message: str, *, title: str = "", severity: str = "information", **kw: Any):
        notes.items.append((str(message), str(title), str(severity)))
        return original(message, title=title, severity=severity, **kw)

    app.notify = notify  # type: ignore[method-assign]
    return notes


def record_frames(app: CodexDashApp, what: Callable[[Screen], T]) -> list[T]:
    """`what(screen)` at every frame the app sends to the terminal, just before it is sent."""
    seen: list[T] = []
    display = app._display

    def recording_display(screen: Screen, *args: Any, **kwargs: Any) -> None:
        seen.append(what(screen))
        return display(screen, *args, **kwargs)

    app._display = recording_display  # type: ignore[method-assign]
    return seen


def run_writer(path: str, *args: str) -> str:
    """Another process writes through the store; returns its stdout."""
    result = subprocess.run(
        [sys.executable, WRITER, path, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def file_hashes(path: str) -> dict[str, str | None]:
    """sha256 of the database and its -wal (None when absent); -shm is shared memory, not data."""
    found: dict[str, str | None] = {}
    for name in (path, path + "-wal"):
        try:
            found[name] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
        except FileNotFoundError:
            found[name] = None
    return found
