"""Everything specific to PostgreSQL (through psycopg2, which Pony requires): connection settings,
the hot-path SQL, row locks, retryable errors, commit-status checks, change tokens.

The same names as `store.dialects.sqlite`, so the store core never asks which engine it talks to.
Timestamps are BIGINT epoch seconds (see migrations/postgres/0001), booleans BOOLEAN, JSON as JSON
(exact text; why not JSONB: see that migration), read back as text (parsed once, in store/convert.py, as on SQLite).
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

import psycopg2
import psycopg2.errorcodes
import psycopg2.extensions
import psycopg2.extras

from ..records import ActivityCursor
from . import CommitUncertain
from .columns import INSTANCE_ORDER_COLUMNS, INSTANCE_SELECT
from .driver_errors import root_of

NAME = "postgres"
PROVIDER = "postgres"
DRIVER_ERROR = psycopg2.Error
Connection = psycopg2.extensions.connection
CHANNEL = "codex_dash_changes"  # migrations/postgres/0003: one NOTIFY per committing transaction
# Two processes migrating at once wait for each other on this (pg_advisory_xact_lock).
MIGRATION_LOCK_KEY = zlib.crc32(b"codex-dash migrations")

# JSON comes back as its text, as from SQLite: store/convert.py parses it (Pony does the same).
psycopg2.extras.register_default_json(loads=lambda text: text, globally=True)
psycopg2.extras.register_default_jsonb(loads=lambda text: text, globally=True)

RETRYABLE = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock_timeout
UNIQUE_VIOLATION = "23505"
READ_ONLY_TRANSACTION = "25006"
CONNECTION_CLASSES = ("08", "57")  # connection exceptions; admin/crash shutdown


# --- connections ---------------------------------------------------------------------------------


def connect_kwargs(config: Any, *, read_only: bool) -> dict[str, Any]:
    """libpq settings: a dead server or network fails a call within busy_timeout, never hangs.

    lock_timeout is busy_timeout (SQLite's "wait this long for a lock"); the TCP timeouts notice a
    silent network; statement_timeout bounds a runaway query (maintenance lifts it). A read-only
    store's sessions are read-only at the server: a write is impossible, not just avoided.
    """
    busy = int(config.busy_timeout)
    options = [
        f"-c lock_timeout={max(busy, 1)}",
        f"-c statement_timeout={max(busy * 12, 60_000)}",
    ]
    if read_only:
        options.append("-c default_transaction_read_only=on")
    return {
        "dsn": config.server_url,
        "connect_timeout": max(2, math.ceil(busy / 1000)),
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": max(busy, 1000),
        "options": " ".join(options),
        "application_name": "codex-dash",
    }


def open_plain(config: Any, *, read_only: bool) -> Connection:
    """An autocommit connection for migrations, the read paths and change checks."""
    con = psycopg2.connect(**connect_kwargs(config, read_only=read_only))
    con.autocommit = True
    return con


def bind_pony(pony: Any, config: Any) -> None:
    pony.bind(provider=PROVIDER, **connect_kwargs(config, read_only=config.read_only))


_txn = threading.local()  # the running raw write's transaction id, when a statement returned it


def run_raw_write(pony: Any, operation: Callable[[Connection], Any]) -> Any:
    """`operation(connection)` in one transaction on this thread's Pony connection.

    The connection is in autocommit mode and the transaction is opened by the operation's first
    statement ("BEGIN; INSERT ..." in one round trip on the hot path; `_begin` elsewhere), so a
    logged event costs two round trips (statement, COMMIT) where psycopg2's own BEGIN costs three.
    The transaction id is known before COMMIT: if the connection dies while committing, the
    caller asks the server whether it committed (`commit_status`) instead of writing twice.
    """
    pool = pony.provider.pool
    con = pool.con
    if con is None or pool.pid != os.getpid() or con.closed:
        if con is not None and con.closed:
            pool.drop(con)
        con, is_new = pony.provider.connect()
        if is_new:
            pony.call_on_connect(con)
    _watch_connection(con)
    if con.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        con.rollback()  # whatever Pony left open
    if not con.autocommit:
        con.autocommit = True
    _txn.txid = None
    _txn.pending = True
    try:
        result = operation(con)
        if _txn.pending:  # the operation wrote nothing
            return result
        txid = _txn.txid
        if txid is None:
            txid = session_started(con)
    except BaseException:
        _txn.pending = False
        _rollback(pool, con)
        raise
    try:
        with con.cursor() as cur:
            cur.execute("COMMIT")
    except psycopg2.Error as exc:
        _rollback(pool, con)
        if is_connection_lost(exc):
            raise CommitUncertain(txid, result) from exc
        raise
    return result


# --- a server that stops answering --------------------------------------------------------------


class ServerSilent(psycopg2.OperationalError):
    """The server sent no answer within the call's limit and the connection was cut. When the
    server hangs with its TCP stack up, the kernel keeps acknowledging bytes, so neither
    tcp_user_timeout nor keepalives ever fire: only the client's own clock notices."""


class _Watch:
    """One write attempt's limit: a context manager (a class: cheaper than a generator on the
    hot path, ~1 us) registered with the watchdog while it runs."""

    __slots__ = ("con", "cut", "deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None
        self.con: Connection | None = None
        self.cut = False

    def __enter__(self) -> _Watch:
        self.deadline = time.monotonic() + self.seconds + 0.25
        _watching.current = self
        _watchdog.add(self)
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        _watchdog.remove(self)
        _watching.current = None
        if exc is not None and self.cut and not isinstance(exc, CommitUncertain):
            raise ServerSilent(
                f"no answer from the server within busy_timeout={round(self.seconds * 1000)} ms; "
                "the connection was closed"
            ) from exc


class _Watchdog:
    """One thread per process: shuts down the socket of a write whose deadline passed, so the
    blocked libpq call returns at once with a lost connection instead of waiting forever.
    Registering is a set insert (atomic under the GIL) and wakes nobody: the thread sleeps until
    the earliest deadline, or IDLE_WAKE seconds when there is none."""

    IDLE_WAKE = 0.5

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[_Watch] = set()
        self._pid = 0  # the process the thread runs in (none yet, or forked away)
        self._wake_at = 0.0

    def add(self, watch: _Watch) -> None:
        self._watches.add(watch)
        if self._pid != os.getpid() or (watch.deadline or 0) < self._wake_at:
            with self._cond:
                if self._pid != os.getpid():
                    self._pid = os.getpid()
                    thread = threading.Thread(target=self._run, name="codex-dash-watchdog")
                    thread.daemon = True
                    thread.start()
                self._cond.notify()

    def remove(self, watch: _Watch) -> None:
        self._watches.discard(watch)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                pending = []
                for watch in list(self._watches):
                    deadline = watch.deadline
                    if watch.cut or deadline is None:
                        continue
                    if deadline <= now and watch.con is not None:
                        watch.cut = True
                        _cut(watch.con)
                    else:
                        pending.append(deadline)
                self._wake_at = min(pending, default=now + self.IDLE_WAKE)
                self._cond.wait(max(0.001, self._wake_at - now))


_watchdog = _Watchdog()
_watching = threading.local()


def answer_within(seconds: float) -> _Watch:
    """A write attempt on this thread gets its answers within `seconds` (plus a grace that lets
    the server's own lock_timeout answer first), or its connection is cut and it fails with
    ServerSilent: a lost connection, reported clearly, never a hang. A COMMIT cut this way is
    still settled by `commit_status`, like any COMMIT whose answer was lost."""
    return _Watch(seconds)


def _watch_connection(con: Connection) -> None:
    watch = getattr(_watching, "current", None)
    if watch is not None:
        watch.con = con


def allow_long_statement() -> None:
    """This write attempt may legitimately outlast busy_timeout (a prune or an instance's events:
    millions of rows): the watchdog leaves it alone, the server's statement_timeout bounds it."""
    watch = getattr(_watching, "current", None)
    if watch is not None:
        watch.deadline = None


def _cut(con: Connection) -> None:
    with contextlib.suppress(OSError, psycopg2.Error):
        sock = socket.socket(fileno=os.dup(con.fileno()))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()


def _begin(cur: Any, sql: str = "") -> str:
    """The SQL to run first in a raw write: prefixed with BEGIN while none was sent yet."""
    if getattr(_txn, "pending", False):
        _txn.pending = False
        return "BEGIN; " + sql if sql else "BEGIN"
    return sql


def _open(cur: Any) -> None:
    sql = _begin(cur)
    if sql:
        cur.execute(sql)


def _rollback(pool: Any, con: Connection) -> None:
    if con.closed:
        pool.drop(con)
        return
    try:
        if con.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            with con.cursor() as cur:
                cur.execute("ROLLBACK")
    except psycopg2.Error:
        pool.drop(con)


def route_clock(con: Connection, now_epoch: Callable[[], int]) -> None:
    """Nothing to route: PostgreSQL's migrations insert no rows of their own (no drizzle table
    on a server), the runner inserts applied_at from the clock, and the store writes every
    timestamp column explicitly; the schema's now() defaults only serve other writers."""


def session_started(con: Connection) -> int:
    """This transaction's id (assigned now), for `commit_status` after a lost answer."""
    _watch_connection(con)
    with con.cursor() as cur:
        cur.execute("SELECT txid_current()")
        return int(cur.fetchone()[0])


def commit_status(config: Any, txid: int) -> str | None:
    """'committed', 'aborted' or 'in progress' (from a new connection); None when unknown."""
    con = open_plain(config, read_only=True)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT txid_status(%s)", (txid,))
            row = cur.fetchone()
            return None if row is None else row[0]
    finally:
        con.close()


def lock_rows_sql() -> str:
    return " FOR UPDATE"


def table_exists(con: Connection, name: str) -> bool:
    return bool(fetch_rows(con, "SELECT to_regclass(%s) IS NOT NULL", (name,))[0][0])


def fetch_rows(con: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with con.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def execute(con: Connection, sql: str, params: Sequence[Any] = ()) -> int:
    with con.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def check_tables(con: Connection, tables: Mapping[str, Sequence[str]]) -> None:
    for table, columns in tables.items():
        fetch_rows(con, f"SELECT {', '.join(columns)} FROM {table} WHERE false")


# --- migrations ----------------------------------------------------------------------------------

CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS codex_dash_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, checksum TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL DEFAULT (extract(epoch FROM now())::bigint))"
)


@contextlib.contextmanager
def migration_lock(con: Connection) -> Iterator[None]:
    """One migration's transaction; concurrent starters queue on an advisory lock."""
    with _transaction(con):
        execute(con, "SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        yield


@contextlib.contextmanager
def _transaction(con: Connection) -> Iterator[None]:
    """BEGIN ... COMMIT on an autocommit connection; ROLLBACK on any error (if it still can)."""
    execute(con, "BEGIN")
    try:
        yield
        execute(con, "COMMIT")
    except BaseException:
        if not con.closed:
            execute(con, "ROLLBACK")
        raise


def run_script(con: Connection, sql: str) -> None:
    """A whole migration file in one call (inside migration_lock's transaction)."""
    execute(con, sql)


# --- errors --------------------------------------------------------------------------------------


def root_error(exc: BaseException) -> BaseException:
    return root_of(exc, psycopg2.Error)


def _code(exc: BaseException) -> str:
    return getattr(root_error(exc), "pgcode", None) or ""


def is_retryable(exc: BaseException) -> bool:
    """Serialization failure, deadlock or a lock wait past lock_timeout: the server rolled the
    transaction back, so running it again cannot write anything twice."""
    return _code(exc) in RETRYABLE


def is_locked(exc: BaseException) -> bool:
    return _code(exc) in RETRYABLE


def is_unique_violation(exc: BaseException) -> bool:
    return _code(exc) == UNIQUE_VIOLATION


def is_read_only_error(exc: BaseException) -> bool:
    return _code(exc) == READ_ONLY_TRANSACTION


def is_connection_lost(exc: BaseException) -> bool:
    root = root_error(exc)
    if isinstance(root, psycopg2.InterfaceError):
        return True
    if isinstance(root, psycopg2.OperationalError):
        code = getattr(root, "pgcode", None)
        return code is None or code.startswith(CONNECTION_CLASSES)
    return False


def is_disk_full(exc: BaseException) -> bool:
    return _code(exc) == "53100"


# --- hot-path SQL (a psycopg2 cursor on Pony's connection) ---------------------------------------

EVENT_COLUMNS_SQL = (
    "instance_id, tool_name, success, error_message, metadata, git_commit_hash, "
    "status_change, is_status_updating, timestamp"
)
_EVENT_WIDTH = 9
# success and is_status_updating arrive as 0/1 (validation's row format, shared with SQLite).
_EVENT_ROW_MARKS = "(%s, %s, %s::int::boolean, %s, %s, %s, %s, %s::int::boolean, %s)"
EVENT_SELECT = (
    "SELECT id, instance_id, tool_name, success, error_message, metadata::text, "
    "git_commit_hash, status_change, is_status_updating, timestamp FROM mcp_events"
)
# Check and insert in one statement; FOR KEY SHARE holds the instance against a concurrent delete
# until this transaction ends (a delete_instance that got there first makes this insert nothing).
INSERT_EVENT_IF_INSTANCE = (
    f"INSERT INTO mcp_events ({EVENT_COLUMNS_SQL}) "
    "SELECT %s, %s, %s::int::boolean, %s, %s::json, %s, %s, %s::int::boolean, %s "
    "WHERE EXISTS (SELECT 1 FROM instances WHERE id = %s FOR KEY SHARE) "
    "RETURNING id, txid_current()"
)


def insert_event_if_instance(con: Connection, row: Sequence[Any]) -> int | None:
    with con.cursor() as cur:
        cur.execute(_begin(cur, INSERT_EVENT_IF_INSTANCE), (*row, row[0]))
        found = cur.fetchone()
    if found is None:
        return None
    _txn.txid = int(found[1])
    return int(found[0])


def existing_instances(con: Connection, ids: Iterable[str]) -> set[str]:
    """The ids that exist, each held FOR KEY SHARE until the transaction ends."""
    wanted = sorted(set(ids))
    with con.cursor() as cur:
        _open(cur)
        cur.execute(
            "SELECT id FROM instances WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", (wanted,)
        )
        return {row[0] for row in cur.fetchall()}


EVENT_ROWS_PER_STATEMENT = 1000


@functools.lru_cache(maxsize=8)
def _insert_events_sql(rows: int) -> str:
    return f"INSERT INTO mcp_events ({EVENT_COLUMNS_SQL}) VALUES " + ", ".join(
        [_EVENT_ROW_MARKS] * rows
    )


COPY_EVENTS = f"COPY mcp_events ({EVENT_COLUMNS_SQL}) FROM STDIN"
COPY_FROM_ROWS = 50  # fewer rows: multi-row INSERTs (COPY's own round trip costs more there)


def insert_event_rows(con: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Many rows through COPY (text format, one round trip; ids in the batch's order, as COPY
    takes identity values row by row); a few through multi-row INSERTs."""
    if rows and set(map(len, rows)) != {_EVENT_WIDTH}:
        raise ValueError(f"every event row must have {_EVENT_WIDTH} values")
    with con.cursor() as cur:
        _open(cur)
        if len(rows) >= COPY_FROM_ROWS:
            text = "".join(["\t".join(map(_copy_field, row)) + "\n" for row in rows])
            cur.copy_expert(COPY_EVENTS, io.StringIO(text))
            return
        for start in range(0, len(rows), EVENT_ROWS_PER_STATEMENT):
            chunk = rows[start : start + EVENT_ROWS_PER_STATEMENT]
            cur.execute(_insert_events_sql(len(chunk)), list(chain.from_iterable(chunk)))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    """One value in COPY's text format (0/1 are valid boolean input there)."""
    if value is None:
        return "\\N"
    if type(value) is str:
        return value.translate(_COPY_ESCAPES)
    return str(int(value)) if isinstance(value, bool) else str(value)


READ_PAGE = 2_000  # rows a statement for the reads that take any limit: memory stays flat


def _newest_first(
    con: Connection, where: str, params: tuple, limit: int | None, before_id: int | None
) -> Iterator[tuple]:
    """Events newest first (ties by id), READ_PAGE rows a statement, each page continuing below
    the last row of the one before (keyset): psycopg2's client cursor holds a whole result, so
    a large limit is read as many small results instead of one big one."""
    left = limit
    below, args = "", params
    if before_id is not None:
        below = " AND (timestamp, id) < (SELECT timestamp, id FROM mcp_events WHERE id = %s)"
        args = (*params, before_id)
    while left is None or left > 0:
        page = READ_PAGE if left is None else min(left, READ_PAGE)
        rows = fetch_rows(
            con,
            f"{EVENT_SELECT} WHERE {where}{below} ORDER BY timestamp DESC, id DESC LIMIT %s",
            (*args, page),
        )
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1]  # the next page continues below it, even if it is deleted meanwhile
        below, args = " AND (timestamp, id) < (%s, %s)", (*params, last[-1], last[0])
        if left is not None:
            left -= len(rows)


def latest_events(
    con: Connection, instance_id: str, limit: int, before_id: int | None = None
) -> Iterator[tuple]:
    return _newest_first(con, "instance_id = %s", (instance_id,), limit, before_id)


def events_since(con: Connection, since: int, limit: int | None) -> Iterator[tuple]:
    return _newest_first(con, "timestamp >= %s", (since,), limit, None)


def event_activity(con: Connection, after_id: int = 0) -> list[tuple]:
    """(instance_id, events, newest id, newest success, newest timestamp) for events past after_id."""
    return fetch_rows(
        con,
        "SELECT t.instance_id, t.n, t.top, e.success, e.timestamp FROM ("
        "SELECT instance_id, count(*) AS n, max(id) AS top FROM mcp_events WHERE id > %s "
        "GROUP BY instance_id) t JOIN mcp_events e ON e.id = t.top",
        (after_id,),
    )


def status_change_times(
    con: Connection, after_id: int = 0, gaps: Sequence[int] = ()
) -> list[tuple]:
    """(instance_id, newest status-change timestamp) over events past after_id, and over the
    activity cursor's gaps: ids that may have committed late, below it."""
    return fetch_rows(
        con,
        "SELECT instance_id, max(timestamp) FROM mcp_events "
        "WHERE (id > %s OR id = ANY(%s)) AND status_change IS NOT NULL GROUP BY instance_id",
        (after_id, list(gaps)),
    )


GAP_WINDOW = 2_000  # ids below the newest looked over for gaps when counting from scratch
_SNAPSHOT = (
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
)


def activity_since(
    con: Connection, cursor: ActivityCursor | None
) -> tuple[list[tuple], ActivityCursor]:
    """`event_activity` past the cursor, each event counted once although concurrent writers
    commit ids out of order: an id missing below the newest one read may belong to a transaction
    still running. Such gaps are read again at every call until the oldest running transaction
    is past the horizon noted with them (all that could hold them have ended); then once more,
    and dropped. Each call reads in one REPEATABLE READ snapshot, so its counts and gaps agree."""
    with con.cursor() as cur:
        cur.execute(_SNAPSHOT)
        oldest_running, horizon = cur.fetchone()
        try:
            if cursor is None:
                rows = event_activity(con, 0)
                high = max((row[2] for row in rows), default=0)
                cur.execute(
                    "SELECT id FROM mcp_events WHERE id > %s AND id <= %s",
                    (high - GAP_WINDOW, high),
                )
                present = {row[0] for row in cur.fetchall()}
                lowest = max(high - GAP_WINDOW, 0) + 1
                gaps = tuple((g, horizon) for g in range(lowest, high) if g not in present)
                return rows, ActivityCursor(high, gaps)
            waiting = {gap: seen for gap, seen in cursor.gaps}
            cur.execute(
                "SELECT id, instance_id, success, timestamp FROM mcp_events "
                "WHERE id > %s OR id = ANY(%s) ORDER BY id",
                (cursor.high, list(waiting)),
            )
            events = cur.fetchall()
        finally:
            cur.execute("COMMIT")
    found = {event[0] for event in events}
    high = max([cursor.high, *found])
    kept = [(gap, seen) for gap, seen in cursor.gaps if gap not in found and oldest_running < seen]
    kept += [(g, horizon) for g in range(cursor.high + 1, high) if g not in found]
    return _per_instance(events), ActivityCursor(high, tuple(kept))


def _per_instance(events: list[tuple]) -> list[tuple]:
    """(id, instance, success, timestamp) rows, in id order, as `event_activity` rows."""
    counts: dict[str, list[Any]] = {}
    for event_id, instance_id, success, stamp in events:
        entry = counts.get(instance_id)
        if entry is None:
            counts[instance_id] = [instance_id, 1, event_id, success, stamp]
        else:
            entry[1] += 1
            entry[2:] = [event_id, success, stamp]
    return [tuple(entry) for entry in counts.values()]


def event_id_range(con: Connection) -> tuple[int, int]:
    low, high = fetch_rows(
        con,
        "SELECT coalesce((SELECT min(id) FROM mcp_events), 0), "
        "coalesce((SELECT max(id) FROM mcp_events), 0)",
    )[0]
    return int(low), int(high)


def max_event_id(con: Connection) -> int:
    return int(fetch_rows(con, "SELECT coalesce(max(id), 0) FROM mcp_events")[0][0])


def count_events_between(con: Connection, start: int, end: int | None = None) -> int:
    if end is None:
        sql, params = "SELECT count(*) FROM mcp_events WHERE timestamp >= %s", (start,)
    else:
        sql = "SELECT count(*) FROM mcp_events WHERE timestamp >= %s AND timestamp < %s"
        params = (start, end)  # type: ignore[assignment]
    return int(fetch_rows(con, sql, params)[0][0])


def event_histogram(
    con: Connection, instance_id: str, start: int, bucket_seconds: int
) -> list[tuple[int, int]]:
    return fetch_rows(
        con,
        "SELECT (timestamp - %s) / %s, count(*) FROM mcp_events "
        "WHERE instance_id = %s AND timestamp >= %s GROUP BY 1",
        (start, bucket_seconds, instance_id, start),
    )


def count_events_of(con: Connection, instance_id: str) -> int:
    return int(
        fetch_rows(con, "SELECT count(*) FROM mcp_events WHERE instance_id = %s", (instance_id,))[
            0
        ][0]
    )


def delete_events_before(con: Connection, cutoff: int) -> int:
    with con.cursor() as cur:
        _open(cur)
        cur.execute("DELETE FROM mcp_events WHERE timestamp < %s", (cutoff,))
        return cur.rowcount


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
    """As on SQLite: NULLs first ascending and last descending, ties by id in byte order."""
    if order_by not in INSTANCE_ORDER_COLUMNS:
        raise ValueError(f"cannot order instances by {order_by!r}")
    where: list[str] = []
    params: list[Any] = []
    for column, values in (("type", types), ("status", statuses)):
        if values:
            where.append(f"{column} = ANY(%s)")
            params.append(list(values))
    if issue_number is not None:
        where.append("issue_number = %s")
        params.append(issue_number)
    if parent_instance is not None:
        where.append("parent_instance_id = %s")
        params.append(parent_instance)
    direction = "DESC NULLS LAST" if descending else "ASC NULLS FIRST"
    sql = INSTANCE_SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    id_order = 'id COLLATE "C" ' + ("DESC" if descending else "ASC")
    sql += f" ORDER BY {order_by} {direction}, {id_order}"
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    if offset:
        sql += " OFFSET %s"
        params.append(offset)
    return sql, params


def fetch_all(con: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return fetch_rows(con, sql, params)


ISSUE_COLUMNS_SQL = (
    "number, title, body, state, assignee, labels, created_at, updated_at, synced_at, "
    "repo_owner, repo_name"
)
_ISSUE_WIDTH = 11
_ISSUE_ROW_MARKS = "(%s, %s, %s, %s, %s, %s::json, %s, %s, %s, %s, %s)"
_UPSERT_ISSUE_CONFLICT = (
    " ON CONFLICT (number) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "state = excluded.state, assignee = excluded.assignee, labels = excluded.labels, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at, "
    "synced_at = excluded.synced_at, repo_owner = excluded.repo_owner, "
    "repo_name = excluded.repo_name"
)


def upsert_issue_params(con: Connection, count: int, params: Sequence[Any]) -> None:
    """One upsert a row, in order (a number given twice: the later row wins, as on SQLite; one
    multi-row ON CONFLICT statement would refuse a number twice)."""
    if len(params) != count * _ISSUE_WIDTH:
        raise ValueError(f"{len(params)} parameters for {count} rows of {_ISSUE_WIDTH}")
    sql = f"INSERT INTO github_issues ({ISSUE_COLUMNS_SQL}) VALUES {_ISSUE_ROW_MARKS}"
    rows = [params[i : i + _ISSUE_WIDTH] for i in range(0, len(params), _ISSUE_WIDTH)]
    with con.cursor() as cur:
        _open(cur)
        psycopg2.extras.execute_batch(cur, sql + _UPSERT_ISSUE_CONFLICT, rows, page_size=200)


def issue_titles(con: Connection, numbers: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(numbers))
    return dict(
        fetch_rows(con, "SELECT number, title FROM github_issues WHERE number = ANY(%s)", (wanted,))
    )


def config_entry(con: Connection, key: str) -> tuple[str, bool] | None:
    rows = fetch_rows(con, "SELECT value, encrypted FROM user_config WHERE key = %s", (key,))
    return None if not rows else (rows[0][0], bool(rows[0][1]))


# --- change detection, maintenance ---------------------------------------------------------------


def is_standby(con: Connection) -> bool:
    """A hot standby (streaming replica): read-only, no LISTEN; follow change_token instead."""
    return bool(fetch_rows(con, "SELECT pg_is_in_recovery()")[0][0])


def change_token(con: Connection) -> int:
    """Moves whenever something may have changed (one round trip, no table read).

    A primary: the WAL insert position (any commit moves it; so may unrelated activity such as
    vacuum, which only costs a spare reload). A standby: the last replayed WAL position, which
    moves with every replayed commit. A dashboard LISTENs on CHANNEL instead where it can.
    """
    rows = fetch_rows(
        con,
        "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
        "ELSE pg_current_wal_insert_lsn() END - '0/0'::pg_lsn",
    )
    return int(rows[0][0] or 0)


def data_version(con: Connection) -> int:
    return change_token(con)


BACKUP_BY_FILE_COPY = False  # a backup is a snapshot written into a SQLite file (store/transfer)


def is_connection_lost_on(con: Connection) -> bool:
    return bool(con.closed)


def checkpoint_store(config: Any, mode: str = "PASSIVE") -> tuple[int, int, int]:
    """No WAL file to fold back: the server checkpoints by itself."""
    return (0, 0, 0)


def storage_sizes(config: Any, reader: Callable[[], Connection]) -> tuple[int, int]:
    return int(fetch_rows(reader(), "SELECT pg_database_size(current_database())")[0][0]), 0


def vacuum(con: Connection) -> None:
    execute(con, "SET statement_timeout = 0")
    execute(con, "VACUUM (ANALYZE)")


@contextlib.contextmanager
def snapshot(con: Connection) -> Iterator[None]:
    """One consistent view of every table (REPEATABLE READ, read-only) for backups and copies."""
    execute(con, "SET statement_timeout = 0")
    con.autocommit = False  # psycopg2's server-side cursors need its own transaction handling
    con.set_session(isolation_level="REPEATABLE READ", readonly=True)
    try:
        yield
    finally:
        if not con.closed:
            con.rollback()
            con.autocommit = True


def bulk_load(con: Connection) -> contextlib.AbstractContextManager[None]:
    """A copy's writes in one transaction: all of it or none, however long it takes."""
    execute(con, "SET statement_timeout = 0")
    return _transaction(con)


def read_table(
    con: Connection, table: str, columns: Sequence[str], key: str, chunk: int
) -> Iterator[list[tuple]]:
    """Every row in key order, `chunk` rows at a time, through a server-side cursor."""
    selected = [f"{c}::text" if c in JSON_COLUMNS.get(table, ()) else c for c in columns]
    with con.cursor(name=f"codex_dash_read_{table}") as cur:
        cur.itersize = chunk
        cur.execute(f"SELECT {', '.join(selected)} FROM {table} ORDER BY {key}")
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                return
            yield rows


JSON_COLUMNS = {
    "mcp_events": ("metadata",),
    "instance_relationships": ("metadata",),
    "github_issues": ("labels",),
}
BOOL_COLUMNS = {
    "mcp_events": ("success", "is_status_updating"),
    "user_config": ("encrypted",),
}
IDENTITY_TABLES = ("mcp_events", "instance_relationships")


def write_rows(con: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Rows from any engine (0/1 booleans and JSON text are cast here), in one statement per page."""

    def mark(column: str) -> str:
        if column in BOOL_COLUMNS.get(table, ()):
            return "%s::int::boolean"
        if column in JSON_COLUMNS.get(table, ()):
            return "%s::json"
        return "%s"

    template = "(" + ", ".join(mark(c) for c in columns) + ")"
    fixed = [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows]
    with con.cursor() as cur:
        psycopg2.extras.execute_values(
            cur,
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s",
            fixed,
            template=template,
            page_size=1000,
        )


def after_bulk_load(con: Connection) -> None:
    """Identity sequences continue after the highest copied id."""
    for table in IDENTITY_TABLES:
        execute(
            con,
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)",
        )


def clear_tables(con: Connection, tables: Sequence[str]) -> None:
    execute(con, f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
