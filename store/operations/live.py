"""Beyond the spec: cheap reads for a live view (change tokens, activity, counts, histograms)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .. import validation as v
from ..errors import ErrorCode
from ..records import ActivityCursor, EventActivity
from ..timeutil import from_epoch


class LiveReads:
    def data_version(self) -> int:
        """Changes whenever another connection commits; costs microseconds, call it freely."""
        return self._raw_read(self.dialect.data_version)

    def event_activity(self, after_id: int = 0) -> list[EventActivity]:
        """Per instance: events past `after_id`, and the newest one's id, success and time."""
        rows = self._raw_read(lambda con: self.dialect.event_activity(con, after_id))
        return _activities(rows)

    def event_activity_since(
        self, cursor: ActivityCursor | None = None
    ) -> tuple[list[EventActivity], ActivityCursor]:
        """Per instance, the events committed since `cursor` (None: all), and the cursor for the
        next call: each event is counted exactly once, also on a server where concurrent
        writers' ids become visible out of order."""
        rows, after = self._raw_read(lambda con: self.dialect.activity_since(con, cursor))
        return _activities(rows), after

    def status_change_times(self, since: ActivityCursor | None = None) -> dict[str, datetime]:
        """Per instance, when its status last changed (its newest status-change event) among
        the events past `since` (None: all): the dashboard's "time in status". Given the cursor
        an activity read started from, it covers that read's events, late ids included."""
        high, gaps = (since.high, [g for g, _ in since.gaps]) if since is not None else (0, [])
        rows = self._raw_read(lambda con: self.dialect.status_change_times(con, high, gaps))
        return {iid: moment for iid, stamp in rows if (moment := from_epoch(stamp)) is not None}

    def event_id_range(self) -> tuple[int, int]:
        return self._raw_read(self.dialect.event_id_range)

    def max_event_id(self) -> int:
        return self._raw_read(self.dialect.max_event_id)

    def count_events_since(self, since: datetime) -> int:
        start = v.timestamp("since", since)
        return self._raw_read(lambda con: self.dialect.count_events_between(con, start or 0))

    def count_events(self, instance_id: str) -> int:
        return self._raw_read(lambda con: self.dialect.count_events_of(con, instance_id))

    def event_histogram(
        self, instance_id: str, since: datetime, bucket_seconds: int, buckets: int
    ) -> list[int]:
        start = v.timestamp("since", since) or 0
        rows = self._raw_read(
            lambda con: self.dialect.event_histogram(con, instance_id, start, bucket_seconds)
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
        return self._raw_read(lambda con: self.dialect.issue_titles(con, wanted))

    def prune_events(self, older_than: datetime) -> int:
        """Delete events older than a cutoff (the spec's log retention); returns how many."""
        cutoff = v.timestamp("older_than", older_than) or 0

        def op(con: Any) -> int:
            self.dialect.allow_long_statement()  # a prune may delete millions of rows
            return self.dialect.delete_events_before(con, cutoff)

        return self._raw_write(ErrorCode.DELETE_FAILED, op)


def _activities(rows: list[tuple]) -> list[EventActivity]:
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
