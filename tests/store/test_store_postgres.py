"""What only a server has: URLs and passwords, read-only sessions, the migration lock, racing
writers in real processes, a restart under a writer, NOTIFY, standbys. (Everything the two engines
share runs on both through the `engine` fixture in conftest.py.)"""

from __future__ import annotations

import json
import select
import threading
import time
from collections import Counter
from pathlib import Path

import pglab
import pytest
from pglab import PgServer
from store_helpers import expect_error, finish_worker, make_event, make_instance, start_worker

from store import Database, DatabaseConfig, DatabaseError, initialize_database
from store.migrate import discover


def open_pg(url: str, **settings: object) -> Database:
    return initialize_database(DatabaseConfig(server_url=url, **settings))  # type: ignore[arg-type]


# --- selecting the engine; the password stays secret ---------------------------------------------


def test_database_url_and_db_option_select_postgres() -> None:
    for url in ("postgresql://u:pw@h:5432/d", "postgres://u:pw@h/d"):
        config = DatabaseConfig.from_env({"DATABASE_URL": url})
        assert config.engine == "postgres" and config.server_url == url
        assert DatabaseConfig().with_target(url).engine == "postgres"
    assert DatabaseConfig.from_env({"DATABASE_URL": "file:./x.db"}).engine == "sqlite"
    assert DatabaseConfig().with_target("x.db").engine == "sqlite"


def test_a_password_never_shows(pg_server: PgServer) -> None:
    secret = "s3cr3t-Pa55"
    url = f"postgresql://postgres:{secret}@127.0.0.1:{pglab.free_port()}/nowhere"
    config = DatabaseConfig(server_url=url, busy_timeout=1000)
    assert secret not in repr(config) and secret not in config.path
    assert config.display_name == f"postgresql://postgres:***@{url.split('@')[1]}"
    error = expect_error("DATABASE_INITIALIZATION_FAILED", initialize_database, config)
    assert secret not in str(error) and "***" in error.message
    # trust auth ignores the password: a working connection must not leak it either
    ok = pg_server.url(pg_server.create_database()).replace("postgres@", f"postgres:{secret}@")
    db = open_pg(ok)
    try:
        assert secret not in db.path and secret not in repr(db.config)
    finally:
        db.disconnect()


# --- read-only at the server -----------------------------------------------------------------------


def test_read_only_is_enforced_by_the_server(pg_url: str) -> None:
    writer = open_pg(pg_url)
    writer.create_instance(make_instance(id="a-1"))
    reader = open_pg(pg_url, read_only=True)
    try:
        expect_error("DATABASE_READ_ONLY", reader.create_instance, make_instance(id="b-1"))
        con = reader._reader()  # the store's own session: the server itself refuses a write
        with pytest.raises(Exception, match="read-only transaction"), con.cursor() as cur:
            cur.execute("DELETE FROM instances")
        assert [i.id for i in reader.list_instances()] == ["a-1"]
    finally:
        reader.disconnect()
        writer.disconnect()


# --- migrations ---------------------------------------------------------------------------------


def test_migrations_are_recorded_with_checksums(pg_server: PgServer, pg_url: str) -> None:
    name = pg_url.rsplit("/", 1)[1]
    rows = pg_server.sql(
        "SELECT version, name, checksum FROM codex_dash_migrations ORDER BY 1", name
    )
    assert rows == [(m.version, m.name, m.checksum) for m in discover(engine="postgres")]


def test_edited_or_newer_migrations_are_refused(pg_server: PgServer, pg_url: str) -> None:
    name = pg_url.rsplit("/", 1)[1]
    pg_server.sql("UPDATE codex_dash_migrations SET checksum = 'edited' WHERE version = 1", name)
    error = expect_error("DATABASE_SCHEMA_MIGRATION_FAILED", open_pg, pg_url)
    assert "was changed after it was applied" in error.message and "new migration" in error.message
    pg_server.sql(
        "UPDATE codex_dash_migrations SET checksum = "
        f"'{discover(engine='postgres')[0].checksum}' WHERE version = 1;"
        "INSERT INTO codex_dash_migrations (version, name, checksum) VALUES (99, 'future', 'x')",
        name,
    )
    error = expect_error("DATABASE_SCHEMA_MIGRATION_FAILED", open_pg, pg_url)
    assert "0099_future" in error.message and "Upgrade codex-dash" in error.message


def test_processes_starting_at_once_migrate_once(pg_server: PgServer, tmp_path: Path) -> None:
    url = pg_server.url(pg_server.create_database())  # empty: every process wants to migrate
    go = tmp_path / "go"
    workers = [start_worker("init", url, str(go)) for _ in range(4)]
    go.touch()
    assert [finish_worker(w) for w in workers] == [{"ok": True}] * 4
    counts = pg_server.sql(
        "SELECT version, count(*) FROM codex_dash_migrations GROUP BY 1 ORDER BY 1",
        url.rsplit("/", 1)[1],
    )
    assert counts == [(m.version, 1) for m in discover(engine="postgres")]


