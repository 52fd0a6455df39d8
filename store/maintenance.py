"""Backups into a folder, retention, pruning: the routines shared by the dashboard's `b` key and
the `codex-dash backup / prune / vacuum / maintain` commands."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import humanize

from .config import MaintenanceSettings
from .database import Database
from .dialects.sqlite import ProgressCallback
from .errors import DatabaseError, ErrorCode
from .records import BackupResult

LAST_BACKUP_KEY = "codex_dash.last_backup_at"
LAST_VACUUM_KEY = "codex_dash.last_vacuum_at"
BACKUP_SUFFIX = ".db"


def default_backup_dir(db_path: str) -> Path:
    if "://" in db_path:  # a server: backups/ in the current folder
        return Path.cwd() / "backups"
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
    when = _now(db, now)
    target_dir = Path(folder) if folder else default_backup_dir(db.path)
    target = target_dir / backup_name(db.path, when)
    counter = 1
    while target.exists():  # two backups in one second keep both
        target = target_dir / f"{Path(backup_name(db.path, when)).stem}-{counter}{BACKUP_SUFFIX}"
        counter += 1
    return _recorded(db, db.backup(target, progress=progress), when)


def _recorded(db: Database, result: BackupResult, when: datetime) -> BackupResult:
    """The backup's file time and the store's record both say `when`: retention and "is one due"
    read them later against the same clock, never against the machine's."""
    moment = when.timestamp()
    with contextlib.suppress(OSError):
        os.utime(result.path, (moment, moment))
    if not db.read_only:
        with contextlib.suppress(DatabaseError):  # the backup itself succeeded; say so
            db.set_config(LAST_BACKUP_KEY, when.astimezone(UTC).isoformat(timespec="seconds"))
    return result


def _now(db: Database, now: datetime | None) -> datetime:
    return (now or db.clock()).astimezone(UTC)


def last_backup_time(
    db: Database, folder: str | os.PathLike[str] | None = None, *, now: datetime | None = None
) -> datetime | None:
    """From the store's record, else from the newest file in the backup folder. A file time in the
    future of `now` (a backup written under another clock) is no evidence and is passed over."""
    recorded = None
    with contextlib.suppress(DatabaseError, ValueError):
        value = db.get_config(LAST_BACKUP_KEY)
        recorded = datetime.fromisoformat(value) if value else None
    limit = _now(db, now).timestamp()
    times = [p.stat().st_mtime for p in list_backups(db.path, folder)]
    past = [t for t in times if t <= limit]
    newest = datetime.fromtimestamp(max(past), UTC) if past else None
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


# --- the `codex-dash backup / vacuum / prune / maintain` routines -----------------------------

