"""One thread owns the database: every store call from the dashboard runs there.

Pony keeps a connection per thread and its entities must not cross threads; one long-lived thread
also keeps one long-lived read connection, so `PRAGMA data_version` means something and no
connection churn makes -wal/-shm files appear and vanish (a watcher feedback loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from store import Database, DatabaseConfig

T = TypeVar("T")


class DatabaseGateway:
    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="codex-dash-db"
        )
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        """Only for code already running on the database thread."""
        if self._db is None:
            raise RuntimeError("the database is not open")
        return self._db

    def open_sync(self) -> Database:
        """Open on the database thread and wait: start-up errors surface before the UI starts."""
        return self._executor.submit(self.ensure_open).result()

    @property
    def is_snapshot(self) -> bool:
        return self._db is not None and self._db.is_snapshot

    def ensure_open(self) -> Database:
        """The open database, opening it first if needed; call it on the database thread."""
        if self._db is None:
            db = Database(self.config)
            db.connect()
            self._db = db
        return self._db

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    def run_sync(self, function: Callable[..., T], *args: Any) -> T:
        return self.submit(function, *args).result()

    def submit(self, function: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """Start `function` on the database thread without waiting (nor needing an event loop)."""
        return self._executor.submit(function, *args)

    def close(self) -> None:
        def _close() -> None:
            if self._db is not None:
                self._db.disconnect()
                self._db = None

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self._executor.submit(_close).result(timeout=5)
        self._executor.shutdown(wait=False, cancel_futures=True)
