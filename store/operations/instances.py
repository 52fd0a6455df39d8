"""Instances: create, update, status transitions, delete (with everything that refers to it).

Every check an instance write relies on reads the rows it checks with a row lock (`get_for_update`:
FOR UPDATE on a server, a no-op under SQLite's BEGIN IMMEDIATE), so a racing status change, delete
or insert on a server waits, then sees the winner's result and fails with the spec's code.
"""

from __future__ import annotations

from typing import Any

from .. import validation as v
from ..convert import instance_from_entity, instances_from_rows
from ..errors import DatabaseError, ErrorCode
from ..records import INSTANCE_STATUSES, InstanceFilter, InstanceRecord
from ..transitions import TERMINAL_STATUSES, allowed_next, is_allowed

STATUS_TOOL_NAME = "update_instance_status"


class InstanceOperations:
    def create_instance(self, instance: InstanceRecord) -> str:
        row = v.instance_row(instance, now=self._now_epoch())

        def op(e: Any, con: Any) -> str:
            if e.Instance.exists(id=row["id"]):
                raise DatabaseError(
                    ErrorCode.INSTANCE_EXISTS, f"instance {row['id']!r} already exists"
                )
            parent = row["parent_instance_id"]
            if parent is not None and e.Instance.get_for_update(id=parent) is None:
                raise DatabaseError(
                    ErrorCode.PARENT_INSTANCE_NOT_FOUND,
                    f"parent_instance_id: instance {parent!r} does not exist",
                )
            if row["agent_number"] is None:
                row["agent_number"] = self._next_agent_number(e, row["issue_number"])
            e.Instance(**row)
            return row["id"]

        def exists() -> DatabaseError:  # another writer created the same id first
            return DatabaseError(
                ErrorCode.INSTANCE_EXISTS, f"instance {row['id']!r} already exists"
            )

        return self._write(ErrorCode.INSERT_FAILED, op, conflict=exists)

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

        def op(e: Any, con: Any) -> None:
            entity = self._instance_or_fail(e, instance_id)
            parent = row.get("parent_instance_id")
            if parent is not None:
                if parent == instance_id:
                    raise v.fail("parent_instance_id", "an instance cannot be its own parent")
                if e.Instance.get_for_update(id=parent) is None:
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

        def op(e: Any, con: Any) -> None:
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
        sql, params = self.dialect.instances_query(
            types=flt.types,
            statuses=flt.statuses,
            issue_number=flt.issue_number,
            parent_instance=flt.parent_instance,
            order_by=flt.order_by,
            descending=flt.order_direction.upper() == "DESC",
            limit=flt.limit,
            offset=flt.offset,
        )
        rows = self._raw_read(lambda con: self.dialect.fetch_all(con, sql, params))
        return instances_from_rows(rows)

    def delete_instance(self, instance_id: str) -> None:
        """Removes the instance with its events and relationships: nothing is left dangling."""
        instance_id = v.identifier("id", instance_id)

        def op(e: Any, con: Any) -> None:
            from pony.orm import select

            entity = self._instance_or_fail(e, instance_id)
            self.dialect.allow_long_statement()  # its events may be millions of rows
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
        """The instance, locked until the transaction ends (a racing writer waits, then sees
        this one's result), or INSTANCE_NOT_FOUND."""
        entity = e.Instance.get_for_update(id=instance_id)
        if entity is None:
            raise DatabaseError(
                ErrorCode.INSTANCE_NOT_FOUND, f"instance {instance_id!r} does not exist"
            )
        return entity
