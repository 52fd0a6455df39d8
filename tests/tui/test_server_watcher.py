"""ServerChangeWatcher on a real PostgreSQL: a real second process commits, a real standby replays,
the real server restarts. The watcher must wake for a commit, say DISCONNECTED when the server goes
and LIVE when it is back (catching up on what it missed), and stop promptly."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from pglab import PgServer, running_server

from store import DatabaseConfig
from store.dialects.postgres import CHANNEL
from tui.live.change_source import LinkState
from tui.live.server_watcher import ServerChangeWatcher

pytestmark = pytest.mark.anyio
WAKE_TIMEOUT = 10.0  # an upper bound on a loaded machine; a wake takes milliseconds

NOTIFYING_TABLE = f"""
CREATE TABLE t (x int);
CREATE FUNCTION t_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$;
CREATE TRIGGER t_changed AFTER INSERT OR UPDATE OR DELETE ON t
FOR EACH STATEMENT EXECUTE FUNCTION t_changed();
"""

COMMIT = """
import sys, psycopg2
con = psycopg2.connect(sys.argv[1])
with con, con.cursor() as cur:
    cur.execute("INSERT INTO t VALUES (1)")
"""


def commit_from_another_process(url: str) -> None:
    subprocess.run([sys.executable, "-c", COMMIT, url], check=True, timeout=60)


def server(url: str) -> DatabaseConfig:
    return DatabaseConfig().with_target(url)


class Seen:
    """What the watcher reported, in order, with a way to wait for the next one."""

    def __init__(self) -> None:
        self.changes = 0
        self.states: list[tuple[LinkState, str]] = []
        self.event = asyncio.Event()

    def change(self) -> None:
        self.changes += 1
        self.event.set()

    def state(self, state: LinkState, detail: str) -> None:
        self.states.append((state, detail))
        self.event.set()

    async def until(self, condition, what: str) -> None:
        deadline = time.monotonic() + WAKE_TIMEOUT
        while not condition():
            self.event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"gave up waiting for {what}; states {self.states}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), left)


@contextlib.asynccontextmanager
async def watching(url: str) -> AsyncIterator[tuple[ServerChangeWatcher, Seen]]:
    seen = Seen()
    watcher = ServerChangeWatcher(server(url), seen.change, seen.state, standby_poll=0.05)
    task = asyncio.create_task(watcher.run())
    try:
        await seen.until(lambda: seen.states, "the first state")
        yield watcher, seen
    finally:
        watcher.stop()
        await asyncio.wait_for(task, 5)


@pytest.fixture
def notifying_db(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create_database()
    pg_server.sql(NOTIFYING_TABLE, name)
    yield pg_server.url(name)
    pg_server.drop_database(name)


async def test_wakes_for_another_process_commit(notifying_db: str) -> None:
    async with watching(notifying_db) as (watcher, seen):
        assert seen.states == [(LinkState.LIVE, "primary")] and watcher.standby is False
        before = seen.changes
        commit_from_another_process(notifying_db)
        await seen.until(lambda: seen.changes > before, "a wake after the commit")


async def test_quiet_server_gives_no_wakes(notifying_db: str) -> None:
    async with watching(notifying_db) as (_watcher, seen):
        start = seen.changes
        await asyncio.sleep(0.5)
        assert seen.changes == start


async def test_stop_is_prompt_and_ends_the_thread(notifying_db: str) -> None:
    seen = Seen()
    watcher = ServerChangeWatcher(server(notifying_db), seen.change, seen.state)
    task = asyncio.create_task(watcher.run())
    await seen.until(lambda: seen.states, "the first state")
    started = time.monotonic()
    watcher.stop()
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 3  # a bound on a loaded machine; it takes milliseconds
    assert watcher._thread is not None and not watcher._thread.is_alive()


async def test_standby_follows_replay(pg_server: PgServer, pg_standby: PgServer) -> None:
    """LISTEN is refused on a standby: the watcher follows the replay position instead."""
    name = pg_server.create_database()
    pg_server.sql(NOTIFYING_TABLE, name)
    standby_url = pg_standby.url(name)
    deadline = time.monotonic() + 30
    while True:  # the new database reaches the standby by replay
        try:
            pg_standby.sql("SELECT 1", name)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
    async with watching(standby_url) as (watcher, seen):
        assert seen.states == [(LinkState.LIVE, "standby")] and watcher.standby is True
        before = seen.changes
        commit_from_another_process(pg_server.url(name))
        await seen.until(lambda: seen.changes > before, "a wake after the primary's commit")
    pg_server.drop_database(name)


async def test_server_restart_disconnects_then_comes_back_live() -> None:
    """A private server, since this one is stopped: DISCONNECTED while it is down, LIVE again by
    itself, and a commit made after the restart still wakes the watcher."""
    with running_server() as server:
        name = server.create_database()
        server.sql(NOTIFYING_TABLE, name)
        url = server.url(name)
        async with watching(url) as (_watcher, seen):
            await asyncio.to_thread(server.stop)
            await seen.until(lambda: seen.states[-1][0] is LinkState.DISCONNECTED, "DISCONNECTED")
            assert "password" not in seen.states[-1][1]
            await asyncio.to_thread(server.start)
            woken = seen.changes
            await seen.until(lambda: seen.states[-1][0] is LinkState.LIVE, "LIVE again")
            await seen.until(lambda: seen.changes > woken, "a catch-up wake on return")
            before = seen.changes
            commit_from_another_process(url)
            await seen.until(lambda: seen.changes > before, "a wake after the restart")
        assert [s for s, _ in seen.states] == [
            LinkState.LIVE,
            LinkState.DISCONNECTED,
            LinkState.LIVE,
        ]


async def test_password_never_shows_in_a_state(pg_server: PgServer) -> None:
    """A refused connection's reason is reported without the password from the URL."""
    url = f"postgresql://nobody:s3cret-pw@127.0.0.1:{pg_server.port}/no_such_db"
    async with watching(url) as (_watcher, seen):
        state, detail = seen.states[0]
        assert state is LinkState.DISCONNECTED
        assert "s3cret-pw" not in detail and detail
