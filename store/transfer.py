"""Whole-database copies between engines: `codex-dash copy SRC DST` (SQLite to PostgreSQL to move a
team onto a server, and back) and a server's backups (a snapshot written into a SQLite file).

The source is read in one snapshot (SQLite: one read transaction; PostgreSQL: REPEATABLE READ,
read-only), so the copy is consistent while agents keep writing; the target is written in one
transaction, so it has all of it or none. Rows move as they are: both engines store the same
columns with epoch-second timestamps, and each dialect casts its own booleans and JSON.
"""

from __future__ import annotations

from collections.abc import Callable

from .config import DatabaseConfig
from .core import MAPPED_TABLES
from .database import Database, initialize_database
from .errors import DatabaseError, ErrorCode

ProgressCallback = Callable[[int, int], None]
KEYS = {
    "instances": "id",
    "mcp_events": "id",
    "instance_relationships": "id",
    "github_issues": "number",
    "user_config": "key",
}
CHUNK_ROWS = 5000


def copy_database(
    source: Database,
    target: Database,
    *,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Every row of every table from `source` into `target`; returns rows copied per table.

    A target that holds any row is refused unless `force` (then it is emptied first, in the same
    transaction as the copy).
    """
    if target.read_only:
        raise DatabaseError(ErrorCode.READ_ONLY, f"{target.path} is open read-only: no copy")
    src_dialect, dst_dialect = source.dialect, target.dialect
    src = src_dialect.open_plain(source.config, read_only=True)
    dst = dst_dialect.open_plain(target.config, read_only=False)
    copied: dict[str, int] = {}
    try:
        with src_dialect.snapshot(src):
            totals = {t: _count(src_dialect, src, t) for t in MAPPED_TABLES}
            total, done = sum(totals.values()), 0
            with dst_dialect.bulk_load(dst):
                present = {t: _count(dst_dialect, dst, t) for t in MAPPED_TABLES}
                if any(present.values()) and not force:
                    rows = ", ".join(f"{n:,} {t}" for t, n in present.items() if n)
                    raise DatabaseError(
                        ErrorCode.VALIDATION_FAILED,
                        f"{target.path} is not empty ({rows}): copy refuses to mix two "
                        "databases; use --force to replace its contents",
                    )
                if any(present.values()):
                    dst_dialect.clear_tables(dst, list(MAPPED_TABLES))
                for table, columns in MAPPED_TABLES.items():
                    copied[table] = 0
                    for rows in src_dialect.read_table(
                        src, table, columns, KEYS[table], CHUNK_ROWS
                    ):
                        dst_dialect.write_rows(dst, table, columns, rows)
                        copied[table] += len(rows)
                        done += len(rows)
                        if progress is not None:
                            progress(done, total)
                dst_dialect.after_bulk_load(dst)
    except DatabaseError:
        raise
    except (src_dialect.DRIVER_ERROR, dst_dialect.DRIVER_ERROR) as exc:
        raise DatabaseError(
            ErrorCode.INSERT_FAILED,
            f"copy from {source.path} to {target.path} failed and was rolled back: "
            f"{target._safe(source._safe(exc))}",
        ) from exc
    finally:
        src.close()
        dst.close()
    if progress is not None and total == 0:
        progress(0, 0)
    return copied


def _count(dialect: object, con: object, table: str) -> int:
    return int(dialect.fetch_rows(con, f"SELECT count(*) FROM {table}")[0][0])  # type: ignore[attr-defined]


def snapshot_into_sqlite_file(
    source: Database, path: str, progress: ProgressCallback | None = None
) -> None:
    """A new claude-codex.db at `path` in the spec's format (SQLite migrations, drizzle's table,
    rollback journal) holding one consistent snapshot of `source`."""
    target = initialize_database(
        DatabaseConfig(
            local_file=path,
            enable_wal=False,
            busy_timeout=source.config.busy_timeout,
            clock=source.config.clock,  # the backup's migration rows: the source's clock's time
        )
    )
    try:
        copy_database(source, target, progress=progress)
    finally:
        target.disconnect()
