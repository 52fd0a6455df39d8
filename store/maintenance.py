"""Backups into a folder, retention, pruning: the routines shared by the dashboard's `b` key and
the `codex-dash backup / prune / vacuum / maintain` commands."""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

from .database import Database
from .dialects.sqlite import ProgressCallback
from .errors import DatabaseError
from .records import BackupResult

LAST_BACKUP_KEY = "codex_dash.last_backup_at"
LAST_VACUUM_KEY = "codex_dash.last_vacuum_at"
BACKUP_SUFFIX = ".db"


def default_backup_dir(db_path: str) -> Path:
    return Path(db_path).resolve().parent / "backups"


def backup_name(db_path: str, when: datetime) -> str:
    stem = Path(db_path).stem
    return f"{stem}-{when.astimezone(UTC):%Y%m%d-%H%M%S}{BACKUP_SUFFIX}"


def backup_to_folder(
    db: Database,
    folder: str | os.PathLike[str] | None = None,
    *,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> BackupResult:
    """A timestamped consistent backup; recorded in user_config unless the database is read-only."""
    when = now or datetime.now(UTC)
    target_dir = Path(folder) if folder else default_backup_dir(db.path)
    target = target_dir / backup_name(db.path, when)
    counter = 1
    while target.exists():  # two backups in one second keep both
        target = target_dir / f"{Path(backup_name(db.path, when)).stem}-{counter}{BACKUP_SUFFIX}"
        counter += 1
    result = db.backup(target, progress=progress)
    if not db.read_only:
        with contextlib.suppress(DatabaseError):  # the backup itself succeeded; say so
            db.set_config(LAST_BACKUP_KEY, when.astimezone(UTC).isoformat(timespec="seconds"))
    return result


def last_backup_time(db: Database, folder: str | os.PathLike[str] | None = None) -> datetime | None:
    """From the store's record, else from the newest file in the backup folder."""
    recorded = None
    with contextlib.suppress(DatabaseError, ValueError):
        value = db.get_config(LAST_BACKUP_KEY)
        recorded = datetime.fromisoformat(value) if value else None
    newest = None
    files = list_backups(db.path, folder)
    if files:
        newest = datetime.fromtimestamp(files[-1].stat().st_mtime, UTC)
    candidates = [t for t in (recorded, newest) if t is not None]
    return max(candidates) if candidates else None


def list_backups(db_path: str, folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """This database's backups, oldest first."""
    target_dir = Path(folder) if folder else default_backup_dir(db_path)
    stem = Path(db_path).stem
    try:
        found = [
            p
            for p in target_dir.iterdir()
            if p.name.startswith(stem + "-") and p.suffix == BACKUP_SUFFIX and p.is_file()
        ]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))