# --- racing writers in real processes -------------------------------------------------------------


def race(url: str, tmp_path: Path, *commands: tuple[str, ...]) -> list[dict]:
    go = tmp_path / f"go-{time.monotonic_ns()}"
    workers = [start_worker("race", url, str(go), *command) for command in commands]
    time.sleep(1.0)  # every process connected and waiting
    go.touch()
    return [finish_worker(w) for w in workers]


def test_racing_relationship_creators_one_wins(pg_url: str, tmp_path: Path) -> None:
    db = open_pg(pg_url)
    db.create_instance(make_instance(id="p-1"))
    db.create_instance(make_instance(id="c-1"))
    results = race(pg_url, tmp_path, *[("relate", "p-1", "c-1", "spawned_review")] * 4)
    assert sum("ok" in r for r in results) == 1, results
    assert Counter(r.get("error_code") for r in results if "ok" not in r) == {
        "DATABASE_RELATIONSHIP_EXISTS": 3
    }
    assert len(db.get_relationships("p-1")) == 1
    db.disconnect()


def test_racing_creators_of_one_instance_one_wins(pg_url: str, tmp_path: Path) -> None:
    results = race(pg_url, tmp_path, *[("create", "same-1")] * 4)
    assert sum("ok" in r for r in results) == 1, results
    assert {r.get("error_code") for r in results if "ok" not in r} == {"DATABASE_INSTANCE_EXISTS"}


def test_racing_status_changes_see_each_other(pg_url: str, tmp_path: Path) -> None:
    db = open_pg(pg_url)
    db.create_instance(make_instance(id="s-1"))
    results = race(pg_url, tmp_path, *[("status", "s-1", "terminated")] * 4)
    assert sum("ok" in r for r in results) == 1, results
    assert {r.get("error_code") for r in results if "ok" not in r} == {
        "DATABASE_INVALID_STATUS_TRANSITION"
    }
    changes = [e for e in db.get_mcp_events("s-1") if e.is_status_updating]
    assert len(changes) == 1
    db.disconnect()


def test_a_status_change_racing_a_delete_leaves_nothing_dangling(
    pg_url: str, tmp_path: Path
) -> None:
    db = open_pg(pg_url)
    for n in range(5):
        db.create_instance(make_instance(id=f"d-{n}"))
    commands = []
    for n in range(5):
        commands += [("status", f"d-{n}", "terminated"), ("delete", f"d-{n}")]
    results = race(pg_url, tmp_path, *commands)
    for status, delete in zip(results[::2], results[1::2], strict=True):
        assert "ok" in delete, delete
        assert "ok" in status or status["error_code"] == "DATABASE_INSTANCE_NOT_FOUND", status
    assert db.list_instances() == []
    assert db.count_events_since(_t0()) == 0  # no status_change event outlived its instance
    db.disconnect()


def _t0():  # the epoch: every event ever
    from datetime import UTC, datetime

    return datetime(1970, 1, 1, tzinfo=UTC)


def test_event_writers_and_a_status_writer_in_processes(pg_url: str, tmp_path: Path) -> None:
    db = open_pg(pg_url)
    targets = [db.create_instance(make_instance()) for _ in range(2)]
    toggled = db.create_instance(make_instance())
    go = tmp_path / "go"
    writers = [
        start_worker("events", pg_url, targets[n % 2], "300", str(go), f"w{n}") for n in range(4)
    ]
    statuses = start_worker("statuses", pg_url, toggled, "60", str(go))
    go.touch()
    assert all(finish_worker(w) == {"written": 300, "errors": []} for w in writers)
    assert finish_worker(statuses) == {"changes": 60, "errors": []}
    seen = Counter(
        (e.instance_id, e.metadata["worker"], e.metadata["seq"])
        for target in targets
        for e in db.get_mcp_events(target, 10_000)
    )
    assert len(seen) == 1200 and max(seen.values()) == 1
    db.disconnect()


# --- connection loss -------------------------------------------------------------------------------


@pytest.fixture
def own_server() -> PgServer:
    server = pglab.start_server()
    yield server
    pglab.remove(server)


