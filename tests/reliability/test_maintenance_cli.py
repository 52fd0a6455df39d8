"""`codex-dash backup / vacuum / prune / maintain` on real files, and while agents write."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pglab import PgServer
from rellab import (
    cli,
    finish,
    integrity,
    make_event,
    make_instance,
    open_store,
    query,
    start_writer,
)

from store import DatabaseConfig, MaintenanceSettings, initialize_database
from store.maintenance import (
    LAST_BACKUP_KEY,
    LAST_VACUUM_KEY,
    last_backup_time,
    list_backups,
    maintain,
    parse_age,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # the in-process tests' pinned clock


class MovingClock:
    """A pinned clock a test moves forward by hand; the store under test reads only this one."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seeded(path: Path, now: datetime, *, old_events: int = 0, new_events: int = 0) -> None:
    """Old events 40 days before `now`, new ones at `now`. The CLI tests pass the real time (the
    `codex-dash` process they start reads the real clock); the in-process ones the pinned NOW."""
    db = open_store(path, clock=lambda: now)
    try:
        db.create_instance(make_instance(id="m-a1", tmux_session="m-a1"))
        db.log_mcp_events(
            [make_event("m-a1", timestamp=now - timedelta(days=40)) for _ in range(old_events)]
            + [make_event("m-a1") for _ in range(new_events)]
        )
    finally:
        db.disconnect()


def test_backup_to_default_folder_file_and_folder(db_path: Path, tmp_path: Path) -> None:
    seeded(db_path, datetime.now(UTC), new_events=10)
    default = cli("backup", "--db", str(db_path))
    to_file = cli("backup", "--db", str(db_path), "--to", str(tmp_path / "copy.db"))
    (tmp_path / "nightly").mkdir()
    to_folder = cli("backup", "--db", str(db_path), "--to", str(tmp_path / "nightly"))
    for done in (default, to_file, to_folder):
        assert done.returncode == 0, done.stderr
        assert (
            done.stdout.startswith("backup: ")
            and "kB" in done.stdout
            and "integrity ok" in done.stdout
        )
        assert done.stderr == ""
    written = [
        *list_backups(str(db_path)),
        tmp_path / "copy.db",
        *list_backups(str(db_path), tmp_path / "nightly"),
    ]
    assert len(written) == 3
    for path in written:
        assert str(path) in default.stdout + to_file.stdout + to_folder.stdout
        assert integrity(path) == "ok"


def test_vacuum_and_prune(db_path: Path) -> None:
    seeded(db_path, datetime.now(UTC), old_events=30, new_events=5)
    pruned = cli("prune", "--db", str(db_path), "--older-than", "30d")
    assert pruned.returncode == 0, pruned.stderr
    assert "deleted 30 events older than 30d" in pruned.stdout
    vacuumed = cli("vacuum", "--db", str(db_path))
    assert vacuumed.returncode == 0, vacuumed.stderr
    assert vacuumed.stdout.startswith(f"vacuum: {db_path} ") and " -> " in vacuumed.stdout
    db = open_store(db_path)
    try:
        assert db.count_events("m-a1") == 5
        assert db.get_config(LAST_VACUUM_KEY) is not None
    finally:
        db.disconnect()


def test_parse_age() -> None:
    assert parse_age("30d") == timedelta(days=30)
    assert parse_age(" 12h ") == timedelta(hours=12)
    assert parse_age("90m") == timedelta(minutes=90)


