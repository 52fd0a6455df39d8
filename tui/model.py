"""The dashboard's view of the database, built on the database thread and handed over as values.

Loading is incremental where it is cheap to be: event counts grow from the newest event id already
seen, so a commit of one event costs a rowid range scan, not a count over a million rows.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from store import (
    Database,
    DatabaseError,
    ErrorCode,
    InstanceFilter,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
)
from store.maintenance import LAST_BACKUP_KEY, last_backup_time
from store.records import ActivityCursor
from store.timeutil import Clock

FIRST_PAGE = 60  # events of an instance first shown: a screenful or two, quick on a busy one


# What a reload re-reads, and how often (see docs/performance.md, Dashboard):
FULL_LIST_SECONDS = 10.0  # list every instance at least this often while the file changes
PROBE_ROWS = 8  # instances read per probe (most recently active, newest created)
PROBE_SLACK = timedelta(seconds=2)  # commits land out of timestamp order between writers
COUNTS_SECONDS = 2.0  # header counts (events per minute and hour) at most this often
BACKUP_SECONDS = 30.0  # the last backup's time (user_config and the backups folder)


@dataclass(frozen=True, slots=True)
class InstanceRow:
    record: InstanceRecord
    event_count: int = 0
    last_event_at: datetime | None = None
    last_event_failed: bool = False
    issue_title: str | None = None
    status_since: datetime | None = None  # its newest status-change event ("time in status")

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def last_seen(self) -> datetime | None:
        """The later of the instance's last_activity and its newest event."""
        moments = [m for m in (self.record.last_activity, self.last_event_at) if m is not None]
        return max(moments) if moments else None

    @property
    def failing(self) -> bool:
        return self.last_event_failed and self.record.status not in (
            "terminated",
            "pr_merged",
            "pr_closed",
        )


@dataclass(frozen=True, slots=True)
class Overview:
    rows: dict[str, InstanceRow]
    status_counts: dict[str, int]
    events_last_minute: int
    events_last_hour: int
    db_bytes: int
    wal_bytes: int
    last_backup: datetime | None
    loaded_at: datetime
    counting: bool = False  # event counts not read yet (shown as …): the next load has them


@dataclass(frozen=True, slots=True)
class InstanceDetail:
    instance_id: str
    record: InstanceRecord | None
    events: list[MCPEventRecord]
    relationships: list[RelationshipRecord]
    related: dict[str, InstanceRecord] = field(default_factory=dict)
    activity: list[int] = field(default_factory=list)  # events per minute, oldest first
    event_count: int = 0


@dataclass(slots=True)
class _Activity:
    count: int = 0
    last_id: int = 0
    last_success: bool = True
    last_at: datetime | None = None


def file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file now at `path`, None when there is none."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


