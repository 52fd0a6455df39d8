"""MCP events: the hot write path (one statement checks the instance and inserts) and timelines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .. import validation as v
from ..convert import events_from_rows
from ..errors import DatabaseError, ErrorCode
from ..records import MCPEventRecord


class EventOperations:
    def log_mcp_event(self, event: MCPEventRecord) -> int:
        """Returns the new event's id."""
        row = v.event_rows((event,), now=self._now_epoch())[0]

        def op(con: Any) -> int:
            event_id = self.dialect.insert_event_if_instance(
                con, row
            )  # check and insert: one statement
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

        def op(con: Any) -> int:
            wanted = {row[0] for row in rows}
            missing = wanted - self.dialect.existing_instances(con, wanted)
            if missing:
                names = ", ".join(sorted(missing)[:5])
                raise DatabaseError(
                    ErrorCode.INSTANCE_NOT_FOUND,
                    f"instance_id: {len(missing)} instance(s) do not exist ({names}); "
                    "no event was logged",
                )
            self.dialect.insert_event_rows(con, rows)  # many rows a statement: the same ids
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
            lambda con: events_from_rows(
                self.dialect.latest_events(con, instance_id, limit, before_id)
            )
        )

    def get_recent_mcp_events(
        self, since: datetime, limit: int | None = None
    ) -> list[MCPEventRecord]:
        start = v.timestamp("since", since)
        if start is None:
            raise v.fail("since", "is required")
        limit = v.integer("limit", limit)
        return self._raw_read(
            lambda con: events_from_rows(self.dialect.events_since(con, start, limit))
        )
