"""Where the live feed hears that another process committed: a small factory over the kinds of
change source, so the feed does not care which one it has.

Today the one kind is the SQLite WAL watcher (tui/live/wal_watcher.py). A PostgreSQL change feed
(LISTEN/NOTIFY) is another `ChangeSource`, chosen here by the database's configuration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from store import DatabaseConfig

OnChange = Callable[[], Awaitable[None] | None]


class ChangeSource(Protocol):
    """Calls `on_change` (given when made) after commits by other processes, on the app's event
    loop, one call at a time; a burst of commits may make one call."""

    async def run(self) -> None:
        """Until `stop()`; runs in one of the app's workers."""
        ...

    def stop(self) -> None:
        """Ends `run()` promptly; safe from any thread."""
        ...


def change_source_for(config: DatabaseConfig, on_change: OnChange) -> ChangeSource:
    """The change source for `config`'s database. Its module is imported here, after the first
    frame: watchfiles and its thread are not needed to show the data."""
    from .wal_watcher import DatabaseWatcher

    return DatabaseWatcher(config.path, on_change)
