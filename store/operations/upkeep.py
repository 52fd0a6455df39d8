"""Maintenance: vacuum, backup, checkpoint, sizes; each engine's part is in its dialect."""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import DatabaseError, ErrorCode
from ..records import BackupResult

ProgressCallback = Callable[[int, int], None]


class UpkeepOperations:
    def vacuum(self) -> None:
        """SQLite: VACUUM (rewrites the file); PostgreSQL: VACUUM (ANALYZE)."""
        self._check_connected()
        if self.config.read_only:
            raise DatabaseError(ErrorCode.READ_ONLY, f"{self.path} is open read-only: no vacuum")

        def run() -> None:
            con = self.dialect.open_plain(self.config, read_only=False)
            try:
                self.dialect.vacuum(con)
            finally:
                con.close()

        self._with_retry(ErrorCode.VACUUM_FAILED, run)

    def backup(
        self, path: str | os.PathLike[str], progress: ProgressCallback | None = None
    ) -> BackupResult:
        """One consistent snapshot as a claude-codex.db SQLite file in the spec's format: a copy
        of the file on SQLite; on a server, every table read in one REPEATABLE READ read-only
        transaction (store/transfer.py), so it opens offline in the dashboard and the TS stack."""
        from ..backup import make_backup  # keeps file handling out of this module

        self._check_connected()
        copy = None
        if not self.dialect.BACKUP_BY_FILE_COPY:
            from ..transfer import snapshot_into_sqlite_file

            def copy(partial: str, report: ProgressCallback | None) -> None:
                snapshot_into_sqlite_file(self, partial, report)

        return make_backup(
            self.path, os.fspath(path), self.config.busy_timeout, progress, copy=copy
        )

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        self._check_connected()
        if self.config.read_only:  # a checkpoint writes the database file
            raise DatabaseError(
                ErrorCode.READ_ONLY, f"{self.path} is open read-only: no checkpoint"
            )
        return self.dialect.checkpoint_store(self.config, mode)

    def file_sizes(self) -> tuple[int, int]:
        """Bytes of the database (file, or on a server the database) and of its -wal (0 there)."""
        return self.dialect.storage_sizes(self.config, lambda: self._reader())