class OverviewLoader:
    """Lives on the database thread; remembers what it has counted so far."""

    def __init__(self, db: Database, clock: Clock, backup_dir: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.backup_dir = backup_dir
        self._version: int | None = None
        self._activity: dict[str, _Activity] = {}
        self._id_range = (0, 0)
        self._cursor: ActivityCursor | None = None  # where counting new events stopped
        self._titles: dict[int, str] = {}
        self._file = file_identity(db.path)
        self._records: dict[str, InstanceRecord] | None = None
        self._listed_at = 0.0
        self._watermarks: dict[str, datetime] = {}
        self._rows: dict[str, InstanceRow] = {}
        self._status_since: dict[str, datetime] = {}
        self._touched: set[str] | None = None  # instances with new events in this load; None: all
        self._counting_deferred = False
        self._counts: tuple[float, int, int] = (-1e9, 0, 0)  # (monotonic, minute, hour)
        self._backup: tuple[float, datetime | None] = (-1e9, None)
        self._backup_recorded: str | None = None  # user_config's last-backup value last seen

    def check_file(self) -> None:
        """A long-lived connection keeps reading a deleted or replaced file's old inode without
        noticing. Compare the path's inode with the one opened: missing is an error (never create
        an empty database in its place); a different file is reopened, and counted from scratch.
        A server has no file to replace: its lost connections are the store's to make again."""
        if self.db.config.server_url is not None:
            return
        current = file_identity(self.db.path)
        if current is None:
            raise DatabaseError(
                ErrorCode.NOT_CONNECTED,
                f"{self.db.path} is missing (deleted or moved); waiting for it to come back",
            )
        writer_arrived = self.db.is_snapshot and os.path.exists(self.db.path + "-shm")
        if current == self._file and self.db.is_connected() and not writer_arrived:
            return
        self.db.disconnect()
        self.db.connect()  # raises, and is retried on the next load, if the new file is unusable
        self._file = current
        self._version = None
        self._activity = {}
        self._id_range = (0, 0)
        self._titles = {}
        self._records = None

    def changed(self) -> bool:
        version = self.db.data_version()
        if version != self._version:
            self._version = version
            return True
        return False

    def load(self, *, force: bool = False) -> Overview | None:
        """None when nothing was committed since the last load (and it was not forced)."""
        self.check_file()
        if not self.changed() and not force:
            return None
        now = self.clock()
        counting = not self._counting_deferred
        if counting:  # first load: the instances at once; counting 1M events takes a second
            self._counting_deferred = True
            events_changed = False
        else:
            events_changed = self._update_activity()
        records = self._instances(force, events_changed)
        numbers = {r.issue_number for r in records if r.issue_number is not None}
        missing = numbers - self._titles.keys()
        if missing or force:
            self._titles.update(self.db.github_issue_titles(numbers if force else missing))
        rows: dict[str, InstanceRow] = {}
        previous = self._rows
        # Rows whose record and events did not change are handed over as the same object
        # (cheap here, and the table skips them by identity).
        touched = None if (missing or force) else self._touched
        for record in records:
            old = previous.get(record.id)
            if (
                touched is not None
                and old is not None
                and old.record is record
                and record.id not in touched
            ):
                rows[record.id] = old
                continue
            activity = self._activity.get(record.id)
            row = InstanceRow(
                record=record,
                event_count=activity.count if activity else (-1 if counting else 0),
                last_event_at=activity.last_at if activity else None,
                last_event_failed=bool(activity and not activity.last_success),
                issue_title=self._titles.get(record.issue_number)
                if record.issue_number is not None
                else None,
                status_since=self._status_since.get(record.id),
            )
            rows[record.id] = old if old is not None and old == row else row
        self._rows = rows
        self._notice_recorded_backup()
        overview = self._overview(rows, records, now, force)
        return replace(overview, counting=True) if counting else overview

    def _notice_recorded_backup(self) -> None:
        """A backup taken elsewhere (`codex-dash backup`, cron) shows at its commit, not up to
        BACKUP_SECONDS later: one primary-key read of the recorded time per load."""
        try:
            recorded = self.db.get_config(LAST_BACKUP_KEY)
        except DatabaseError:
            return
        if recorded != self._backup_recorded:
            self._backup_recorded = recorded
            self._backup = (-1e9, self._backup[1])

    def tick(self) -> Overview | None:
        """The last overview with the clock moved on (relative times and per-minute counts age
        without commits): no instance or event is re-read."""
        if self._records is None:
            return None
        return self._overview(self._rows, list(self._records.values()), self.clock(), False)

    def _overview(
        self,
        rows: dict[str, InstanceRow],
        records: list[InstanceRecord],
        now: datetime,
        force: bool,
    ) -> Overview:
        db_bytes, wal_bytes = self.db.file_sizes()
        mark = time.monotonic()
        if force or mark - self._counts[0] >= COUNTS_SECONDS:
            self._counts = (
                mark,
                self.db.count_events_since(now - timedelta(minutes=1)),
                self.db.count_events_since(now - timedelta(hours=1)),
            )
        if force or mark - self._backup[0] >= BACKUP_SECONDS:
            self._backup = (mark, last_backup_time(self.db, self.backup_dir, now=now))
        return Overview(
            rows=rows,
            status_counts=dict(Counter(r.status for r in records)),
            events_last_minute=self._counts[1],
            events_last_hour=self._counts[2],
            db_bytes=db_bytes,
            wal_bytes=wal_bytes,
            last_backup=self._backup[1],
            loaded_at=now,
        )

    def _instances(self, force: bool, events_changed: bool) -> list[InstanceRecord]:
        """Every instance, re-read in full only when needed: list_instances reads all of them.

        A commit that logged events but changed no instance (the common case: agents at work) is
        told apart by two small probes, the most recently active and the newest created instances
        (the store stamps last_activity on every instance write and created_at on creation). A
        commit that logged no event and that the probes do not explain (a relationship, a
        deletion, hand-set timestamps) gets a full list, and so does any change after
        FULL_LIST_SECONDS, which catches writers that stamp nothing.
        """
        mark = time.monotonic()
        if force or self._records is None or mark - self._listed_at >= FULL_LIST_SECONDS:
            return self._list_all(mark)
        found: dict[str, InstanceRecord] = {}
        for order in ("last_activity", "created_at"):
            probe = self.db.list_instances(
                InstanceFilter(order_by=order, order_direction="DESC", limit=PROBE_ROWS)
            )
            since = self._watermarks.get(order)
            fresh = [r for r in probe if since is None or getattr(r, order) >= since - PROBE_SLACK]
            if len(fresh) == PROBE_ROWS:  # more changed than a probe holds
                return self._list_all(mark)
            found.update((r.id, r) for r in fresh if self._records.get(r.id) != r)
        if not found:
            if not events_changed:  # something the probes cannot see changed
                return self._list_all(mark)
            return list(self._records.values())
        records = dict(self._records)
        records.update(found)
        self._remember(records)
        return list(records.values())

    def _list_all(self, mark: float) -> list[InstanceRecord]:
        records = self.db.list_instances(InstanceFilter(order_by="created_at"))
        self._listed_at = mark
        self._remember({r.id: r for r in records})
        return records

    def _remember(self, records: dict[str, InstanceRecord]) -> None:
        self._records = records
        for order in ("last_activity", "created_at"):
            stamps = [getattr(r, order) for r in records.values() if getattr(r, order)]
            if stamps:
                self._watermarks[order] = max(stamps)

    def _update_activity(self) -> bool:
        """Count new events; True when events were added (and none removed) since the last load.

        The id range is two seeks; new events come through the store's activity cursor, on the
        file one range scan grouped in a small temp b-tree, whatever the table's size, and on a
        server also the ids a concurrent writer had not committed yet at the last look."""
        low, high = self.db.event_id_range()
        old_low, old_high = self._id_range
        from_scratch = high < old_high or low > old_low or not self._activity
        if from_scratch:
            self._activity = {}
            self._cursor = None
        self._touched = None if from_scratch else set()
        added = False
        cursor = self._cursor
        if cursor is None or high > cursor.high or cursor.gaps:
            items, self._cursor = self.db.event_activity_since(cursor)
            added = bool(items)
            for item in items:
                current = self._activity.setdefault(item.instance_id, _Activity())
                current.count += item.count
                if self._touched is not None:
                    self._touched.add(item.instance_id)
                if item.last_id >= current.last_id:
                    current.last_id = item.last_id
                    current.last_success = item.last_success
                    current.last_at = item.last_timestamp
        if added or from_scratch:
            # Status changes among the same new events: past the cursor the read started from,
            # its gaps included (on a server, ids that committed late below its high).
            changes = self.db.status_change_times(cursor)
            if from_scratch:
                self._status_since = changes
            else:
                self._status_since.update(changes)
        # Commits between the two reads are counted: the next load starts past them.
        assert self._cursor is not None
        self._id_range = (low, max(high, self._cursor.high))
        return added and not from_scratch  # only added: a removal lists everything

    def detail(self, instance_id: str, *, limit: int = FIRST_PAGE) -> InstanceDetail:
        """The instance, its newest events, and its family: its parent's other children too,
        so a coding instance and all its review rounds show together."""
        record = self.db.get_instance(instance_id)
        relationships = self.db.get_relationships(instance_id)
        parents = [r.parent_instance for r in relationships if r.child_instance == instance_id]
        if record is not None and record.parent_instance_id:
            parents.append(record.parent_instance_id)
        family = {r.id: r for r in relationships}
        for parent in dict.fromkeys(parents):
            family.update({r.id: r for r in self.db.get_relationships(parent)})
        ids = {r.parent_instance for r in family.values()} | {
            r.child_instance for r in family.values()
        }
        ids.update(parents)
        ids.discard(instance_id)
        related = {}
        for other in sorted(ids):
            found = self.db.get_instance(other)
            if found is not None:
                related[other] = found
        if record is not None:
            related[instance_id] = record
        now = self.clock()
        activity = self.db.event_histogram(instance_id, now - timedelta(minutes=60), 60, 60)
        counted = self._activity.get(instance_id)
        return InstanceDetail(
            instance_id=instance_id,
            record=record,
            events=self.db.get_mcp_events(instance_id, limit),
            relationships=sorted(family.values(), key=lambda r: (r.created_at, r.id or 0)),
            related=related,
            activity=activity,
            event_count=counted.count if counted else self.db.count_events(instance_id),
        )


def first_overview(
    db: Database, clock: Clock, backup_dir: str | None
) -> tuple[OverviewLoader, Overview | None]:
    """A loader and its first, forced load. `codex-dash` runs this on the database thread before
    it imports Textual (tui/cli.py), so the first frame already shows the instances."""
    loader = OverviewLoader(db, clock, backup_dir)
    return loader, loader.load(force=True)
