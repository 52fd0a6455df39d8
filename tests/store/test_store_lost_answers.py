"""A server whose answers go missing, on real sockets: a loopback proxy (pg_proxy.py) between the
store and the real test server cuts a connection right after forwarding a COMMIT, or stops
relaying altogether. The store's documented behaviour (store/core.py, _with_retry): a COMMIT
whose answer was lost is settled by asking the server (txid_status) — committed means success and
no second write; a server that stops answering fails the call with a clear DatabaseError within
busy_timeout instead of hanging."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pg_proxy import PgProxy
from pglab import PgServer
from store_helpers import T0, make_event, make_instance

from store import Database, DatabaseConfig, DatabaseError, ErrorCode, initialize_database


@pytest.fixture
def proxied(pg_server: PgServer, pg_template: str) -> Iterator[tuple[PgProxy, str]]:
    """A proxy in front of the test server, and a fresh migrated database's name."""
    name = pg_server.create_database(template=pg_template)
    proxy = PgProxy(pg_server.port)
    yield proxy, name
    proxy.close()


def open_through(proxy: PgProxy, name: str, busy_timeout: int) -> Database:
    return initialize_database(
        DatabaseConfig(server_url=proxy.url(name), busy_timeout=busy_timeout)
    )


def count(server: PgServer, name: str, sql: str) -> int:
    return int(server.sql(sql, dbname=name)[0][0])


