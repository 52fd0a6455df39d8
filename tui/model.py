"""The dashboard's view of the database, built on the database thread and handed over as values.

Loading is incremental where it is cheap to be: event counts grow from the newest event id already
seen, so a commit of one event costs a rowid range scan, not a count over a million rows.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
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
from store.maintenance import last_backup_time

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class InstanceRow:
    record: InstanceRecord
    event_count: int = 0
    last_event_at: datetime | None = None
    last_event_failed: bool = False
    issue_title: str | None = None

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
        self._titles: dict[int, str] = {}
        self._file = file_identity(db.path)

    def check_file(self) -> None:
        """A long-lived connection keeps reading a deleted or replaced file's old inode without
        noticing. Compare the path's inode with the one opened: missing is an error (never create
        an empty database in its place); a different file is reopened, and counted from scratch."""
        current = file_identity(self.db.path)
        if current is None:
            raise DatabaseError(
                ErrorCode.NOT_CONNECTED,
                f"{self.db.path} is missing (deleted or moved); waiting for it to come back",
            )
        if current == self._file and self.db.is_connected():
            return
        self.db.disconnect()
        self.db.connect()  # raises, and is retried on the next load, if the new file is unusable
        self._file = current
        self._version = None
        self._activity = {}
        self._id_range = (0, 0)
        self._titles = {}

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
        records = self.db.list_instances(InstanceFilter(order_by="created_at"))
        self._update_activity()
        numbers = {r.issue_number for r in records if r.issue_number is not None}
        missing = numbers - self._titles.keys()
        if missing or force:
            self._titles.update(self.db.github_issue_titles(numbers if force else missing))
        rows: dict[str, InstanceRow] = {}
        for record in records:
            activity = self._activity.get(record.id)
            rows[record.id] = InstanceRow(
                record=record,
                event_count=activity.count if activity else 0,
                last_event_at=activity.last_at if activity else None,
                last_event_failed=bool(activity and not activity.last_success),
                issue_title=self._titles.get(record.issue_number)
                if record.issue_number is not None
                else None,
            )
        db_bytes, wal_bytes = self.db.file_sizes()
        return Overview(
            rows=rows,
            status_counts=dict(Counter(r.status for r in records)),
            events_last_minute=self.db.count_events_since(now - timedelta(minutes=1)),
            events_last_hour=self.db.count_events_since(now - timedelta(hours=1)),
            db_bytes=db_bytes,
            wal_bytes=wal_bytes,
            last_backup=last_backup_time(self.db, self.backup_dir),
            loaded_at=now,
        )

    def _update_activity(self) -> None:
        low, high = self.db.event_id_range()
        old_low, old_high = self._id_range
        from_scratch = high < old_high or low > old_low or not self._activity
        if from_scratch:
            self._activity = {}
            after = 0
        else:
            after = old_high
        if high > after or from_scratch:
            for item in self.db.event_activity(after):
                current = self._activity.setdefault(item.instance_id, _Activity())
                current.count += item.count
                # Commits between the two reads are counted here: the next load starts past them.
                high = max(high, item.last_id)
                if item.last_id >= current.last_id:
                    current.last_id = item.last_id
                    current.last_success = item.last_success
                    current.last_at = item.last_timestamp
        self._id_range = (low, high)

    def detail(self, instance_id: str, *, limit: int = 60) -> InstanceDetail:
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