def test_maintain_follows_the_settings(db_path: Path, tmp_path: Path) -> None:
    seeded(db_path, NOW, old_events=20, new_events=3)
    folder = tmp_path / "backups"
    folder.mkdir()
    stale = []
    for days in (30, 20, 10):  # three old backups: the two oldest go, the newest stays
        path = folder / f"claude-codex-2026010{days // 10}-000000.db"
        path.write_bytes(b"old")
        moment = (NOW - timedelta(days=days)).timestamp()
        os.utime(path, (moment, moment))
        stale.append(path)
    settings = MaintenanceSettings()
    clock = MovingClock(NOW)
    db = open_store(db_path, clock=clock)  # maintain takes "now" from the store's clock
    try:
        # No recorded backup: the newest file (10 days old) is the last one, so one is due.
        report = maintain(db, settings, folder=folder)
        assert report.backup is not None and Path(report.backup.path).exists()
        assert Path(report.backup.path).stat().st_mtime == NOW.timestamp()  # the clock's time
        assert report.removed_backups == stale  # older than 7 days; the new one is the newest
        assert report.pruned_events == 20
        assert report.vacuumed is not None
        clock.now = NOW + timedelta(hours=1)
        again = maintain(db, settings, folder=folder)
        assert again.backup is None and again.vacuumed is None and again.pruned_events == 0
        assert "backup: not due" in again.lines()[0] and "vacuum: not due" in again.lines()[3]
        clock.now = NOW + timedelta(days=2)
        later = maintain(db, settings, folder=folder)
        assert later.backup is not None and later.vacuumed is not None
        assert len(list_backups(db.path, folder)) == 2
        off = maintain(
            db, MaintenanceSettings(auto_backup=False), folder=folder, now=NOW + timedelta(days=9)
        )  # an explicit `now` wins over the store's clock
        assert off.backup is None and "autoBackup is off" in off.lines()[0]
        assert len(list_backups(db.path, folder)) == 1  # retention, never the newest
    finally:
        db.disconnect()


def test_a_backup_file_from_the_future_is_no_evidence(db_path: Path, tmp_path: Path) -> None:
    """A file time later than the clock (written under another clock, or copied in) does not
    make a backup look recent: with no record, one is due."""
    seeded(db_path, NOW, new_events=1)
    folder = tmp_path / "backups"
    folder.mkdir()
    future = folder / "claude-codex-20990101-000000.db"
    future.write_bytes(b"from elsewhere")
    moment = (NOW + timedelta(days=400)).timestamp()
    os.utime(future, (moment, moment))
    db = open_store(db_path, clock=lambda: NOW)
    try:
        assert last_backup_time(db, folder) is None
        assert maintain(db, MaintenanceSettings(), folder=folder).backup is not None
        assert last_backup_time(db, folder) == NOW
    finally:
        db.disconnect()


def test_maintenance_commands_while_agents_write(db_path: Path, tmp_path: Path) -> None:
    db = open_store(db_path)
    for n in range(2):
        db.create_instance(make_instance(id=f"w-{n}", tmux_session=f"w-{n}"))
    db.disconnect()
    writers = [
        start_writer("events", db_path, n, 400, tmp_path / f"committed-{n}.txt") for n in range(2)
    ]
    outputs = [
        cli("maintain", "--db", str(db_path)),
        cli("backup", "--db", str(db_path)),
        cli("vacuum", "--db", str(db_path)),
        cli("prune", "--db", str(db_path), "--older-than", "1d"),
    ]
    reports = [finish(w) for w in writers]
    for done in outputs:
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert outputs[0].stdout.startswith(f"maintain: {db_path}\n  backup: ")
    for report in reports:
        assert report["errors"] == [] and report["written"] == 400
    assert integrity(db_path) == "ok"
    for path in list_backups(str(db_path)):
        assert integrity(path) == "ok"


