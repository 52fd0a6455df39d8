"""Plain SQL on the database a store test uses, on either engine, as another program would.

The store tests check what was stored (rows, counts, nothing half-written) beside the public API.
One object does it for both engines so a behaviour test never needs an engine branch: SQL is
written once with `?` placeholders (translated to psycopg2's `%s` here, the one place that knows),
and database-level failures are injected with a trigger written the way each engine needs.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from testkit import dump as dump_sqlite
from testkit import query as query_sqlite

_PLACEHOLDER = re.compile(r"\?")


class RawDb:
    """`raw_db(sql, params)` -> rows; `target` is the path or URL a worker process opens."""

    def __init__(self, engine: str, target: Path | str) -> None:
        self.engine = engine
        self.target = str(target)
        self._pg: Any = None

    # --- plain statements ------------------------------------------------------------------

    def __call__(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        if self.engine == "sqlite":
            return query_sqlite(self.target, sql, tuple(params))
        with self._connection().cursor() as cur:
            if params:
                cur.execute(_PLACEHOLDER.sub("%s", sql), tuple(params))
            else:
                cur.execute(sql)
            return [tuple(row) for row in cur.fetchall()] if cur.description else []

    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table, for "nothing changed" checks (SQLite: with stored types)."""
        if self.engine == "sqlite":
            return dump_sqlite(self.target)
        out: dict[str, list[tuple]] = {}
        tables = self(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        for (table,) in tables:
            columns = [
                name
                for (name,) in self(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                    "'public' AND table_name = ? ORDER BY ordinal_position",
                    (table,),
                )
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            order = ", ".join(f'"{c}"::text' for c in columns)  # JSON has no ordering of its own
            out[table] = self(f'SELECT {listed} FROM "{table}" ORDER BY {order}')
        return out

    def state(self) -> object:
        """What any write would change. SQLite: the file's bytes (not one may move, so this holds
        only while no -wal is pending); PostgreSQL: every row and every definition."""
        if self.engine == "sqlite":
            return Path(self.target).read_bytes()
        return (self.dump(), self.schema())

    def schema(self) -> dict[str, Any]:
        """The database's definitions, for "reopening changed nothing" checks."""
        if self.engine == "sqlite":
            return dict(self("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        return {
            "columns": self(
                "SELECT table_name, column_name, data_type, column_default, is_nullable "
                "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
            ),
            "indexes": self(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
            ),
            "triggers": self(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE NOT tgisinternal ORDER BY 1"
            ),
            "functions": self(
                "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n "
                "ON n.oid = p.pronamespace WHERE n.nspname = 'public' ORDER BY 1"
            ),
        }

    def integrity(self) -> str:
        """ "ok" when the engine finds its own structures sound (SQLite's integrity_check;
        on PostgreSQL amcheck over every index of the store's tables, heap included)."""
        if self.engine == "sqlite":
            return "; ".join(str(row[0]) for row in self("PRAGMA integrity_check"))
        self("CREATE EXTENSION IF NOT EXISTS amcheck")
        self(
            "SELECT bt_index_check(c.oid, true) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_am a ON a.oid = c.relam WHERE n.nspname = 'public' AND a.amname = 'btree'"
        )
        return "ok"

    # --- database-level failures -----------------------------------------------------------

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Another connection holds the write lock the store's writers and VACUUM wait for
        (SQLite: BEGIN IMMEDIATE; PostgreSQL: ACCESS EXCLUSIVE on the store's tables)."""
        if self.engine == "sqlite":
            holder = sqlite3.connect(self.target, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
        else:
            import psycopg2

            holder = psycopg2.connect(self.target)
            with holder.cursor() as cur:
                cur.execute("LOCK TABLE instances, mcp_events IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.close()

    def refuse(self, table: str, when: str = "INSERT", where: str | None = None) -> None:
        """A real failure inside the engine: a trigger aborts the statement (and the store's
        transaction) for rows matching `where` (an SQL condition on NEW/OLD; every row if None)."""
        name = _trigger_name(table, when)
        if self.engine == "sqlite":
            self(
                f"CREATE TRIGGER {name} BEFORE {when} ON {table} WHEN {where or '1'} "
                "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
            )
            return
        self(
            "CREATE OR REPLACE FUNCTION codex_test_refuse() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$"
        )
        condition = f" WHEN ({where})" if where else ""
        self(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW{condition} "
            "EXECUTE FUNCTION codex_test_refuse()"
        )

    def allow(self, table: str, when: str = "INSERT") -> None:
        """Remove the trigger `refuse(table, when)` made."""
        on = f" ON {table}" if self.engine == "postgres" else ""
        self(f"DROP TRIGGER {_trigger_name(table, when)}{on}")

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    def _connection(self) -> Any:
        if self._pg is None:
            import psycopg2
            import psycopg2.extras

            self._pg = psycopg2.connect(self.target)
            self._pg.autocommit = True
            # JSON columns come back as the text stored, as sqlite3 gives them.
            psycopg2.extras.register_default_json(self._pg, loads=lambda text: text)
            psycopg2.extras.register_default_jsonb(self._pg, loads=lambda text: text)
        return self._pg


def _trigger_name(table: str, when: str) -> str:
    return f"fail_{table}_{when.lower()}"
