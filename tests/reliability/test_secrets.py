"""Encrypted config values stay secret: not in the raw file, its -wal or a backup, not in a
backup's name or any log line (DEBUG, query logging on), never on the dashboard's screen; the key
file is 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from rellab import env, make_instance, open_store, writer_command

from store import DatabaseConfig
from store.maintenance import backup_to_folder
from tui.app import CodexDashApp
from tui.gateway import DatabaseGateway

SECRET = "ghp_Pl41nT3xtT0k3nN0b0dyM4yS33"
KEY = "github.token"


def leaks(path: Path) -> bool:
    data = path.read_bytes()
    return SECRET.encode() in data or SECRET.encode("utf-16-le") in data


def test_secret_not_in_the_file_wal_or_backup(db_path: Path, tmp_path: Path, _secret_key_file):
    db = open_store(db_path)
    try:
        db.set_config(KEY, SECRET, encrypted=True)
        assert db.get_config(KEY) == SECRET
        wal = Path(f"{db_path}-wal")
        assert wal.exists() and wal.stat().st_size > 0  # the commit is still in the WAL
        assert not leaks(db_path) and not leaks(wal)
        backup = backup_to_folder(db, tmp_path / "backups")
        db.checkpoint("TRUNCATE")
        assert not leaks(db_path)
    finally:
        db.disconnect()
    assert not leaks(Path(backup.path))
    assert SECRET not in backup.path
    mode = stat.S_IMODE(_secret_key_file.stat().st_mode)
    assert mode == 0o600, oct(mode)
    copy = open_store(backup.path, read_only=True)  # same key: the backup still decrypts
    try:
        assert copy.get_config(KEY) == SECRET
    finally:
        copy.disconnect()


def test_no_secret_in_debug_logs_with_query_logging(db_path: Path, tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        writer_command("secret", db_path, KEY, SECRET, tmp_path / "backups"),
        env=env(DATABASE_LOG_QUERIES="true"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert '"round_trip": true' in done.stdout
    assert "INSERT" in output or "SELECT" in output  # query logging really was on
    assert SECRET not in output
    assert all(not leaks(p) for p in (tmp_path / "backups").iterdir())


@pytest.mark.anyio
async def test_dashboard_never_shows_a_secret(db_path: Path, tmp_path: Path) -> None:
    db = open_store(db_path)
    try:
        db.create_instance(make_instance(id="secretive-a1", system_prompt="uses the token"))
        db.set_config(KEY, SECRET, encrypted=True)
        db.set_config("ui.theme", "dark")
    finally:
        db.disconnect()
    app = CodexDashApp(DatabaseGateway(DatabaseConfig(local_file=str(db_path))), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await app.wait_settled()
        await pilot.pause()
        assert app.overview is not None and "secretive-a1" in app.overview.rows
        screens = [app.export_screenshot()]
        await pilot.press("enter")  # the instance view too
        await app.wait_settled()
        await pilot.pause()
        screens.append(app.export_screenshot())
        await pilot.press("question_mark")
        await pilot.pause()
        screens.append(app.export_screenshot())
    assert "secretive" in screens[0]
    for svg in screens:
        assert SECRET not in svg and SECRET[:12] not in svg