AGE_UNITS = {"d": 86_400, "h": 3_600, "m": 60}
AGE_PATTERN = re.compile(r"^\s*(\d{1,9})\s*([dhm])\s*$", re.IGNORECASE)


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m`: cron lines read better than a count of seconds."""
    found = AGE_PATTERN.match(text or "")
    if not found:
        raise DatabaseError(
            ErrorCode.VALIDATION_FAILED,
            f"--older-than {text!r} is not an age: expected a number and d, h or m (e.g. 30d)",
            field="older_than",
        )
    return timedelta(seconds=int(found.group(1)) * AGE_UNITS[found.group(2).lower()])


def human_size(num_bytes: int) -> str:
    return humanize.naturalsize(num_bytes, binary=False)


def backup_to(
    db: Database, target: str | os.PathLike[str] | None = None, *, now: datetime | None = None
) -> BackupResult:
    """`--to` is a file, or a folder (existing, or written with a trailing slash) for a
    timestamped name; nothing means backups/ beside the database."""
    if target is None or os.path.isdir(target) or os.fspath(target).endswith(os.sep):
        return backup_to_folder(db, target, now=now)
    return _recorded(db, db.backup(target), _now(db, now))


def prune_backups(
    db_path: str,
    folder: str | os.PathLike[str] | None,
    retention_days: int,
    *,
    now: datetime,
) -> list[Path]:
    """Delete this database's backups older than the retention; the newest one always stays, so
    a machine that was off for a month still has something to restore."""
    cutoff = now.timestamp() - retention_days * 86_400
    removed: list[Path] = []
    for path in list_backups(db_path, folder)[:-1]:
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
    return removed


def last_vacuum_time(db: Database) -> datetime | None:
    with contextlib.suppress(DatabaseError, ValueError):
        value = db.get_config(LAST_VACUUM_KEY)
        return datetime.fromisoformat(value) if value else None
    return None


def vacuum_recorded(db: Database, *, now: datetime | None = None) -> tuple[int, int]:
    """VACUUM and record when (for `maintain`); returns the database file's bytes before and
    after, each measured after a PASSIVE checkpoint (one that never waits for writers)."""
    before = _checkpointed_size(db)
    db.vacuum()
    when = _now(db, now)
    db.set_config(LAST_VACUUM_KEY, when.isoformat(timespec="seconds"))
    return before, _checkpointed_size(db)


def _checkpointed_size(db: Database) -> int:
    with contextlib.suppress(DatabaseError):  # a busy WAL only makes the figure approximate
        db.checkpoint("PASSIVE")
    return db.file_sizes()[0]


def prune_older_than(db: Database, age: timedelta, *, now: datetime | None = None) -> int:
    return db.prune_events(_now(db, now) - age)


@dataclass(slots=True)
class MaintenanceReport:
    """What one `maintain` run did; `lines()` is what the command prints."""

    backup: BackupResult | None = None
    last_backup: datetime | None = None
    removed_backups: list[Path] = field(default_factory=list)
    pruned_events: int = 0
    vacuumed: tuple[int, int] | None = None
    last_vacuum: datetime | None = None
    settings: MaintenanceSettings = field(default_factory=MaintenanceSettings)

    def lines(self) -> list[str]:
        s = self.settings
        if self.backup is not None:
            b = self.backup
            backup = f"backup: {b.path} ({human_size(b.size_bytes)}, integrity {b.integrity})"
        elif not s.auto_backup:
            backup = "backup: skipped (autoBackup is off)"
        else:
            backup = f"backup: not due (last {_stamp(self.last_backup)})"
        removed = len(self.removed_backups)
        if self.vacuumed is not None:
            vacuum = "vacuum: {} -> {}".format(*map(human_size, self.vacuumed))
        else:
            vacuum = f"vacuum: not due (last {_stamp(self.last_vacuum)})"
        return [
            backup,
            f"backups: removed {removed} older than {s.backup_retention_days} days",
            f"events: pruned {self.pruned_events:,} older than {s.log_retention_days} days",
            vacuum,
        ]


def maintain(
    db: Database,
    settings: MaintenanceSettings,
    *,
    folder: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
) -> MaintenanceReport:
    """The spec's maintenance block, each step only when it is due (safe to run hourly)."""
    when = _now(db, now)
    report = MaintenanceReport(
        settings=settings, last_backup=last_backup_time(db, folder, now=when)
    )
    if settings.auto_backup and (
        report.last_backup is None or when - report.last_backup >= timedelta(days=1)
    ):
        report.backup = backup_to_folder(db, folder, now=when)
    report.removed_backups = prune_backups(
        db.path, folder, settings.backup_retention_days, now=when
    )
    report.pruned_events = prune_older_than(
        db, timedelta(days=settings.log_retention_days), now=when
    )
    report.last_vacuum = last_vacuum_time(db)
    if report.last_vacuum is None or (when - report.last_vacuum).total_seconds() >= (
        settings.vacuum_interval
    ):
        report.vacuumed = vacuum_recorded(db, now=when)
    return report


def _stamp(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if moment else "never"