WRITES = {
    # the hot path: plain SQL on Pony's connection, BEGIN; INSERT ... then COMMIT
    "log_mcp_event": (
        lambda db: db.log_mcp_event(make_event("a-1", tool_name="once")),
        "SELECT count(*) FROM mcp_events WHERE tool_name = 'once'",
    ),
    # an entity write in a Pony db_session: its commit is psycopg2's COMMIT
    "create_instance": (
        lambda db: db.create_instance(make_instance(id="once-1")),
        "SELECT count(*) FROM instances WHERE id = 'once-1'",
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_a_commit_whose_answer_was_lost_is_written_once_and_succeeds(
    pg_server: PgServer, proxied: tuple[PgProxy, str], write: str
) -> None:
    proxy, name = proxied
    call, counted = WRITES[write]
    db = open_through(proxy, name, busy_timeout=5000)
    try:
        db.create_instance(make_instance(id="a-1"))
        proxy.cut_after_next_commit()
        result = call(db)  # the connection dies under the COMMIT: the store asks, then answers
        assert proxy.commit_cut.is_set()  # the fault really happened...
        assert proxy.commit_answered.wait(10)  # ...after the server ran the COMMIT
        assert result is not None  # success: the id the store wrote
        assert count(pg_server, name, counted) == 1  # and written once, not retried blindly
        if write == "log_mcp_event":
            assert [e.id for e in db.get_mcp_events("a-1")] == [result]
        else:
            assert db.get_instance("once-1").id == result
        db.log_mcp_event(make_event("a-1", tool_name="after"))  # the store carries on
        assert count(pg_server, name, counted) == 1
        assert (
            count(pg_server, name, "SELECT count(*) FROM mcp_events WHERE tool_name = 'after'") == 1
        )
    finally:
        db.disconnect()


def test_a_commit_left_unanswered_by_a_silent_server_is_a_clear_error_and_written_once(
    pg_server: PgServer, proxied: tuple[PgProxy, str]
) -> None:
    """The COMMIT reaches the server and the server goes silent: the store cuts the connection
    at busy_timeout, cannot ask the server whether it committed (nothing answers), and says so;
    it never retries, so once the server is back the event is there exactly once."""
    proxy, name = proxied
    db = open_through(proxy, name, busy_timeout=1000)
    try:
        db.create_instance(make_instance(id="a-1"))
        proxy.hold_after_next_commit()
        outcome: dict[str, BaseException] = {}

        def write() -> None:
            try:
                db.log_mcp_event(make_event("a-1", tool_name="once"))
            except BaseException as exc:  # the test reads it below
                outcome["error"] = exc

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        writer.join(60)  # a liveness bound, far above busy_timeout: a hang fails here
        assert not writer.is_alive(), "the write hung on a server that stopped answering"
        error = outcome.get("error")
        assert isinstance(error, DatabaseError), outcome
        assert error.code == ErrorCode.LOG_FAILED
        assert "lost while committing" in str(error) and "not retried" in str(error), str(error)
        proxy.release()
        once = "SELECT count(*) FROM mcp_events WHERE tool_name = 'once'"
        assert count(pg_server, name, once) == 1  # the server had committed it: once, not twice
        db.log_mcp_event(make_event("a-1", tool_name="after"))  # back by itself
        assert count(pg_server, name, once) == 1
    finally:
        proxy.release()
        db.disconnect()


@pytest.mark.parametrize("connection", ["established", "new"])
def test_a_server_that_stops_answering_fails_a_write_clearly_instead_of_hanging(
    pg_server: PgServer, proxied: tuple[PgProxy, str], connection: str
) -> None:
    """`established`: the writer's thread already has its connection when the server goes
    silent (the statement is sent, no answer comes); `new`: its first connection gets no answer."""
    proxy, name = proxied
    db = open_through(proxy, name, busy_timeout=1000)
    outcome: dict[str, BaseException | object] = {}
    ready, go = threading.Event(), threading.Event()

    def write() -> None:
        try:
            if connection == "established":
                db.log_mcp_event(make_event("a-1", tool_name="warm"))
            ready.set()
            go.wait()
            outcome["result"] = db.log_mcp_event(make_event("a-1", tool_name="held"))
        except BaseException as exc:  # the test reads it below
            outcome["error"] = exc

    try:
        db.create_instance(make_instance(id="a-1"))
        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        assert ready.wait(30), outcome
        proxy.hold()
        go.set()
        writer.join(60)  # a liveness bound, far above busy_timeout: a hang fails here
        assert not writer.is_alive(), "the write hung on a server that stopped answering"
        error = outcome.get("error")
        assert isinstance(error, DatabaseError), outcome
        assert error.code == ErrorCode.LOG_FAILED
        assert f"{proxy.port}/{name}" in str(error) and "failed" in str(error), str(error)
        assert "Traceback" not in str(error)
        if connection == "established":  # cut by the store's own clock, not by TCP
            assert "no answer from the server within busy_timeout=1000 ms" in str(error)
        else:  # libpq's connect_timeout (max(2 s, busy_timeout)) ends the connecting
            assert "timeout expired" in str(error)
        proxy.release()
        db.log_mcp_event(make_event("a-1", tool_name="after"))  # back by itself
        held = "SELECT count(*) FROM mcp_events WHERE tool_name = 'held'"
        assert count(pg_server, name, held) == 0  # it failed, and nothing half-done stayed
        after = "SELECT count(*) FROM mcp_events WHERE tool_name = 'after'"
        assert count(pg_server, name, after) == 1
    finally:
        proxy.release()
        db.disconnect()


def test_long_deletes_are_left_to_the_server_s_statement_timeout(
    pg_server: PgServer, pg_url: str
) -> None:
    """A prune or an instance's events can be millions of rows: those writes are not cut at
    busy_timeout (the server's statement_timeout bounds them). A statement-level trigger makes
    each DELETE on mcp_events take 1 s, several times this store's busy_timeout + grace."""
    db = initialize_database(DatabaseConfig(server_url=pg_url, busy_timeout=100))
    try:
        db.create_instance(make_instance(id="a-1"))
        db.create_instance(make_instance(id="b-1"))
        db.log_mcp_events([make_event(i, timestamp=T0) for i in ("a-1", "b-1")])
        name = pg_url.rsplit("/", 1)[1]
        pg_server.sql(
            "CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$",
            name,
        )
        pg_server.sql(
            "CREATE TRIGGER slow_delete BEFORE DELETE ON mcp_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION slow_delete()",
            name,
        )
        db.delete_instance("a-1")
        assert db.get_instance("a-1") is None
        assert db.prune_events(T0 + timedelta(days=1)) == 1
        assert count(pg_server, name, "SELECT count(*) FROM mcp_events") == 0
    finally:
        db.disconnect()