def test_maintain_on_a_server_follows_the_settings(pg_server: PgServer, tmp_path: Path) -> None:
    """The same maintenance on PostgreSQL: the backup is a spec SQLite file in the backups folder,
    old backups and events are pruned, VACUUM (ANALYZE) runs on the server, and the recorded times
    are the store's clock. The database is made and migrated here under the pinned clock (not a
    template migrated at the real time), so nothing this test compares ever met the real clock."""
    name = pg_server.create_database()
    clock = MovingClock(NOW)
    db = initialize_database(DatabaseConfig(server_url=pg_server.url(name), clock=clock))
    try:
        db.create_instance(make_instance(id="m-a1", tmux_session="m-a1"))
        db.log_mcp_events(
            [make_event("m-a1", timestamp=NOW - timedelta(days=40)) for _ in range(20)]
            + [make_event("m-a1") for _ in range(3)]
        )
        folder = tmp_path / "backups"
        folder.mkdir()
        stem = Path(db.path).stem  # the database's name: a server's backups are named after it
        assert stem == name
        stale = []
        for days in (30, 20, 10):  # three old backups: the two oldest go, the newest stays
            path = folder / f"{stem}-2026010{days // 10}-000000.db"
            path.write_bytes(b"old")
            moment = (NOW - timedelta(days=days)).timestamp()
            os.utime(path, (moment, moment))
            stale.append(path)
        vacuums_before = vacuum_counts(pg_server, name)

        report = maintain(db, MaintenanceSettings(), folder=folder)
        assert report.backup is not None
        backup = Path(report.backup.path)
        assert backup.parent == folder and backup.name == f"{stem}-20261127-120000.db"
        assert backup.stat().st_mtime == NOW.timestamp()  # the clock's time
        assert integrity(backup) == "ok"  # a SQLite file in the spec's format...
        with open_store(backup, read_only=True, clock=clock) as offline:  # ...that opens offline
            assert offline.count_events("m-a1") == 23  # taken before the prune
        epoch = int(NOW.timestamp())  # the backup file's own migration rows: the clock's time
        assert query(backup, "SELECT DISTINCT applied_at FROM codex_dash_migrations") == [(epoch,)]
        assert query(backup, 'SELECT created_at FROM "__drizzle_migrations"') == [(epoch * 1000,)]
        assert report.removed_backups == stale
        assert report.pruned_events == 20
        assert db.count_events("m-a1") == 3
        assert report.vacuumed is not None
        after = vacuum_counts(pg_server, name)
        assert after["vacuum"] > vacuums_before["vacuum"]  # VACUUM (ANALYZE) ran on the server
        assert after["analyze"] > vacuums_before["analyze"]
        assert db.get_config(LAST_VACUUM_KEY) == NOW.isoformat(timespec="seconds")
        assert db.get_config(LAST_BACKUP_KEY) == NOW.isoformat(timespec="seconds")
        assert last_backup_time(db, folder) == NOW
        # the rows the store wrote carry the clock's time too (no server default met now())
        assert pg_server.sql("SELECT DISTINCT applied_at FROM codex_dash_migrations", name) == [
            (epoch,)
        ]
        assert pg_server.sql(
            "SELECT min(created_at), max(created_at), max(last_activity) FROM instances", name
        ) == [(epoch, epoch, epoch)]
        assert pg_server.sql("SELECT max(timestamp) FROM mcp_events", name) == [(epoch,)]
        assert pg_server.sql("SELECT min(updated_at), max(updated_at) FROM user_config", name) == [
            (epoch, epoch)
        ]

        clock.now = NOW + timedelta(hours=1)
        again = maintain(db, MaintenanceSettings(), folder=folder)
        assert again.backup is None and again.vacuumed is None and again.pruned_events == 0
        assert "backup: not due" in again.lines()[0] and "vacuum: not due" in again.lines()[3]
        clock.now = NOW + timedelta(days=2)
        later = maintain(db, MaintenanceSettings(), folder=folder)
        assert later.backup is not None and later.vacuumed is not None
        assert len(list_backups(db.path, folder)) == 2
    finally:
        db.disconnect()


def vacuum_counts(server: PgServer, name: str) -> dict[str, int]:
    """The server's own counters for the events table (a fresh connection: fresh statistics)."""
    ((vacuum, analyze),) = server.sql(
        "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables WHERE relname = 'mcp_events'",
        name,
    )
    return {"vacuum": vacuum, "analyze": analyze}
