"""Parent/child relationships between instances; unique per (parent, child, type).

On a server two writers may both see "no such relationship": the unique index makes the later one
fail, reported as RELATIONSHIP_EXISTS (the `conflict` of its write).
"""

from __future__ import annotations

from typing import Any

from .. import validation as v
from ..convert import relationship_from_entity
from ..errors import DatabaseError, ErrorCode
from ..records import RelationshipRecord


class RelationshipOperations:
    def create_relationship(self, relationship: RelationshipRecord) -> int:
        row = v.relationship_row(relationship, now=self._now_epoch())

        def op(e: Any, con: Any) -> int:
            self._check_pair(e, row["parent_instance"], row["child_instance"])
            self._check_unique_relationship(e, row)
            entity = e.Relationship(**row)
            entity.flush()
            return int(entity.id)

        return self._write(ErrorCode.INSERT_FAILED, op, conflict=lambda: _exists(row))

    @staticmethod
    def _check_pair(e: Any, parent: str, child: str) -> None:
        # Both rows locked (in a fixed order: no deadlock between two creators), so neither
        # instance can be deleted before this relationship commits.
        found = {i.id for i in e.Instance.select(lambda i: i.id in (parent, child)).for_update()}
        if parent not in found:
            raise DatabaseError(
                ErrorCode.PARENT_INSTANCE_NOT_FOUND, f"parent instance {parent!r} does not exist"
            )
        if child not in found:
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
        merged: dict[str, Any] = {}

        def op(e: Any, con: Any) -> None:
            entity = e.Relationship.get_for_update(id=relationship_id)
            if entity is None:
                raise DatabaseError(
                    ErrorCode.RELATIONSHIP_NOT_FOUND,
                    f"relationship {relationship_id} does not exist",
                )
            merged.update(
                parent_instance=entity.parent_instance,
                child_instance=entity.child_instance,
                relationship_type=entity.relationship_type,
            )
            merged.update(row)
            if merged["parent_instance"] == merged["child_instance"]:
                raise v.fail("child_instance", "an instance cannot be its own child")
            if "parent_instance" in row or "child_instance" in row:
                self._check_pair(e, merged["parent_instance"], merged["child_instance"])
            self._check_unique_relationship(e, merged, own_id=entity.id)
            entity.set(**row)

        self._write(ErrorCode.UPDATE_FAILED, op, conflict=lambda: _exists(merged))


def _exists(row: dict[str, Any]) -> DatabaseError:
    """The error for a unique-index violation: a racing writer made the same relationship first."""
    return DatabaseError(
        ErrorCode.RELATIONSHIP_EXISTS,
        f"{row.get('parent_instance')!r} -> {row.get('child_instance')!r} "
        f"({row.get('relationship_type')}) already exists",
    )
