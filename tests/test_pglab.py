"""The test PostgreSQL itself: a server starts, hands out fresh databases, and a standby follows it."""

from __future__ import annotations

import time

from pglab import PgServer


def test_fresh_databases_are_separate(pg_server: PgServer) -> None:
    first, second = pg_server.create_database(), pg_server.create_database()
    pg_server.sql("CREATE TABLE t (x int)", first)
    assert pg_server.sql("SELECT count(*) FROM pg_tables WHERE tablename = 't'", second) == [(0,)]
    assert pg_server.sql("SHOW listen_addresses") == [("127.0.0.1",)]


def test_standby_replays_a_commit_of_the_primary(pg_server: PgServer, pg_standby: PgServer) -> None:
    name = pg_server.create_database()
    pg_server.sql("CREATE TABLE t (x int); INSERT INTO t VALUES (42)", name)
    assert pg_standby.sql("SELECT pg_is_in_recovery()") == [(True,)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if pg_standby.sql("SELECT x FROM t", name) == [(42,)]:
                return
        except Exception:  # the database or table is not replayed yet
            pass
        time.sleep(0.05)
    raise AssertionError("the standby never showed the primary's commit")
