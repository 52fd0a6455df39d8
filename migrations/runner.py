"""Apply the plain SQL migrations beside this file, in order, each in its own transaction.

Applied versions and their checksums are recorded in `codex_dash_migrations`. Two processes starting at
once are safe: each migration runs under BEGIN IMMEDIATE and re-reads what is applied inside it.
An edited migration, or one the database has that this code does not know, stops everything with
DATABASE_SCHEMA_MIGRATION_FAILED rather than guessing.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path
from typing import NamedTuple

from store.errors import DatabaseError, ErrorCode

MIGRATIONS_DIR = Path(__file__).resolve().parent
TABLE = "codex_dash_migrations"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "checksum TEXT NOT NULL, applied_at INTEGER NOT NULL DEFAULT (unixepoch()))"
)
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


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
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


def split_statements(sql: str) -> list[str]:
    """Split a script at statement ends (executescript would COMMIT our transaction first)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip() and not _only_comments(current):
                statements.append(current.strip())
            current = ""
    if current.strip() and not _only_comments(current):
        raise _fail(f"incomplete SQL statement at the end: {current.strip()[:80]!r}")
    return statements


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


def applied_versions(con: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    exists = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).fetchone()
    if not exists:
        return {}
    return {
        version: (name, checksum)
        for version, name, checksum in con.execute(f"SELECT version, name, checksum FROM {TABLE}")
    }


def verify(con: sqlite3.Connection, migrations: list[Migration]) -> list[Migration]:
    """Check what the database recorded against the files; return the migrations still to apply."""
    applied = applied_versions(con)
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
    con: sqlite3.Connection, migrations: list[Migration] | None = None
) -> list[str]:
    """Apply what is pending on an autocommit connection; return the labels applied here."""
    migrations = discover() if migrations is None else migrations
    done: list[str] = []
    if not verify(con, migrations):
        return done
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute(CREATE_TABLE)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    for migration in migrations:
        con.execute("BEGIN IMMEDIATE")
        try:
            if migration in verify(con, migrations):
                for statement in split_statements(migration.sql):
                    con.execute(statement)
                con.execute(
                    f"INSERT INTO {TABLE} (version, name, checksum) VALUES (?, ?, ?)",
                    (migration.version, migration.name, migration.checksum),
                )
                done.append(migration.label)
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            con.execute("ROLLBACK")
            raise _fail(f"migration {migration.label} failed and was rolled back: {exc}") from exc
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return done


def _fail(message: str) -> DatabaseError:
    return DatabaseError(ErrorCode.SCHEMA_MIGRATION_FAILED, message)
