"""Consistent backups while other processes keep writing.

The copy goes to a hidden temporary name in the target folder, is checked with
`PRAGMA integrity_check`, fsynced, and only then renamed into place: a crash or a full disk never
leaves a half-written file under the backup's name, and never touches an earlier backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable

from .dialects import sqlite as dialect
from .errors import DatabaseError, ErrorCode
from .records import BackupResult


def make_backup(
    source: str,
    target: str,
    busy_timeout: int,
    progress: dialect.ProgressCallback | None = None,
    *,
    copy: Callable[[str, dialect.ProgressCallback | None], None] | None = None,
) -> BackupResult:
    """`copy(partial, progress)` fills the new file; by default SQLite's online backup of `source`
    (a server's store passes its snapshot writer)."""
    target = os.path.abspath(os.path.expanduser(target))
    if os.path.isdir(target):
        raise DatabaseError(ErrorCode.BACKUP_FAILED, f"{target} is a folder; name the backup file")
    folder = os.path.dirname(target)
    if target == os.path.abspath(source):
        raise DatabaseError(ErrorCode.BACKUP_FAILED, "a backup cannot overwrite its own database")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise _denied_or_failed(exc, f"cannot create the backup folder {folder}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(
            ErrorCode.FILE_PERMISSION_DENIED, f"the backup folder {folder} is not writable"
        )
    partial = os.path.join(folder, f".{os.path.basename(target)}.partial-{os.getpid()}")
    started = time.monotonic()
    try:
        if copy is None:
            dialect.copy_database(source, partial, busy_timeout=busy_timeout, progress=progress)
        else:
            copy(partial, progress)
        verdict = dialect.integrity_check(partial, busy_timeout=busy_timeout)
        if verdict != "ok":
            raise DatabaseError(
                ErrorCode.BACKUP_FAILED, f"the copy failed PRAGMA integrity_check: {verdict}"
            )
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
        _fsync_folder(folder)
    except DatabaseError:
        _remove(partial)
        raise
    except (sqlite3.Error, OSError) as exc:  # a server's errors arrive as DatabaseError
        _remove(partial)
        if dialect.is_disk_full(exc) or getattr(exc, "errno", None) == 28:
            raise DatabaseError(
                ErrorCode.BACKUP_FAILED,
                f"the disk is full while writing the backup to {folder}; nothing was replaced",
            ) from None
        raise _denied_or_failed(exc, f"backup of {source} to {target} failed") from None
    return BackupResult(
        path=target, size_bytes=os.path.getsize(target), seconds=time.monotonic() - started
    )


def _denied_or_failed(exc: BaseException, what: str) -> DatabaseError:
    if isinstance(exc, PermissionError):
        return DatabaseError(ErrorCode.FILE_PERMISSION_DENIED, f"{what}: permission denied")
    return DatabaseError(ErrorCode.BACKUP_FAILED, f"{what}: {exc}")


def _remove(path: str) -> None:
    for name in (path, path + "-journal", path + "-wal", path + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


def _fsync_folder(folder: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
