"""Eight writer processes, a live dashboard and three online backups on one file.

Every event is logged by its own `log_mcp_event` call (one transaction each: real contention for
the write lock). Afterwards every event is present exactly once, every backup is a sound database
the store opens, no writer saw a lock error, and the dashboard kept loading throughout.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
from rellab import finish, integrity, make_instance, open_store, raw, start_writer

from store import DatabaseConfig, InstanceFilter
from store.maintenance import backup_to_folder
from tui.app import CodexDashApp
from tui.gateway import DatabaseGateway

pytestmark = pytest.mark.anyio
WRITERS = 8


def committed(sidefiles: list[Path]) -> int:
    total = 0
    for path in sidefiles:
        with contextlib.suppress(FileNotFoundError):
            total += path.read_bytes().count(b"\n")
    return total


def take_backups(
    db_path: Path, folder: Path, sidefiles: list[Path], total: int, results: list, errors: list
) -> None:
    """Three backups at a quarter, half and three quarters of the run (from its own thread and
    its own connection, as a cron job would)."""
    db = open_store(db_path)
    try:
        for step in (1, 2, 3):
            while committed(sidefiles) < total * step // 4:
                time.sleep(0.02)
            results.append(backup_to_folder(db, folder))
    except Exception as exc:  # reported by the test, not lost in a thread
        errors.append(exc)
    finally:
        db.disconnect()


async def run_contention(tmp_path: Path, per_writer: int) -> dict:
    db_path = tmp_path / "claude-codex.db"
    setup = open_store(db_path)
    for n in range(WRITERS):
        setup.create_instance(make_instance(id=f"w-{n}", tmux_session=f"w-{n}"))
    setup.disconnect()
    total = WRITERS * per_writer
    sidefiles = [tmp_path / f"committed-{n}.txt" for n in range(WRITERS)]
    backups: list = []
    backup_errors: list = []
    app = CodexDashApp(DatabaseGateway(DatabaseConfig(local_file=str(db_path))), watch=True)
    problems: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.wait_settled()
        loads_before = app.feed.loads_completed
        started = time.monotonic()
        writers = [
            start_writer("events", db_path, n, per_writer, sidefiles[n]) for n in range(WRITERS)
        ]
        backup_thread = threading.Thread(
            target=take_backups,
            args=(db_path, tmp_path / "backups", sidefiles, total, backups, backup_errors),
        )
        backup_thread.start()
        loads_during = 0
        while any(w.poll() is None for w in writers):
            await pilot.pause(0.1)
            if app.feed.problem:
                problems.append(app.feed.problem)
        elapsed = time.monotonic() - started
        loads_during = app.feed.loads_completed - loads_before
        reports = [finish(w) for w in writers]
        backup_thread.join(timeout=300)
        app.feed.request_reload(force=True)
        await app.wait_settled(timeout=30)
        shown = {row_id: row.event_count for row_id, row in app.overview.rows.items()}
    return {
        "db_path": db_path,
        "total": total,
        "reports": reports,
        "backups": backups,
        "backup_errors": backup_errors,
        "problems": problems,
        "loads_during": loads_during,
        "shown": shown,
        "elapsed": elapsed,
    }


def check(result: dict, per_writer: int) -> None:
    db_path, total = result["db_path"], result["total"]
    assert result["backup_errors"] == []
    for report in result["reports"]:
        assert report["lock_errors"] == 0, report
        assert report["errors"] == [], report
        assert report["written"] == per_writer
    con = raw(db_path)
    try:
        uids = [
            uid
            for (uid,) in con.execute(
                "SELECT json_extract(metadata, '$.uid') FROM mcp_events ORDER BY id"
            )
        ]
    finally:
        con.close()
    expected = {f"{w}-{n}" for w in range(WRITERS) for n in range(per_writer)}
    assert len(uids) == total, "an event is missing or doubled"
    assert set(uids) == expected
    assert integrity(db_path) == "ok"
    assert len(result["backups"]) == 3
    for backup in result["backups"]:
        assert integrity(backup.path) == "ok", backup.path
        copy = open_store(backup.path, read_only=True)
        try:
            assert len(copy.list_instances(InstanceFilter())) == WRITERS
            copied = copy.count_events_since(copy.get_instance("w-0").created_at)  # type: ignore[union-attr]
            assert 0 < copied <= total
        finally:
            copy.disconnect()
    # The dashboard kept loading while the writers ran, never reported a problem, and ends
    # showing every event.
    assert result["problems"] == []
    assert result["loads_during"] >= 2
    assert result["shown"] == {f"w-{n}": per_writer for n in range(WRITERS)}
    rate = total / result["elapsed"]
    print(
        f"\n{WRITERS} writers x {per_writer}: {total} events in {result['elapsed']:.1f} s "
        f"= {rate:.0f} events/s, {result['loads_during']} dashboard loads, lock errors 0"
    )


async def test_eight_writers_dashboard_and_backups(tmp_path: Path) -> None:
    check(await run_contention(tmp_path, 500), 500)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_eight_writers_forty_thousand_events(tmp_path: Path) -> None:
    check(await run_contention(tmp_path, 5000), 5000)
