"""Where the live feed hears that another process committed: a small factory over the kinds of
change source, so the feed does not care which one it has.

Two kinds, chosen by the database's configuration: the SQLite WAL watcher (wal_watcher.py) and,
on a PostgreSQL server, LISTEN/NOTIFY or a standby's replay position (server_watcher.py), which
also reports the state of its link to the server (`OnLink`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Protocol

from store import DatabaseConfig

OnChange = Callable[[], Awaitable[None] | None]


class LinkState(Enum):
    """A server change source's link: the header says DISCONNECTED while it is down."""

    CONNECTING = "CONNECTING"
    LIVE = "LIVE"
    DISCONNECTED = "DISCONNECTED"


OnLink = Callable[[LinkState, str], None]  # the link's new state, and why (never a password)


class ChangeSource(Protocol):
    """Calls `on_change` (given when made) after commits by other processes, on the app's event
    loop, one call at a time; a burst of commits may make one call."""

    async def run(self) -> None:
        """Until `stop()`; runs in one of the app's workers."""
        ...

    def stop(self) -> None:
        """Ends `run()` promptly; safe from any thread."""
        ...


def change_source_for(
    config: DatabaseConfig, on_change: OnChange, on_link: OnLink | None = None
) -> ChangeSource:
    """The change source for `config`'s database. Its module is imported here, after the first
    frame: watchfiles, psycopg2 and their threads are not needed to show the data."""
    if config.server_url is not None:
        from .server_watcher import ServerChangeWatcher

        return ServerChangeWatcher(config, on_change, on_link)
    from .wal_watcher import DatabaseWatcher

    return DatabaseWatcher(config.path, on_change)
