"""Apply an engine's plain SQL migrations (migrations/<engine>/NNNN_name.sql) in order, each in its
own transaction.

Applied versions and their checksums are recorded in `codex_dash_migrations`. Two processes starting
at once are safe: each migration runs under the engine's exclusive lock (SQLite: BEGIN IMMEDIATE;
PostgreSQL: a transaction-scoped advisory lock) and re-reads what is applied inside it. An edited
migration, or one the database has that this code does not know, stops everything with
DATABASE_SCHEMA_MIGRATION_FAILED rather than guessing.

The runner lives in the store (it raises the store's errors and speaks through the store's dialect
seam); the migrations/ folder holds only the SQL files.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

from .errors import DatabaseError, ErrorCode
from .timeutil import Clock, now_epoch, system_clock

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"
TABLE = "codex_dash_migrations"
FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.replace("\r\n", "\n").encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def folder_for(engine: str) -> Path:
    return MIGRATIONS_ROOT / engine


def discover(directory: Path | None = None, *, engine: str = "sqlite") -> list[Migration]:
    directory = folder_for(engine) if directory is None else directory
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = FILE_PATTERN.match(path.name)
        if match is None:
            raise _fail(f"{path.name} is not named NNNN_description.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise _fail(f"two migration files share a version number in {directory}")
    return found


def applied_versions(con: Any, dialect: ModuleType) -> dict[int, tuple[str, str]]:
    if not dialect.table_exists(con, TABLE):
        return {}
    rows = dialect.fetch_rows(con, f"SELECT version, name, checksum FROM {TABLE}")
    return {version: (name, checksum) for version, name, checksum in rows}


def verify(con: Any, migrations: list[Migration], dialect: ModuleType) -> list[Migration]:
    """Check what the database recorded against the files; return the migrations still to apply."""
    applied = applied_versions(con, dialect)
    known = {m.version: m for m in migrations}
    unknown = sorted(set(applied) - set(known))
    if unknown:
        names = ", ".join(f"{v:04d}_{applied[v][0]}" for v in unknown)
        raise _fail(
            f"the database has migration {names}, which this codex-dash does not know: it was "
            "written by a newer version. Upgrade codex-dash (or open a backup made before it)."
        )
    for version, (_name, checksum) in applied.items():
        migration = known[version]
        if checksum != migration.checksum:
            raise _fail(
                f"migration {migration.label} was changed after it was applied to this database "
                f"(recorded checksum {checksum[:12]}, file {migration.checksum[:12]}). Restore the "
                "original file and put the change in a new migration with the next number."
            )
    return [m for m in migrations if m.version not in applied]


def apply_migrations(
    con: Any,
    dialect: ModuleType,
    migrations: list[Migration] | None = None,
    *,
    clock: Clock = system_clock,
) -> list[str]:
    """Apply what is pending on an autocommit connection; return the labels applied here.

    Times written while migrating come from the store's `clock`, like every other time the store
    writes: applied_at is inserted from it, and the dialect routes the migration SQL's own "now"
    (SQLite's unixepoch() in drizzle's marker row) through it, since the files cannot change
    (their checksums are recorded in users' databases)."""
    migrations = discover(engine=dialect.NAME) if migrations is None else migrations
    done: list[str] = []
    if not verify(con, migrations, dialect):
        return done
    dialect.route_clock(con, lambda: now_epoch(clock))
    with dialect.migration_lock(con):
        dialect.run_script(con, dialect.CREATE_MIGRATIONS_TABLE)
    for migration in migrations:
        try:
            with dialect.migration_lock(con):
                if migration in verify(con, migrations, dialect):
                    dialect.run_script(con, migration.sql)
                    dialect.execute(
                        con,
                        f"INSERT INTO {TABLE} (version, name, checksum, applied_at) "
                        f"VALUES ({dialect.marks(4)})",
                        (migration.version, migration.name, migration.checksum, now_epoch(clock)),
                    )
                    done.append(migration.label)
        except dialect.DRIVER_ERROR as exc:
            raise _fail(
                f"migration {migration.label} failed and was rolled back: {dialect.root_error(exc)}"
            ) from exc
    return done


def _fail(message: str) -> DatabaseError:
    return DatabaseError(ErrorCode.SCHEMA_MIGRATION_FAILED, message)
