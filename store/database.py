"""The spec's DatabaseInterface over Pony ORM, in Python names.

Writes run in one Pony `db_session(immediate=True)` each (BEGIN IMMEDIATE), so checks such as "the
instance exists" and the write they guard share one transaction: the schema has no foreign keys and
integrity is enforced here. The two hot paths (logging events, reading a timeline) use the stdlib
cursor on the same connection, with SQL kept in `store.dialects.sqlite`.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from migrations.runner import apply_migrations, discover, verify

from . import validation as v
from .config import DatabaseConfig
from .convert import (
    events_from_rows,
    instance_from_entity,
    instances_from_rows,
    issue_from_entity,
    relationship_from_entity,
)
from .dialects import sqlite as dialect
from .errors import DatabaseError, ErrorCode
from .records import (
    INSTANCE_STATUSES,
    BackupResult,
    EventActivity,
    GitHubIssueRecord,
    InstanceFilter,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
)
from .secrets import SecretBox
from .timeutil import Clock, from_epoch, now_epoch
from .transitions import TERMINAL_STATUSES, allowed_next, is_allowed

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

STATUS_TOOL_NAME = "update_instance_status"


class Database:
    """A connection to one claude-codex.db; see `initialize_database`."""

    def __init__(self, config: DatabaseConfig | None = None, *, secrets: SecretBox | None = None):
        self.config = config or DatabaseConfig()
        self.path = self.config.path
        self._connected = False
        self._pony: PonyDatabase | None = None
        self._entities: Any = None
        self._bind_lock = threading.Lock()
        self._secrets = secrets or SecretBox()
        self._readers = threading.local()
        self._reader_list: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._snapshot = False

    @property
    def clock(self) -> Clock:
        """The one clock of this store: default timestamps and maintenance compare against it."""
        return self.config.clock

    def _now_epoch(self) -> int:
        return now_epoch(self.config.clock)

    # --- connection management ------------------------------------------------------------------

    def connect(self) -> None:
        """Check the file and its schema now; Pony itself is bound on first use (_bind_pony):
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
        self._check_access()
        self._snapshot = cfg.read_only and dialect.snapshot_only(self.path)
        self._prepare_schema()
        self._connected = True

    def _bind_pony(self) -> tuple[PonyDatabase, Any]:
        with self._bind_lock:
            if self._pony is not None:
                return self._pony, self._entities
            from pony.orm import Database as PonyDatabase
            from pony.orm import set_sql_debug

            from .entities import define_entities

            cfg = self.config
            pony = PonyDatabase()
            entities = define_entities(pony)

            @pony.on_connect(provider="sqlite")
            def _pragmas(_db: Any, con: sqlite3.Connection) -> None:
                dialect.apply_pragmas(
                    con,
                    busy_timeout=cfg.busy_timeout,
                    enable_wal=cfg.enable_wal,
                    read_only=cfg.read_only,
                )

            try:
                pony.bind(provider=dialect.provider_for(cfg.read_only), filename=self.path)
                # The tables were checked at connect (dialect.check_tables): a table that went
                # away since shows as the failing query, as it would with Pony bound earlier.
                pony.generate_mapping(create_tables=False, check_tables=False)
            except Exception as exc:
                raise self._unusable(exc) from exc
            if cfg.log_queries:
                set_sql_debug(True, show_values=False)  # values may be secrets: never logged
            self._pony, self._entities = pony, entities
            return pony, entities

    def _unusable(self, exc: BaseException) -> DatabaseError:
        return DatabaseError(
            ErrorCode.INITIALIZATION_FAILED,
            f"{self.path} is not a claude-codex database this version can use: "
            f"{dialect.root_sqlite_error(exc)}",
        )

    def disconnect(self) -> None:
        with self._reader_lock:
            readers, self._reader_list = self._reader_list, []
        for con in readers:
            con.close()
        self._readers = threading.local()
        self._connected = False
        with self._bind_lock:
            if self._pony is not None:
                self._pony.disconnect()  # this thread's connection; others close with their threads
                self._pony = None
                self._entities = None

    def is_connected(self) -> bool:
        return self._connected

    def sync(self) -> None:
        """Embedded-replica sync: nothing to do for a local-only database."""
        self._check_connected()

    def __enter__(self) -> Database:
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
        cfg = self.config
        try:
            con = dialect.connect_plain(
                self.path,
                busy_timeout=cfg.busy_timeout,
                enable_wal=cfg.enable_wal,
                read_only=cfg.read_only,
            )
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if cfg.read_only or not cfg.auto_migrate:
                verify(con, discover())
            else:
                applied = apply_migrations(con)
                if applied:
                    log.info("applied migrations %s to %s", ", ".join(applied), self.path)
            try:
                dialect.check_tables(con, MAPPED_TABLES)
            except sqlite3.Error as exc:
                raise self._unusable(exc) from exc
        except DatabaseError as exc:
            if self.path in exc.message:
                raise
            raise DatabaseError(exc.code, f"{self.path}: {exc.message}", field=exc.field) from exc
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc
        finally:
            con.close()

    def _open_error(self, exc: BaseException) -> DatabaseError:
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

    # --- transactions -----------------------------------------------------------------------------

    def _write(self, code: ErrorCode, operation: Callable[[Any, sqlite3.Connection], T]) -> T:
        """Run `operation(entities, connection)` in one BEGIN IMMEDIATE transaction.

        SQLite's busy_timeout already waits for the write lock; what it returns as busy anyway
        (a lock met mid-checkpoint or recovery) is retried with jittered backoff until busy_timeout
        has passed, and only then reported.
        """
        pony, entities = self._require_connection()
        if self.config.read_only:
            raise DatabaseError(
                ErrorCode.READ_ONLY, f"{self.path} is open read-only: {code.name.lower()} refused"
            )
        return self._with_retry(code, lambda: self._in_session(pony, entities, operation, True))

    def _raw_write(self, code: ErrorCode, operation: Callable[[sqlite3.Connection], T]) -> T:
        """The hot write paths: BEGIN IMMEDIATE on this thread's Pony connection, without a
        db_session around it (its bookkeeping cost more than the insert itself)."""
        pony, _ = self._require_connection()
        if self.config.read_only:
            raise DatabaseError(
                ErrorCode.READ_ONLY, f"{self.path} is open read-only: {code.name.lower()} refused"
            )

        pool = pony.provider.pool  # per-thread: .con is this thread's connection (or None)

        def run() -> T:
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

        return self._with_retry(code, run)

    def _read(self, operation: Callable[[Any], T]) -> T:
        _pony, entities = self._require_connection()

        from pony.orm import db_session

        def run() -> T:
            with db_session(strict=True):
                return operation(entities)

        return self._with_retry(ErrorCode.QUERY_FAILED, run)

    @staticmethod
    def _in_session(pony: PonyDatabase, entities: Any, operation: Callable, immediate: bool) -> Any:
        from pony.orm import db_session

        with db_session(immediate=immediate, strict=True):
            return operation(entities, pony.get_connection())

    def _with_retry(self, code: ErrorCode, run: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.config.busy_timeout / 1000
        attempt = 0
        while True:
            try:
                return run()
            except DatabaseError:
                raise
            except Exception as exc:
                if dialect.is_locked(exc) and time.monotonic() < deadline:
                    attempt += 1
                    ceiling = min(0.005 * 2**attempt, self.config.retry_delay / 1000 or 0.005)
                    time.sleep(random.uniform(ceiling / 2, ceiling))
                    continue
                raise self._error(code, exc) from exc

    def _error(self, code: ErrorCode, exc: BaseException) -> DatabaseError:
        root = dialect.root_sqlite_error(exc)
        message = str(root) or type(root).__name__
        if "readonly" in message.lower() or "read-only" in message.lower():
            return DatabaseError(ErrorCode.READ_ONLY, f"{self.path} is read-only: {message}")
        if dialect.is_locked(exc):
            message += f" (still locked after busy_timeout={self.config.busy_timeout} ms)"
        return DatabaseError(code, f"{code.name.lower().replace('_', ' ')}: {message}")

    def _reader(self) -> sqlite3.Connection:
        """This thread's long-lived plain read connection (the hot read paths and data_version)."""
        con = getattr(self._readers, "con", None)
        if con is None:
            self._check_connected()
            cfg = self.config
            con = dialect.connect_plain(
                self.path, busy_timeout=cfg.busy_timeout, enable_wal=False, read_only=True
            )
            self._readers.con = con
            with self._reader_lock:
                self._reader_list.append(con)
        return con

    def _raw_read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        con = getattr(self._readers, "con", None) or self._reader()  # _reader checks connect()
        self._check_connected()  # a kept reader after disconnect() must not be used
        return self._with_retry(ErrorCode.QUERY_FAILED, lambda: query(con))

    # --- instances --------------------------------------------------------------------------------

    def create_instance(self, instance: InstanceRecord) -> str:
        row = v.instance_row(instance, now=self._now_epoch())

        def op(e: Any, con: sqlite3.Connection) -> str:
            if e.Instance.exists(id=row["id"]):
                raise DatabaseError(
                    ErrorCode.INSTANCE_EXISTS, f"instance {row['id']!r} already exists"
                )
            parent = row["parent_instance_id"]
            if parent is not None and not e.Instance.exists(id=parent):
                raise DatabaseError(
                    ErrorCode.PARENT_INSTANCE_NOT_FOUND,
                    f"parent_instance_id: instance {parent!r} does not exist",
                )
            if row["agent_number"] is None:
                row["agent_number"] = self._next_agent_number(e, row["issue_number"])
            e.Instance(**row)
            return row["id"]

        return self._write(ErrorCode.INSERT_FAILED, op)

    @staticmethod
    def _next_agent_number(e: Any, issue_number: int | None) -> int:
        """One more than the highest agent number working on the same issue."""
        from pony.orm import select

        if issue_number is None:
            numbers = select(i.agent_number for i in e.Instance if i.issue_number is None)
        else:
            numbers = select(i.agent_number for i in e.Instance if i.issue_number == issue_number)
        highest = numbers.max()
        return (highest or 0) + 1

    def update_instance(self, instance_id: str, updates: dict[str, Any]) -> None:
        instance_id = v.identifier("id", instance_id)
        row = v.instance_updates(updates)
        row.setdefault("last_activity", self._now_epoch())

        def op(e: Any, con: sqlite3.Connection) -> None:
            entity = self._instance_or_fail(e, instance_id)
            parent = row.get("parent_instance_id")
            if parent is not None:
                if parent == instance_id:
                    raise v.fail("parent_instance_id", "an instance cannot be its own parent")
                if not e.Instance.exists(id=parent):
                    raise DatabaseError(
                        ErrorCode.PARENT_INSTANCE_NOT_FOUND,
                        f"parent_instance_id: instance {parent!r} does not exist",
                    )
            entity.set(**row)

        self._write(ErrorCode.UPDATE_FAILED, op)

    def update_instance_status(self, instance_id: str, status: str) -> None:
        """Status, last_activity, terminated_at and the status_change event: one transaction."""
        instance_id = v.identifier("id", instance_id)
        v.one_of("status", status, INSTANCE_STATUSES)
        now = self._now_epoch()

        def op(e: Any, con: sqlite3.Connection) -> None:
            entity = self._instance_or_fail(e, instance_id)
            current = entity.status
            if not is_allowed(current, status):
                options = ", ".join(allowed_next(current)) or "none (it is final)"
                raise DatabaseError(
                    ErrorCode.INVALID_STATUS_TRANSITION,
                    f"instance {instance_id!r} cannot go from {current} to {status}; "
                    f"allowed from {current}: {options}",
                )
            entity.status = status
            entity.last_activity = now
            if status in TERMINAL_STATUSES and entity.terminated_at is None:
                entity.terminated_at = now
            e.MCPEvent(
                instance_id=instance_id,
                tool_name=STATUS_TOOL_NAME,
                success=True,
                metadata=v.json_text("metadata", {"from": current, "to": status}),
                status_change=status,
                is_status_updating=True,
                timestamp=now,
            )

        self._write(ErrorCode.UPDATE_FAILED, op)

    def get_instance(self, instance_id: str) -> InstanceRecord | None:
        instance_id = v.text("id", instance_id, required=True, limit=v.MAX_ID)

        def op(e: Any) -> InstanceRecord | None:
            entity = e.Instance.get(id=instance_id)
            return None if entity is None else instance_from_entity(entity)

        return self._read(op)

    def list_instances(self, flt: InstanceFilter | None = None) -> list[InstanceRecord]:
        """Plain SQL on this thread's read connection: Pony entities cost ~190 µs an instance."""
        flt = v.instance_filter(flt)
        sql, params = dialect.instances_query(
            types=flt.types,
            statuses=flt.statuses,
            issue_number=flt.issue_number,
            parent_instance=flt.parent_instance,
            order_by=flt.order_by,
            descending=flt.order_direction.upper() == "DESC",
            limit=flt.limit,
            offset=flt.offset,
        )
        rows = self._raw_read(lambda con: dialect.fetch_all(con, sql, params))
        return instances_from_rows(rows)

    def delete_instance(self, instance_id: str) -> None:
        """Removes the instance with its events and relationships: nothing is left dangling."""
        instance_id = v.identifier("id", instance_id)

        def op(e: Any, con: sqlite3.Connection) -> None:
            from pony.orm import select

            entity = self._instance_or_fail(e, instance_id)
            select(ev for ev in e.MCPEvent if ev.instance_id == instance_id).delete(bulk=True)
            select(
                r
                for r in e.Relationship
                if r.parent_instance == instance_id or r.child_instance == instance_id
            ).delete(bulk=True)
            for child in select(i for i in e.Instance if i.parent_instance_id == instance_id):
                child.parent_instance_id = None
            entity.delete()

        self._write(ErrorCode.DELETE_FAILED, op)

    @staticmethod
    def _instance_or_fail(e: Any, instance_id: str) -> Any:
        entity = e.Instance.get(id=instance_id)
        if entity is None:
            raise DatabaseError(
                ErrorCode.INSTANCE_NOT_FOUND, f"instance {instance_id!r} does not exist"
            )
        return entity

    # --- MCP events -------------------------------------------------------------------------------

    def log_mcp_event(self, event: MCPEventRecord) -> int:
        """Returns the new event's id."""
        row = v.event_rows((event,), now=self._now_epoch())[0]

        def op(con: sqlite3.Connection) -> int:
            event_id = dialect.insert_event_if_instance(con, row)  # check and insert: one statement
            if event_id is None:
                raise DatabaseError(
                    ErrorCode.INSTANCE_NOT_FOUND, f"instance_id: instance {row[0]!r} does not exist"
                )
            return event_id

        return self._raw_write(ErrorCode.LOG_FAILED, op)

    def log_mcp_events(self, events: Iterable[MCPEventRecord]) -> int:
        """Many events in one transaction: all are written, or none. Returns how many."""
        rows = v.event_rows(events, now=self._now_epoch())
        if not rows:
            return 0

        def op(con: sqlite3.Connection) -> int:
            wanted = {row[0] for row in rows}
            missing = wanted - dialect.existing_instances(con, wanted)
            if missing:
                names = ", ".join(sorted(missing)[:5])
                raise DatabaseError(
                    ErrorCode.INSTANCE_NOT_FOUND,
                    f"instance_id: {len(missing)} instance(s) do not exist ({names}); "
                    "no event was logged",
                )
            dialect.insert_event_rows(con, rows)  # many rows a statement: the same ids
            return len(rows)

        return self._raw_write(ErrorCode.LOG_FAILED, op)

    def get_mcp_events(
        self, instance_id: str, limit: int = 100, *, before_id: int | None = None
    ) -> list[MCPEventRecord]:
        """Newest first (ties by id); `before_id` pages further back from an event already shown.
        Any limit is served: rows are read a page at a time (the default of 100 is the guard)."""
        instance_id = v.text("instance_id", instance_id, required=True, limit=v.MAX_ID)
        limit = v.integer("limit", limit, required=True)
        before_id = v.integer("before_id", before_id)
        return self._raw_read(
            lambda con: events_from_rows(dialect.latest_events(con, instance_id, limit, before_id))
        )

    def get_recent_mcp_events(
        self, since: datetime, limit: int | None = None
    ) -> list[MCPEventRecord]:
        start = v.timestamp("since", since)
        if start is None:
            raise v.fail("since", "is required")
        limit = v.integer("limit", limit)
        return self._raw_read(lambda con: events_from_rows(dialect.events_since(con, start, limit)))

    # --- relationships ----------------------------------------------------------------------------

    def create_relationship(self, relationship: RelationshipRecord) -> int:
        row = v.relationship_row(relationship, now=self._now_epoch())

        def op(e: Any, con: sqlite3.Connection) -> int:
            self._check_pair(e, row["parent_instance"], row["child_instance"])
            self._check_unique_relationship(e, row)
            entity = e.Relationship(**row)
            entity.flush()
            return int(entity.id)

        return self._write(ErrorCode.INSERT_FAILED, op)

    @staticmethod
    def _check_pair(e: Any, parent: str, child: str) -> None:
        if not e.Instance.exists(id=parent):
            raise DatabaseError(
                ErrorCode.PARENT_INSTANCE_NOT_FOUND, f"parent instance {parent!r} does not exist"
            )
        if not e.Instance.exists(id=child):
            raise DatabaseError(
                ErrorCode.CHILD_INSTANCE_NOT_FOUND, f"child instance {child!r} does not exist"
            )

    @staticmethod
    def _check_unique_relationship(e: Any, row: dict[str, Any], own_id: int | None = None) -> None:
        existing = e.Relationship.get(
            parent_instance=row["parent_instance"],
            child_instance=row["child_instance"],
            relationship_type=row["relationship_type"],
        )
        if existing is not None and existing.id != own_id:
            raise DatabaseError(
                ErrorCode.RELATIONSHIP_EXISTS,
                f"{row['parent_instance']!r} -> {row['child_instance']!r} "
                f"({row['relationship_type']}) already exists as relationship {existing.id}",
            )

    def get_relationships(self, instance_id: str) -> list[RelationshipRecord]:
        """Both directions (as parent or as child), newest first."""
        instance_id = v.text("instance_id", instance_id, required=True, limit=v.MAX_ID)

        def op(e: Any) -> list[RelationshipRecord]:
            from pony.orm import desc, select

            query = select(
                r
                for r in e.Relationship
                if r.parent_instance == instance_id or r.child_instance == instance_id
            ).order_by(lambda r: (desc(r.created_at), desc(r.id)))
            return [relationship_from_entity(entity) for entity in query]

        return self._read(op)

    def update_relationship(self, relationship_id: int, updates: dict[str, Any]) -> None:
        relationship_id = v.integer("id", relationship_id, required=True)  # type: ignore[assignment]
        row = v.relationship_updates(updates)

        def op(e: Any, con: sqlite3.Connection) -> None:
            entity = e.Relationship.get(id=relationship_id)
            if entity is None:
                raise DatabaseError(
                    ErrorCode.RELATIONSHIP_NOT_FOUND,
                    f"relationship {relationship_id} does not exist",
                )
            merged = {
                "parent_instance": entity.parent_instance,
                "child_instance": entity.child_instance,
                "relationship_type": entity.relationship_type,
                **row,
            }
            if merged["parent_instance"] == merged["child_instance"]:
                raise v.fail("child_instance", "an instance cannot be its own child")
            if "parent_instance" in row or "child_instance" in row:
                self._check_pair(e, merged["parent_instance"], merged["child_instance"])
            self._check_unique_relationship(e, merged, own_id=entity.id)
            entity.set(**row)

        self._write(ErrorCode.UPDATE_FAILED, op)

    # --- GitHub issues ----------------------------------------------------------------------------

    def upsert_github_issue(self, issue: GitHubIssueRecord) -> None:
        self.sync_github_issues([issue])

    def sync_github_issues(self, issues: Sequence[GitHubIssueRecord]) -> int:
        """Upsert many issues in one transaction; all or none. Returns how many."""
        count, params = v.issue_params(issues, now=self._now_epoch())
        if not count:
            return 0

        def op(con: sqlite3.Connection) -> int:
            dialect.upsert_issue_params(con, count, params)
            return count

        return self._raw_write(ErrorCode.INSERT_FAILED, op)

    def get_github_issue(self, number: int) -> GitHubIssueRecord | None:
        number = v.integer("number", number, required=True)  # type: ignore[assignment]

        def op(e: Any) -> GitHubIssueRecord | None:
            entity = e.GitHubIssue.get(number=number)
            return None if entity is None else issue_from_entity(entity)

        return self._read(op)

    # --- configuration ----------------------------------------------------------------------------

    def get_config(self, key: str) -> str | None:
        """Plain SQL: the dashboard reads its last backup time here before Pony is bound."""
        key = v.config_key(key)
        found = self._raw_read(lambda con: dialect.config_entry(con, key))
        if found is None:
            return None
        value, encrypted = found
        return self._secrets.decrypt(value, key_name=key) if encrypted else value

    def is_config_encrypted(self, key: str) -> bool | None:
        """Whether a key holds a secret, without decrypting it (None when absent)."""
        key = v.config_key(key)
        found = self._raw_read(lambda con: dialect.config_entry(con, key))
        return None if found is None else found[1]

    def set_config(self, key: str, value: str, encrypted: bool = False) -> None:
        key = v.config_key(key)
        value = v.config_value(value)
        encrypted = bool(v.boolean("encrypted", encrypted))
        stored = self._secrets.encrypt(value) if encrypted else value
        now = self._now_epoch()

        def op(e: Any, con: sqlite3.Connection) -> None:
            entity = e.UserConfig.get(key=key)
            if entity is None:
                e.UserConfig(key=key, value=stored, encrypted=encrypted, updated_at=now)
            else:
                entity.set(value=stored, encrypted=encrypted, updated_at=now)

        self._write(ErrorCode.CONFIG_FAILED, op)

    def delete_config(self, key: str) -> None:
        key = v.config_key(key)

        def op(e: Any, con: sqlite3.Connection) -> None:
            entity = e.UserConfig.get(key=key)
            if entity is not None:
                entity.delete()

        self._write(ErrorCode.CONFIG_FAILED, op)

    # --- maintenance ------------------------------------------------------------------------------

    def vacuum(self) -> None:
        self._check_connected()
        if self.config.read_only:
            raise DatabaseError(ErrorCode.READ_ONLY, f"{self.path} is open read-only: no vacuum")

        def run() -> None:
            con = dialect.connect_plain(
                self.path, busy_timeout=self.config.busy_timeout, enable_wal=self.config.enable_wal
            )
            try:
                dialect.vacuum(con)
            finally:
                con.close()

        self._with_retry(ErrorCode.VACUUM_FAILED, run)

    def backup(
        self, path: str | os.PathLike[str], progress: dialect.ProgressCallback | None = None
    ) -> BackupResult:
        from .backup import make_backup  # keeps file handling out of this module

        self._check_connected()
        return make_backup(self.path, os.fspath(path), self.config.busy_timeout, progress)

    # --- dashboard reads (beyond the spec: cheap queries for a live view) ------------------------

    def data_version(self) -> int:
        """Changes whenever another connection commits; costs microseconds, call it freely."""
        return self._raw_read(dialect.data_version)

    def event_activity(self, after_id: int = 0) -> list[EventActivity]:
        """Per instance: events past `after_id`, and the newest one's id, success and time."""
        rows = self._raw_read(lambda con: dialect.event_activity(con, after_id))
        return [
            EventActivity(
                instance_id=iid,
                count=count,
                last_id=last_id,
                last_success=bool(success),
                last_timestamp=from_epoch(stamp),
            )
            for iid, count, last_id, success, stamp in rows
        ]

    def event_id_range(self) -> tuple[int, int]:
        return self._raw_read(dialect.event_id_range)

    def max_event_id(self) -> int:
        return self._raw_read(dialect.max_event_id)

    def count_events_since(self, since: datetime) -> int:
        start = v.timestamp("since", since)
        return self._raw_read(lambda con: dialect.count_events_between(con, start or 0))

    def count_events(self, instance_id: str) -> int:
        return self._raw_read(lambda con: dialect.count_events_of(con, instance_id))

    def event_histogram(
        self, instance_id: str, since: datetime, bucket_seconds: int, buckets: int
    ) -> list[int]:
        start = v.timestamp("since", since) or 0
        rows = self._raw_read(
            lambda con: dialect.event_histogram(con, instance_id, start, bucket_seconds)
        )
        counts = [0] * buckets
        for index, count in rows:
            if 0 <= index <= buckets:  # the current second falls just past the last bucket
                counts[min(index, buckets - 1)] += count
        return counts

    def github_issue_titles(self, numbers: Iterable[int]) -> dict[int, str]:
        wanted = [n for n in numbers if isinstance(n, int)]
        if not wanted:
            return {}
        return self._raw_read(lambda con: dialect.issue_titles(con, wanted))

    def prune_events(self, older_than: datetime) -> int:
        """Delete events older than a cutoff (the spec's log retention); returns how many."""
        cutoff = v.timestamp("older_than", older_than) or 0
        return self._raw_write(
            ErrorCode.DELETE_FAILED, lambda con: dialect.delete_events_before(con, cutoff)
        )

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int, int]:
        self._check_connected()
        if self.config.read_only:  # a checkpoint writes the database file
            raise DatabaseError(
                ErrorCode.READ_ONLY, f"{self.path} is open read-only: no checkpoint"
            )
        con = dialect.connect_plain(
            self.path, busy_timeout=self.config.busy_timeout, enable_wal=self.config.enable_wal
        )
        try:
            return dialect.checkpoint(con, mode)
        finally:
            con.close()

    def file_sizes(self) -> tuple[int, int]:
        """Bytes of the database file and of its -wal (0 when absent)."""
        return _size(self.path), _size(self.path + "-wal")


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def initialize_database(config: DatabaseConfig | None = None) -> Database:
    """Open (creating and migrating when allowed) the database and return it connected."""
    db = Database(config or DatabaseConfig.from_env())
    db.connect()
    return db