def test_a_server_restart_under_a_writer_loses_and_doubles_nothing(
    own_server: PgServer, tmp_path: Path
) -> None:
    url = own_server.url(own_server.create_database())
    db = open_pg(url)
    db.create_instance(make_instance(id="w-1"))
    db.disconnect()
    go = tmp_path / "go"
    writer = start_worker("write_through", url, "w-1", "1000000", str(go))
    deadline = time.monotonic() + 30
    while not Path(str(go) + ".ready").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    own_server.restart()  # fast shutdown: every session is cut, mid-write
    time.sleep(0.5)  # writing again after the restart
    Path(str(go) + ".stop").touch()
    report = finish_worker(writer, 120)
    # A call the restart cut fails clearly (or, when only its COMMIT's answer was cut, the store
    # asked the server and knew it committed): never a raw driver error, never a hang.
    for _seq, code, message in report["failures"]:
        assert code == "DATABASE_LOG_FAILED" and "connection" in message.lower(), message
    db = open_pg(url)
    stored = Counter(e.metadata["seq"] for e in db.get_mcp_events("w-1", 10_000))
    db.disconnect()
    assert max(stored.values()) == 1  # nothing written twice
    assert set(report["written"]) <= set(stored)  # nothing reported written is lost
    failed = {seq for seq, _code, _message in report["failures"]}
    assert set(stored) <= set(report["written"]) | failed  # nothing written that was not asked
    if failed:
        assert report["written"][-1] > max(failed)  # it went on once the server was back


# --- live: NOTIFY, change tokens, standbys ---------------------------------------------------------


def test_one_notification_per_transaction(pg_url: str) -> None:
    db = open_pg(pg_url)
    listener = db.dialect.open_plain(db.config, read_only=True)
    try:
        with listener.cursor() as cur:
            cur.execute(f"LISTEN {db.dialect.CHANNEL}")
        db.create_instance(make_instance(id="n-1"))
        db.log_mcp_events([make_event(instance_id="n-1") for _ in range(500)])
        db.update_instance_status("n-1", "waiting_review")  # two tables, one transaction
        time.sleep(0.2)
        select.select([listener], [], [], 2)
        listener.poll()
        assert [n.channel for n in listener.notifies] == [db.dialect.CHANNEL] * 3
    finally:
        listener.close()
        db.disconnect()


def test_change_token_moves_with_another_process_commit(pg_url: str) -> None:
    reader = open_pg(pg_url, read_only=True)
    writer = open_pg(pg_url)
    try:
        before = reader.data_version()
        assert reader.data_version() == before  # idle: still
        writer.create_instance(make_instance(id="t-1"))
        assert reader.data_version() != before
        assert not reader.is_standby
    finally:
        reader.disconnect()
        writer.disconnect()


def test_a_monitor_on_a_standby_follows_the_primary(
    pg_server: PgServer, pg_standby: PgServer
) -> None:
    name = pg_server.create_database()
    primary = open_pg(pg_server.url(name))
    primary.create_instance(make_instance(id="m-1"))
    monitor = _open_when_replayed(pg_standby.url(name))
    try:
        assert monitor.is_standby
        token = monitor.data_version()
        expect_error("DATABASE_READ_ONLY", monitor.create_instance, make_instance(id="m-2"))
        primary.log_mcp_event(make_event(instance_id="m-1"))
        deadline = time.monotonic() + 10
        while monitor.data_version() == token and time.monotonic() < deadline:
            time.sleep(0.01)
        assert monitor.data_version() != token
        assert monitor.count_events("m-1") == 1
    finally:
        monitor.disconnect()
        primary.disconnect()


def _open_when_replayed(url: str) -> Database:
    deadline = time.monotonic() + 30
    while True:
        try:
            db = open_pg(url, read_only=True)
            if db.list_instances():
                return db
            db.disconnect()
        except DatabaseError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def test_store_calls_from_threads_on_one_database(pg_url: str) -> None:
    db = open_pg(pg_url)
    db.create_instance(make_instance(id="th-1"))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for _ in range(50):
                db.log_mcp_event(make_event(instance_id="th-1", metadata={"t": n}))
                db.get_mcp_events("th-1", 10)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and db.count_events("th-1") == 200
    assert json.loads(json.dumps(db.get_mcp_events("th-1", 1)[0].metadata))["t"] in range(4)
    db.disconnect()


def test_a_copy_batch_keeps_every_character_and_the_order(pg_url: str) -> None:
    db = open_pg(pg_url)
    db.create_instance(make_instance(id="cp-1"))
    odd = ["tab\there", "line\nbreak", "back\\slash", "cr\r", "\\N", "ünï 𝄞", ""]
    events = [
        make_event(
            instance_id="cp-1",
            tool_name=f"t{n}",
            success=n % 2 == 0,
            error_message=odd[n % len(odd)] or None,
            metadata={"text": odd[n % len(odd)], "n": n},
        )
        for n in range(300)  # past COPY_FROM_ROWS: the COPY path
    ]
    assert db.log_mcp_events(events) == 300
    got = sorted(db.get_mcp_events("cp-1", 1000), key=lambda e: e.id)
    assert [e.tool_name for e in got] == [f"t{n}" for n in range(300)]  # ids in batch order
    for event, stored in zip(events, got, strict=True):
        assert (stored.error_message, stored.metadata, stored.success) == (
            event.error_message,
            event.metadata,
            event.success,
        )
    db.disconnect()
