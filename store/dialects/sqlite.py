"""Everything specific to SQLite: connection pragmas, the hot-path SQL, backup, vacuum, integrity.

`store.dialects.postgres` is the same seam for a PostgreSQL server; the store core calls only the
names both define. Nothing outside `store/dialects/` writes SQL text except the migration files.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

from ..records import ActivityCursor
from .columns import INSTANCE_ORDER_COLUMNS, INSTANCE_SELECT
from .driver_errors import root_of

NAME = "sqlite"
PROVIDER = "sqlite"
DRIVER_ERROR = sqlite3.Error
Connection = sqlite3.Connection


# --- the seam: what the store core asks of every engine -----------------------------------------


def marks(count: int) -> str:
    return ", ".join("?" * count)


def open_plain(config: Any, *, read_only: bool) -> sqlite3.Connection:
    """An autocommit connection for migrations, the read paths and change checks."""
    return connect_plain(
        config.path,
        busy_timeout=config.busy_timeout,
        enable_wal=config.enable_wal and not read_only,
        read_only=read_only,
    )


def bind_pony(pony: Any, config: Any) -> None:
    """Pony bound to the file: pragmas on every connection it opens (registered before bind)."""

    @pony.on_connect(provider="sqlite")
    def _pragmas(_db: Any, con: sqlite3.Connection) -> None:
        apply_pragmas(
            con,
            busy_timeout=config.busy_timeout,
            enable_wal=config.enable_wal,
            read_only=config.read_only,
        )

    pony.bind(provider=provider_for(config.read_only), filename=config.path)


def run_raw_write(pony: Any, operation: Callable[[sqlite3.Connection], Any]) -> Any:
    """`operation(connection)` in BEGIN IMMEDIATE on this thread's Pony connection, without a
    db_session around it (its bookkeeping cost more than the insert itself)."""
    pool = pony.provider.pool  # per-thread: .con is this thread's connection (or None)
    con = pool.con
    if con is None or pool.pid != os.getpid():  # Pony's own checks, without its wrappers
        con, is_new = pony.provider.connect()
        if is_new:
            pony.call_on_connect(con)
    con.execute("BEGIN IMMEDIATE")
    try:
        result = operation(con)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    return result


def route_clock(con: sqlite3.Connection, now_epoch: Callable[[], int]) -> None:
    """SQL's "now" on this connection is the store's clock: an application function replaces
    the built-in unixepoch() of the same arity, so column defaults and the migrations' own
    unixepoch() (drizzle's marker row) read the clock a test pinned, never the machine's."""
    con.create_function("unixepoch", 0, now_epoch)


@contextlib.contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """A local file has no server that could go silent: busy_timeout bounds its lock waits."""
    yield


def allow_long_statement() -> None:
    """Nothing watches a local write's duration (see answer_within)."""


def session_started(con: Any) -> int | None:
    """A transaction id whose commit status can be asked later: none needed for a local file
    (a commit either returns or raises; no answer can be lost on the way)."""
    return None


def lock_rows_sql() -> str:
    """What a SELECT appends to lock the rows it reads: BEGIN IMMEDIATE already serialises."""
    return ""


def table_exists(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def fetch_rows(con: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def execute(con: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    return con.execute(sql, params).rowcount


CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS codex_dash_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, checksum TEXT NOT NULL, "
    "applied_at INTEGER NOT NULL DEFAULT (unixepoch()));"
)


def migration_lock(con: sqlite3.Connection) -> contextlib.AbstractContextManager[None]:
    """One migration's transaction, exclusive against other processes (BEGIN IMMEDIATE)."""
    return _immediate(con)


@contextlib.contextmanager
def _immediate(con: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT; ROLLBACK on any error."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def run_script(con: sqlite3.Connection, sql: str) -> None:
    """Statement by statement (executescript would COMMIT the transaction first)."""
    for statement in split_statements(sql):
        con.execute(statement)


def split_statements(sql: str) -> list[str]:
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip() and not _only_comments(current):
                statements.append(current.strip())
            current = ""
    if current.strip() and not _only_comments(current):
        raise sqlite3.OperationalError(
            f"incomplete SQL statement at the end: {current.strip()[:80]!r}"
        )
    return statements


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


def change_token(con: sqlite3.Connection) -> int:
    """Cheap "did anything change": data_version (another connection's commits only)."""
    return data_version(con)


def is_standby(con: sqlite3.Connection) -> bool:
    return False


def is_connection_lost(exc: BaseException) -> bool:
    return False


def is_connection_lost_on(con: sqlite3.Connection) -> bool:
    return False


def commit_status(config: Any, txid: int) -> str | None:
    return None  # never asked: session_started gives no transaction id


BACKUP_BY_FILE_COPY = True  # the online backup API copies the file's pages (copy_database)


def checkpoint_store(config: Any, mode: str = "PASSIVE") -> tuple[int, int, int]:
    con = open_plain(config, read_only=False)
    try:
        return checkpoint(con, mode)
    finally:
        con.close()


def storage_sizes(config: Any, reader: Callable[[], Any]) -> tuple[int, int]:
    """Bytes of the file and of its -wal (0 when absent)."""
    return _size(config.path), _size(config.path + "-wal")


@contextlib.contextmanager
def snapshot(con: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every table read in it sees the same commit (WAL)."""
    con.execute("BEGIN")
    try:
        yield
    finally:
        con.execute("ROLLBACK")


def bulk_load(con: sqlite3.Connection) -> contextlib.AbstractContextManager[None]:
    """A copy's writes in one BEGIN IMMEDIATE: all of it or none."""
    return _immediate(con)


def read_table(
    con: sqlite3.Connection, table: str, columns: Sequence[str], key: str, chunk: int
) -> Iterator[list[tuple]]:
    cursor = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")
    while True:
        rows = cursor.fetchmany(chunk)
        if not rows:
            return
        yield rows


def write_rows(
    con: sqlite3.Connection, table: str, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Rows from any engine as they are (sqlite3 stores a bool as 0/1, JSON text as text)."""
    con.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})", rows
    )


def after_bulk_load(con: sqlite3.Connection) -> None:
    """Nothing: AUTOINCREMENT's sqlite_sequence follows explicit ids by itself."""


def clear_tables(con: sqlite3.Connection, tables: Sequence[str]) -> None:
    for table in tables:
        con.execute(f"DELETE FROM {table}")


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# --- connections -------------------------------------------------------------------------------


def readonly_uri(path: str) -> str:
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    return uri + "&immutable=1" if snapshot_only(path) else uri


def snapshot_only(path: str) -> bool:
    """A WAL database in a folder this user cannot write, with no -shm beside it.

    SQLite cannot read such a file live (SQLITE_READONLY_DIRECTORY: a reader must create -shm).
    No writer has it open either — a writer keeps -wal and -shm while it does — so reading it as
    immutable is consistent until one appears; readers reopen when -shm shows up.
    """
    path = os.path.abspath(path)
    if os.access(os.path.dirname(path), os.W_OK) or os.path.exists(path + "-shm"):
        return False
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[18] == 2 and header[19] == 2  # WAL file format


def apply_pragmas(
    con: sqlite3.Connection, *, busy_timeout: int, enable_wal: bool, read_only: bool
) -> None:
    """Run on every connection Pony or the store opens, before any other statement."""
    con.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
    if read_only:
        con.execute("PRAGMA query_only = ON")
        return
    if enable_wal:
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            _switch_to_wal(con, busy_timeout)
        con.execute("PRAGMA synchronous = NORMAL")


def _switch_to_wal(con: sqlite3.Connection, busy_timeout: int) -> None:
    """Switching a new file to WAL can answer "database is locked" at once, without the busy
    handler, while another process switches it too (four processes creating one file): retry
    within busy_timeout."""
    deadline = time.monotonic() + busy_timeout / 1000
    while True:
        try:
            con.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def connect_plain(
    path: str, *, busy_timeout: int, enable_wal: bool = True, read_only: bool = False
) -> sqlite3.Connection:
    """A stdlib connection in autocommit mode, for migrations, backups and change checks."""
    if read_only:
        con = sqlite3.connect(
            readonly_uri(path), uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    apply_pragmas(con, busy_timeout=busy_timeout, enable_wal=enable_wal, read_only=read_only)
    return con


def check_tables(con: sqlite3.Connection, tables: Mapping[str, Sequence[str]]) -> None:
    """Every table has every column the store maps (what Pony's check_tables does, without Pony);
    raises sqlite3.Error naming the first missing one."""
    for table, columns in tables.items():
        con.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE 0").fetchall()


def provider_for(read_only: bool) -> Any:
    """Pony's provider name, or for read-only a provider opening `mode=ro` URIs, so that a write
    is impossible, not just avoided. Pony is imported here, when the store first binds it."""
    if not read_only:
        return PROVIDER
    from pony.orm.dbproviders.sqlite import SQLitePool, SQLiteProvider

    class ReadOnlySQLiteProvider(SQLiteProvider):
        def get_pool(self, is_shared_memory_db, filename, create_db=False, **kwargs):  # type: ignore[override]
            return SQLitePool(False, readonly_uri(filename), True, uri=True, **kwargs)

    return ReadOnlySQLiteProvider


# --- errors --------------------------------------------------------------------------------------


def root_error(exc: BaseException) -> BaseException:
    return root_sqlite_error(exc)


def root_sqlite_error(exc: BaseException) -> BaseException:
    return root_of(exc, sqlite3.Error)


def is_retryable(exc: BaseException) -> bool:
    """Busy: another writer holds the lock (retried with backoff within busy_timeout)."""
    return is_locked(exc)


def is_read_only_error(exc: BaseException) -> bool:
    message = str(root_sqlite_error(exc)).lower()
    return "readonly" in message or "read-only" in message


def is_locked(exc: BaseException) -> bool:
    message = str(root_sqlite_error(exc)).lower()
    return "database is locked" in message or "database is busy" in message or message == "busy"


def is_unique_violation(exc: BaseException) -> bool:
    return "unique constraint failed" in str(root_sqlite_error(exc)).lower()


def is_not_a_database(exc: BaseException) -> bool:
    message = str(root_sqlite_error(exc)).lower()
    return "not a database" in message or "malformed" in message or "corrupt" in message


def is_readonly_directory(exc: BaseException) -> bool:
    """A WAL database in a folder this user cannot write, with no -shm to read beside it."""
    return getattr(root_sqlite_error(exc), "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY"


def is_cannot_open(exc: BaseException) -> bool:
    message = str(root_sqlite_error(exc)).lower()
    return "unable to open" in message or "readonly" in message or "read-only" in message


def is_disk_full(exc: BaseException) -> bool:
    message = str(root_sqlite_error(exc)).lower()
    return "disk is full" in message or "database or disk is full" in message


# --- hot-path SQL (stdlib cursor on Pony's connection: Pony entities cost 2.6-7x here) -----------

EVENT_COLUMNS_SQL = (
    "instance_id, tool_name, success, error_message, metadata, git_commit_hash, "
    "status_change, is_status_updating, timestamp"
)
INSERT_EVENT = f"INSERT INTO mcp_events ({EVENT_COLUMNS_SQL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
EVENT_SELECT = f"SELECT id, {EVENT_COLUMNS_SQL} FROM mcp_events"
INSTANCE_EXISTS = "SELECT 1 FROM instances WHERE id = ?"


def instance_exists(con: sqlite3.Connection, instance_id: str) -> bool:
    return con.execute(INSTANCE_EXISTS, (instance_id,)).fetchone() is not None


def existing_instances(con: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # stay under SQLITE_MAX_VARIABLE_NUMBER
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0] for row in con.execute(f"SELECT id FROM instances WHERE id IN ({marks})", chunk)
        )
    return found


def insert_event(con: sqlite3.Connection, row: Sequence[Any]) -> int:
    cursor = con.execute(INSERT_EVENT, row)
    return int(cursor.lastrowid or 0)


INSERT_EVENT_IF_INSTANCE = (
    f"INSERT INTO mcp_events ({EVENT_COLUMNS_SQL}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? "
    "WHERE EXISTS (SELECT 1 FROM instances WHERE id = ?1)"
)


def insert_event_if_instance(con: sqlite3.Connection, row: Sequence[Any]) -> int | None:
    """Insert when the event's instance exists (row[0]); returns the new id, or None if it does not.

    One statement instead of a SELECT then an INSERT: same transaction, one round trip fewer.
    """
    cursor = con.execute(INSERT_EVENT_IF_INSTANCE, row)
    return int(cursor.lastrowid or 0) if cursor.rowcount == 1 else None


def insert_events(con: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    con.executemany(INSERT_EVENT, rows)


# Many rows a statement, as for issues: INSERT_EVENT's VALUES repeated. SQLite inserts the rows of
# one INSERT in order, so AUTOINCREMENT gives them the ids executemany would (consecutive, in the
# batch's order). 10,000 events: 14.4-14.5 against 15.9-16.1 µs of CPU an event (no step/reset and
# no trip through the sqlite3 module's loop a row). 111 rows x 9 = 999 parameters, under the 999 of
# SQLite builds before 3.32.
EVENT_ROWS_PER_STATEMENT = 111
_EVENT_WIDTH = len(EVENT_COLUMNS_SQL.split(","))
_EVENT_ROW_MARKS = "(" + ", ".join("?" * _EVENT_WIDTH) + ")"


@functools.lru_cache(maxsize=EVENT_ROWS_PER_STATEMENT)
def insert_events_sql(rows: int) -> str:
    """INSERT_EVENT for `rows` rows in one statement."""
    return f"INSERT INTO mcp_events ({EVENT_COLUMNS_SQL}) VALUES " + ", ".join(
        [_EVENT_ROW_MARKS] * rows
    )


def insert_event_rows(con: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """insert_events, EVENT_ROWS_PER_STATEMENT rows a statement: same rows, same ids, same order."""
    if rows and set(map(len, rows)) != {_EVENT_WIDTH}:
        raise ValueError(f"every event row must have {_EVENT_WIDTH} values")
    params = list(chain.from_iterable(rows))
    execute_many_rows(
        con, insert_events_sql, params, len(rows), _EVENT_WIDTH, EVENT_ROWS_PER_STATEMENT
    )


def execute_many_rows(
    con: sqlite3.Connection,
    sql_for: Callable[[int], str],
    params: Sequence[Any],
    count: int,
    width: int,
    per_statement: int,
) -> None:
    """Run `count` rows of `width` flat `params` as statements of `per_statement` rows each
    (`sql_for(n)`: the statement for n rows), the rest in one last statement, in order."""
    step = per_statement * width
    whole = count // per_statement * step
    if whole:
        sql = sql_for(per_statement)
        execute = con.execute
        for start in range(0, whole, step):
            execute(sql, params[start : start + step])
    if count % per_statement:
        con.execute(sql_for(count % per_statement), params[whole:])


READ_PAGE = 2_000  # rows fetched at a time by the reads that take any limit: memory stays flat


def in_pages(cursor: sqlite3.Cursor, size: int = READ_PAGE) -> Iterator[tuple]:
    """The rows of one statement (one consistent snapshot), fetched a page at a time, so a large
    limit never holds every raw row beside the records made from them."""
    while page := cursor.fetchmany(size):
        yield from page


def latest_events(
    con: sqlite3.Connection, instance_id: str, limit: int, before_id: int | None = None
) -> Iterator[tuple]:
    """Newest first; equal timestamps ordered by id so pages are stable."""
    if before_id is None:
        return in_pages(
            con.execute(
                f"{EVENT_SELECT} WHERE instance_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?",
                (instance_id, limit),
            )
        )
    return in_pages(
        con.execute(
            f"{EVENT_SELECT} WHERE instance_id = ? AND (timestamp, id) < "
            "(SELECT timestamp, id FROM mcp_events WHERE id = ?) "
            "ORDER BY timestamp DESC, id DESC LIMIT ?",
            (instance_id, before_id, limit),
        )
    )


def events_since(con: sqlite3.Connection, since: int, limit: int | None) -> Iterator[tuple]:
    sql = f"{EVENT_SELECT} WHERE timestamp >= ? ORDER BY timestamp DESC, id DESC"
    if limit is None:
        return in_pages(con.execute(sql, (since,)))
    return in_pages(con.execute(sql + " LIMIT ?", (since, limit)))


def event_activity(con: sqlite3.Connection, after_id: int = 0) -> list[tuple]:
    """(instance_id, events, newest id, newest success, newest timestamp) for events past after_id.

    From scratch it counts on the covering instance_id index and then seeks each instance's newest
    event; incrementally a rowid range scan suffices (SQLite takes bare columns from the max() row).
    """
    if after_id > 0:
        return con.execute(
            # `+instance_id`: group in a temp b-tree over the rowid range, instead of walking the
            # whole instance_id index to avoid that sort.
            "SELECT instance_id, count(*), max(id), success, timestamp FROM mcp_events "
            "WHERE id > ? GROUP BY +instance_id",
            (after_id,),
        ).fetchall()
    totals = con.execute(
        "SELECT instance_id, count(*), max(id) FROM mcp_events GROUP BY instance_id"
    ).fetchall()
    newest = "SELECT success, timestamp FROM mcp_events WHERE id = ?"
    return [(iid, n, top, *con.execute(newest, (top,)).fetchone()) for iid, n, top in totals]


def status_change_times(
    con: sqlite3.Connection, after_id: int = 0, gaps: Sequence[int] = ()
) -> list[tuple]:
    """(instance_id, newest status-change timestamp) over events past after_id: a rowid range
    scan when incremental, one pass over the table from scratch (as counting is). `gaps` is
    always empty here: ids become visible in order."""
    return con.execute(
        "SELECT instance_id, max(timestamp) FROM mcp_events "
        "WHERE id > ? AND status_change IS NOT NULL GROUP BY +instance_id",
        (after_id,),
    ).fetchall()


def activity_since(
    con: sqlite3.Connection, cursor: ActivityCursor | None
) -> tuple[list[tuple], ActivityCursor]:
    """`event_activity` past the cursor. SQLite commits one writer at a time, so ids become
    visible in order: the newest id read is the whole cursor."""
    after = cursor.high if cursor is not None else 0
    rows = event_activity(con, after)
    return rows, ActivityCursor(max([after, *(row[2] for row in rows)]))


def event_id_range(con: sqlite3.Connection) -> tuple[int, int]:
    """(min id, max id): both O(log n) on the rowid; they reveal pruning or a replaced file."""
    # Two subqueries: min() and max() together in one SELECT make SQLite scan the whole table.
    low, high = con.execute(
        "SELECT coalesce((SELECT min(id) FROM mcp_events), 0), "
        "coalesce((SELECT max(id) FROM mcp_events), 0)"
    ).fetchone()
    return int(low), int(high)


def max_event_id(con: sqlite3.Connection) -> int:
    return int(con.execute("SELECT coalesce(max(id), 0) FROM mcp_events").fetchone()[0])


def count_events_between(con: sqlite3.Connection, start: int, end: int | None = None) -> int:
    if end is None:
        return int(
            con.execute(
                "SELECT count(*) FROM mcp_events WHERE timestamp >= ?", (start,)
            ).fetchone()[0]
        )
    return int(
        con.execute(
            "SELECT count(*) FROM mcp_events WHERE timestamp >= ? AND timestamp < ?", (start, end)
        ).fetchone()[0]
    )


def event_histogram(
    con: sqlite3.Connection, instance_id: str, start: int, bucket_seconds: int
) -> list[tuple[int, int]]:
    """(bucket index, events) for one instance since `start`: the data behind a sparkline."""
    return con.execute(
        "SELECT (timestamp - ?) / ?, count(*) FROM mcp_events "
        "WHERE instance_id = ? AND timestamp >= ? GROUP BY 1",
        (start, bucket_seconds, instance_id, start),
    ).fetchall()


def count_events_of(con: sqlite3.Connection, instance_id: str) -> int:
    return int(
        con.execute(
            "SELECT count(*) FROM mcp_events WHERE instance_id = ?", (instance_id,)
        ).fetchone()[0]
    )


def delete_events_before(con: sqlite3.Connection, cutoff: int) -> int:
    return con.execute("DELETE FROM mcp_events WHERE timestamp < ?", (cutoff,)).rowcount


def instances_query(
    *,
    types: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    issue_number: int | None = None,
    parent_instance: str | None = None,
    order_by: str = "last_activity",
    descending: bool = True,
    limit: int | None = None,
    offset: int | None = None,
) -> tuple[str, list[Any]]:
    """list_instances' SELECT: every value a parameter; ties ordered by id so pages are stable.

    Empty `types`/`statuses` mean no filter. NULLs sort first ascending and last descending
    (SQLite's rule, as before). Columns in INSTANCE_COLUMNS order.
    """
    if order_by not in INSTANCE_ORDER_COLUMNS:  # the one name spliced into the SQL text
        raise ValueError(f"cannot order instances by {order_by!r}")
    where: list[str] = []
    params: list[Any] = []
    for column, values in (("type", types), ("status", statuses)):
        if values:
            values = list(values)
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if issue_number is not None:
        where.append("issue_number = ?")
        params.append(issue_number)
    if parent_instance is not None:
        where.append("parent_instance_id = ?")
        params.append(parent_instance)
    direction = "DESC" if descending else "ASC"
    sql = INSTANCE_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order_by} {direction}, id {direction}"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset or 0]
    return sql, params


def fetch_all(con: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """fetchall, reading text that is not valid UTF-8 (another writer's) with U+FFFD as Pony did."""
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "decode" not in str(exc).lower():
            raise
    factory = con.text_factory
    con.text_factory = _lenient_text
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.text_factory = factory


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf8", "replace")


ISSUE_COLUMNS_SQL = (
    "number, title, body, state, assignee, labels, created_at, updated_at, synced_at, "
    "repo_owner, repo_name"
)
UPSERT_ISSUE = (
    f"INSERT INTO github_issues ({ISSUE_COLUMNS_SQL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(number) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "state = excluded.state, assignee = excluded.assignee, labels = excluded.labels, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at, "
    "synced_at = excluded.synced_at, repo_owner = excluded.repo_owner, "
    "repo_name = excluded.repo_name"
)


def upsert_issues(con: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> None:
    con.executemany(UPSERT_ISSUE, rows)


# Many rows a statement: UPSERT_ISSUE's VALUES repeated. SQLite runs the rows of one INSERT in
# order, each with its own ON CONFLICT, so the result is executemany's (a number given twice: the
# later row wins), in two thirds of the time: 10,000 rows 15.7 against 23.5 ms of CPU (no
# step/reset and no trip through the sqlite3 module's Python loop a row). 90 rows x 11 = 990
# parameters, under the 999 of SQLite builds before 3.32; 45 rows took 16.0 ms, 180 15.7 ms.
ISSUE_ROWS_PER_STATEMENT = 90
_ISSUE_WIDTH = len(ISSUE_COLUMNS_SQL.split(","))
_ISSUE_ROW_MARKS = "(" + ", ".join("?" * _ISSUE_WIDTH) + ")"
_UPSERT_ISSUE_CONFLICT = UPSERT_ISSUE[UPSERT_ISSUE.index(" ON CONFLICT") :]


@functools.lru_cache(maxsize=ISSUE_ROWS_PER_STATEMENT)
def upsert_issues_sql(rows: int) -> str:
    """UPSERT_ISSUE for `rows` rows in one statement."""
    values = ", ".join([_ISSUE_ROW_MARKS] * rows)
    return (
        f"INSERT INTO github_issues ({ISSUE_COLUMNS_SQL}) VALUES {values}{_UPSERT_ISSUE_CONFLICT}"
    )


def upsert_issue_params(con: sqlite3.Connection, count: int, params: Sequence[Any]) -> None:
    """upsert_issues for `count` rows given flat: row i is params[i * 11 : i * 11 + 11]."""
    if len(params) != count * _ISSUE_WIDTH:
        raise ValueError(f"{len(params)} parameters for {count} rows of {_ISSUE_WIDTH}")
    execute_many_rows(con, upsert_issues_sql, params, count, _ISSUE_WIDTH, ISSUE_ROWS_PER_STATEMENT)


def issue_titles(con: sqlite3.Connection, numbers: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(numbers))
    titles: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        titles.update(
            con.execute(
                f"SELECT number, title FROM github_issues WHERE number IN ({marks})", chunk
            ).fetchall()
        )
    return titles


# --- change detection, maintenance ---------------------------------------------------------------


def data_version(con: sqlite3.Connection) -> int:
    """Changes after another connection's commit; never after this connection's own."""
    return int(con.execute("PRAGMA data_version").fetchone()[0])


def integrity_check(path: str, *, busy_timeout: int = 5000) -> str:
    con = sqlite3.connect(readonly_uri(path), uri=True, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
        rows = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    return "; ".join(str(row[0]) for row in rows)


def vacuum(con: sqlite3.Connection) -> None:
    con.execute("VACUUM")


def checkpoint(con: sqlite3.Connection, mode: str = "PASSIVE") -> tuple[int, int, int]:
    assert mode in ("PASSIVE", "FULL", "RESTART", "TRUNCATE")
    return tuple(con.execute(f"PRAGMA wal_checkpoint({mode})").fetchone())  # type: ignore[return-value]


ProgressCallback = Callable[[int, int], None]


def copy_database(
    source: str,
    target: str,
    *,
    busy_timeout: int,
    progress: ProgressCallback | None = None,
    chunk_pages: int = 4096,
    max_restarts: int = 3,
) -> None:
    """Online backup from a separate plain connection (Pony's own would hold BEGIN IMMEDIATE).

    Copies in chunks to report progress; another process's commit restarts a chunked copy, so after
    a few restarts it finishes in one step, which holds only a read snapshot (writers go on in WAL).
    """
    src = sqlite3.connect(readonly_uri(source), uri=True, isolation_level=None)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        src.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
        dst.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
        total = int(src.execute("PRAGMA page_count").fetchone()[0])
        if progress is None or total <= chunk_pages:
            src.backup(dst)
        else:
            state = {"remaining": total, "restarts": 0}

            class Restarted(Exception):
                pass

            def report(status: int, remaining: int, pages: int) -> None:
                if remaining > state["remaining"]:
                    state["restarts"] += 1
                    if state["restarts"] > max_restarts:
                        raise Restarted
                state["remaining"] = remaining
                progress(pages - remaining, pages)

            try:
                src.backup(dst, pages=chunk_pages, progress=report)
            except Restarted:
                src.backup(dst)
            progress(total, total)
        dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
        src.close()


def config_entry(con: sqlite3.Connection, key: str) -> tuple[str, bool] | None:
    """(value, encrypted) of a user_config key, or None."""
    row = con.execute("SELECT value, encrypted FROM user_config WHERE key = ?", (key,)).fetchone()
    return None if row is None else (row[0], bool(row[1]))
