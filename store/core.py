"""The store's core: connecting, the schema check, transactions, retries and error reporting, over
one dialect module (store/dialects/<engine>.py) that holds everything engine-specific.

Writes run in one Pony `db_session(immediate=True)` each (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
transaction whose checks lock the rows they rely on), so checks such as "the instance exists" and
the write they guard share one transaction: the schema has no foreign keys and integrity is
enforced here. The hot paths (logging events, reading a timeline) use the driver's cursor on the
same connection, with their SQL in the dialect.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from . import dialects
from .config import DatabaseConfig, url_password
from .dialects import CommitUncertain
from .errors import DatabaseError, ErrorCode
from .migrate import apply_migrations, discover, verify
from .records import GitHubIssueRecord, InstanceRecord, MCPEventRecord, RelationshipRecord
from .secrets import SecretBox
from .timeutil import Clock, now_epoch

log = logging.getLogger("codex_dash.store")
T = TypeVar("T")
PonyDatabase = Any  # pony.orm.Database: imported on first use (0.2-0.3 s), see _bind_pony

# The columns the entities (store/entities.py) map: the records' fields are the column names.
MAPPED_TABLES: dict[str, tuple[str, ...]] = {
    "instances": tuple(f.name for f in fields(InstanceRecord)),
    "mcp_events": tuple(f.name for f in fields(MCPEventRecord)),
    "instance_relationships": tuple(f.name for f in fields(RelationshipRecord)),
    "github_issues": tuple(f.name for f in fields(GitHubIssueRecord)),
    "user_config": ("key", "value", "encrypted", "updated_at"),
}


class StoreCore:
    """Connection management and transactions; the operations are mixed in by `Database`."""

    def __init__(self, config: DatabaseConfig | None = None, *, secrets: SecretBox | None = None):
        self.config = config or DatabaseConfig()
        self.path = self.config.path  # for a server: its URL without the password
        self.dialect = dialects.for_engine(self.config.engine)
        self._connected = False
        self._pony: PonyDatabase | None = None
        self._entities: Any = None
        self._bind_lock = threading.Lock()
        self._secrets = secrets or SecretBox()
        self._readers = threading.local()
        self._reader_list: list[Any] = []
        self._reader_lock = threading.Lock()
        self._snapshot = False
        self._standby = False

    @property
    def engine(self) -> str:
        return self.config.engine

    @property
    def clock(self) -> Clock:
        """The one clock of this store: default timestamps and maintenance compare against it."""
        return self.config.clock

    def _now_epoch(self) -> int:
        return now_epoch(self.config.clock)

    # --- connection management ------------------------------------------------------------------

    def connect(self) -> None:
        """Check the database and its schema now; Pony itself is bound on first use (_bind_pony):
        importing it costs 0.2-0.3 s, and a reader that only takes the plain-SQL paths (the
        dashboard's first screen) never waits for it."""
        if self._connected:
            return
        cfg = self.config
        if cfg.enable_cloud_sync:
            raise DatabaseError(
                ErrorCode.TURSO_CONNECTION_FAILED,
                f"cloud sync to {cfg.sync_url} was requested, but codex-dash has no libSQL sync "
                "backend: it works on the local file only. Set ENABLE_CLOUD_SYNC=false.",
            )
        if self.engine == "sqlite":
            self._check_access()
            self._snapshot = cfg.read_only and self.dialect.snapshot_only(self.path)
        self._prepare_schema()
        self._connected = True

    def _bind_pony(self) -> tuple[PonyDatabase, Any]:
        with self._bind_lock:
            if self._pony is not None:
                return self._pony, self._entities
            from pony.orm import Database as PonyDatabase
            from pony.orm import set_sql_debug

            from .entities import define_entities

            pony = PonyDatabase()
            entities = define_entities(pony)
            try:
                self.dialect.bind_pony(pony, self.config)
                # The tables were checked at connect (dialect.check_tables): a table that went
                # away since shows as the failing query, as it would with Pony bound earlier.
                pony.generate_mapping(create_tables=False, check_tables=False)
            except Exception as exc:
                raise self._unusable(exc) from exc
            if self.config.log_queries:
                set_sql_debug(True, show_values=False)  # values may be secrets: never logged
            self._pony, self._entities = pony, entities
            return pony, entities

    def _unusable(self, exc: BaseException) -> DatabaseError:
        return DatabaseError(
            ErrorCode.INITIALIZATION_FAILED,
            f"{self.path} is not a claude-codex database this version can use: "
            f"{self._safe(self.dialect.root_error(exc))}",
        )

    def _safe(self, text: object) -> str:
        """A driver's message with the server password (if any) removed."""
        message = str(text)
        password = url_password(self.config.server_url) if self.config.server_url else None
        if password:
            message = message.replace(password, "***")
        if self.config.server_url:
            message = message.replace(self.config.server_url, self.path)
        return message

    def disconnect(self) -> None:
        with self._reader_lock:
            readers, self._reader_list = self._reader_list, []
        for con in readers:
            with contextlib.suppress(Exception):  # a connection the server already dropped
                con.close()
        self._readers = threading.local()
        self._connected = False
        with self._bind_lock:
            if self._pony is not None:
                with contextlib.suppress(Exception):  # this thread's; others close with threads
                    self._pony.disconnect()
                self._pony = None
                self._entities = None

    def is_connected(self) -> bool:
        return self._connected

    def sync(self) -> None:
        """Embedded-replica sync: nothing to do for a local file or a server."""
        self._check_connected()

    def __enter__(self) -> Any:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    @property
    def read_only(self) -> bool:
        return self.config.read_only

    @property
    def is_snapshot(self) -> bool:
        """Read-only, and the folder too: a frozen view until a writer opens the file (then
        reconnect to follow it live; see dialects.sqlite.snapshot_only)."""
        return self.config.read_only and self._snapshot

    @property
    def is_standby(self) -> bool:
        """A PostgreSQL hot standby (checked at connect): read-only, no LISTEN; follow
        `data_version()` (pg_last_wal_replay_lsn there) to stay live."""
        return self._standby

    def _check_access(self) -> None:
        path, folder = self.path, os.path.dirname(self.path)
        if not os.path.isdir(folder):
            raise DatabaseError(
                ErrorCode.INITIALIZATION_FAILED, f"the folder of {path} does not exist"
            )
        if os.path.isdir(path):
            raise DatabaseError(
                ErrorCode.INITIALIZATION_FAILED, f"{path} is a folder, not a database file"
            )
        exists = os.path.exists(path)
        if self.config.read_only:
            if not exists:
                raise DatabaseError(
                    ErrorCode.INITIALIZATION_FAILED,
                    f"{path} does not exist (read-only mode never creates a database)",
                )
            if not os.access(path, os.R_OK):
                raise DatabaseError(
                    ErrorCode.FILE_PERMISSION_DENIED, f"{path} is not readable by this user"
                )
            return
        if not exists and not self.config.create:
            raise DatabaseError(
                ErrorCode.INITIALIZATION_FAILED,
                f"{path} does not exist (this opens existing databases only; it creates none)",
            )
        if exists and not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseError(
                ErrorCode.FILE_PERMISSION_DENIED,
                f"{path} is not readable and writable by this user (use read-only mode to watch it)",
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise DatabaseError(
                ErrorCode.FILE_PERMISSION_DENIED,
                f"the folder {folder} is not writable: SQLite creates {os.path.basename(path)}"
                "-wal and -shm beside the database (use read-only mode to watch it)",
            )

    def _prepare_schema(self) -> None:
        cfg, dialect = self.config, self.dialect
        try:
            con = dialect.open_plain(cfg, read_only=cfg.read_only)
        except dialect.DRIVER_ERROR as exc:
            raise self._open_error(exc) from exc
        try:
            self._standby = dialect.is_standby(con)
            migrations = discover(engine=dialect.NAME)
            if cfg.read_only or not cfg.auto_migrate or self._standby:
                verify(con, migrations, dialect)
            else:
                applied = apply_migrations(con, dialect, migrations, clock=cfg.clock)
                if applied:
                    log.info("applied migrations %s to %s", ", ".join(applied), self.path)
            try:
                dialect.check_tables(con, MAPPED_TABLES)
            except dialect.DRIVER_ERROR as exc:
                raise self._unusable(exc) from exc
        except DatabaseError as exc:
            if self.path in exc.message:
                raise
            raise DatabaseError(exc.code, f"{self.path}: {exc.message}", field=exc.field) from exc
        except dialect.DRIVER_ERROR as exc:
            raise self._open_error(exc) from exc
        finally:
            con.close()

    def _open_error(self, exc: BaseException) -> DatabaseError:
        dialect = self.dialect
        if self.engine != "sqlite":
            return DatabaseError(
                ErrorCode.INITIALIZATION_FAILED,
                f"cannot open {self.path}: {self._safe(dialect.root_error(exc)).strip()}",
            )
        if dialect.is_readonly_directory(exc):
            return DatabaseError(
                ErrorCode.FILE_PERMISSION_DENIED,
                f"cannot read {self.path}: it is in WAL mode, its folder is not writable by this "
                f"user and {os.path.basename(self.path)}-shm does not exist, so SQLite cannot "
                "open it (SQLITE_READONLY_DIRECTORY). It can be read while a writer has it open, "
                "or once its owner switches it to PRAGMA journal_mode=DELETE.",
            )
        if dialect.is_not_a_database(exc):
            return DatabaseError(
                ErrorCode.INITIALIZATION_FAILED,
                f"{self.path} is not a SQLite database or is corrupted ({exc})",
            )
        if dialect.is_cannot_open(exc):
            return DatabaseError(
                ErrorCode.FILE_PERMISSION_DENIED, f"cannot open {self.path}: {exc}"
            )
        return DatabaseError(ErrorCode.INITIALIZATION_FAILED, f"cannot open {self.path}: {exc}")

    def _check_connected(self) -> None:
        if not self._connected:
            raise DatabaseError(
                ErrorCode.NOT_CONNECTED, f"{self.path} is not connected: call connect() first"
            )

    def _require_connection(self) -> tuple[PonyDatabase, Any]:
        """Pony and the entities, bound on first use."""
        self._check_connected()
        if self._pony is None:
            return self._bind_pony()
        return self._pony, self._entities

    def _refuse_read_only(self, code: ErrorCode) -> None:
        if self.config.read_only:
            raise DatabaseError(
                ErrorCode.READ_ONLY, f"{self.path} is open read-only: {code.name.lower()} refused"
            )

    # --- transactions -----------------------------------------------------------------------------

    def _write(
        self,
        code: ErrorCode,
        operation: Callable[[Any, Any], T],
        *,
        conflict: Callable[[], DatabaseError] | None = None,
    ) -> T:
        """Run `operation(entities, connection)` in one write transaction.

        `conflict` names the error a unique-key violation means here (a racing writer on a
        server inserted the same key first). Busy, serialization failures and deadlocks are
        retried with jittered backoff until busy_timeout has passed, and only then reported.
        """
        pony, entities = self._require_connection()
        self._refuse_read_only(code)
        return self._with_retry(
            code,
            lambda: self._answered(lambda: self._in_session(pony, entities, operation)),
            conflict=conflict,
        )

    def _raw_write(self, code: ErrorCode, operation: Callable[[Any], T]) -> T:
        """The hot write paths: one transaction on this thread's Pony connection, without a
        db_session around it (its bookkeeping cost more than the insert itself)."""
        pony, _ = self._require_connection()
        self._refuse_read_only(code)
        return self._with_retry(
            code, lambda: self._answered(lambda: self.dialect.run_raw_write(pony, operation))
        )

    def _answered(self, attempt: Callable[[], T]) -> T:
        """One write attempt that a server gone silent (its TCP stack still up, so no TCP
        timeout fires) cannot hold past busy_timeout: the dialect cuts the connection and the
        attempt fails as a lost connection (a cut COMMIT is settled by asking the server)."""
        with self.dialect.answer_within(self.config.busy_timeout / 1000):
            return attempt()

    def _read(self, operation: Callable[[Any], T]) -> T:
        _pony, entities = self._require_connection()

        from pony.orm import db_session

        def run() -> T:
            with db_session(strict=True):
                return operation(entities)

        return self._with_retry(ErrorCode.QUERY_FAILED, run)

    def _in_session(self, pony: PonyDatabase, entities: Any, operation: Callable) -> Any:
        from pony.orm import db_session

        done: dict[str, Any] = {}
        try:
            with db_session(immediate=True, strict=True):
                con = pony.get_connection()
                done["txid"] = self.dialect.session_started(con)
                done["result"] = operation(entities, con)
            return done["result"]
        except Exception as exc:
            lost = self.dialect.is_connection_lost(exc)
            if lost and "result" in done and done["txid"] is not None:
                raise CommitUncertain(done["txid"], done["result"]) from exc
            raise

    def _with_retry(
        self,
        code: ErrorCode,
        run: Callable[[], T],
        *,
        conflict: Callable[[], DatabaseError] | None = None,
    ) -> T:
        deadline = time.monotonic() + self.config.busy_timeout / 1000
        attempt = 0
        while True:
            try:
                return run()
            except DatabaseError:
                raise
            except CommitUncertain as uncertain:
                status = self._commit_status(uncertain.txid, deadline)
                if status == "committed":
                    return uncertain.result  # written once; never again
                if status == "aborted" and time.monotonic() < deadline:
                    attempt += 1
                    self._back_off(attempt)
                    continue
                raise self._lost(code, uncertain, status) from uncertain
            except Exception as exc:
                dialect = self.dialect
                if conflict is not None and dialect.is_unique_violation(exc):
                    raise conflict() from exc
                if dialect.is_retryable(exc) and time.monotonic() < deadline:
                    attempt += 1
                    self._back_off(attempt)
                    continue
                raise self._error(code, exc) from exc

    def _back_off(self, attempt: int) -> None:
        ceiling = min(0.005 * 2**attempt, self.config.retry_delay / 1000 or 0.005)
        time.sleep(random.uniform(ceiling / 2, ceiling))

    def _commit_status(self, txid: int, deadline: float) -> str | None:
        """Ask a new connection whether a transaction whose COMMIT got no answer committed;
        'in progress' (the server has not seen the connection drop yet) is asked again."""
        while True:
            try:
                status = self.dialect.commit_status(self.config, txid)
            except self.dialect.DRIVER_ERROR:
                status = None
            if status not in (None, "in progress") or time.monotonic() >= deadline:
                return status
            time.sleep(0.05)

    def _lost(self, code: ErrorCode, exc: CommitUncertain, status: str | None) -> DatabaseError:
        known = "" if status is None else f" (the server says: {status})"
        return DatabaseError(
            code,
            f"{code.name.lower().replace('_', ' ')}: the connection to {self.path} was lost while "
            f"committing, and whether the write was saved is not known{known} within "
            f"busy_timeout={self.config.busy_timeout} ms; it was not retried, so it is not "
            "written twice",
        )

    def _error(self, code: ErrorCode, exc: BaseException) -> DatabaseError:
        dialect = self.dialect
        root = dialect.root_error(exc)
        message = self._safe(str(root).strip() or type(root).__name__)
        if dialect.is_read_only_error(exc):
            return DatabaseError(ErrorCode.READ_ONLY, f"{self.path} is read-only: {message}")
        if dialect.is_locked(exc):
            message += f" (still locked after busy_timeout={self.config.busy_timeout} ms)"
        if dialect.is_connection_lost(exc):
            message = f"the connection to {self.path} failed: {message}"
        return DatabaseError(code, f"{code.name.lower().replace('_', ' ')}: {message}")

    # --- plain read connections -------------------------------------------------------------------

    def _reader(self) -> Any:
        """This thread's long-lived plain read connection (the hot read paths and data_version)."""
        con = getattr(self._readers, "con", None)
        if con is None:
            self._check_connected()
            try:
                con = self.dialect.open_plain(self.config, read_only=True)
            except self.dialect.DRIVER_ERROR as exc:
                raise self._error(ErrorCode.QUERY_FAILED, exc) from exc
            self._readers.con = con
            with self._reader_lock:
                self._reader_list.append(con)
        return con

    def _raw_read(self, query: Callable[[Any], T]) -> T:
        con = getattr(self._readers, "con", None) or self._reader()  # _reader checks connect()
        self._check_connected()  # a kept reader after disconnect() must not be used
        try:
            return self._with_retry(ErrorCode.QUERY_FAILED, lambda: query(con))
        except DatabaseError:
            if self.dialect.is_connection_lost_on(con):
                self._drop_reader(con)  # the next read reconnects
            raise

    def _drop_reader(self, con: Any) -> None:
        self._readers.con = None
        with self._reader_lock:
            if con in self._reader_list:
                self._reader_list.remove(con)
        with contextlib.suppress(Exception):
            con.close()
