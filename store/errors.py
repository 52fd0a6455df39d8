"""The spec's DatabaseError and its MODULE_ERROR_TYPE codes.

Every failure the store reports carries one of these codes, so callers (and the dashboard) can react to
the kind of failure without parsing messages.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INITIALIZATION_FAILED = "DATABASE_INITIALIZATION_FAILED"
    SCHEMA_MIGRATION_FAILED = "DATABASE_SCHEMA_MIGRATION_FAILED"
    TURSO_CONNECTION_FAILED = "DATABASE_TURSO_CONNECTION_FAILED"
    FILE_PERMISSION_DENIED = "DATABASE_FILE_PERMISSION_DENIED"
    INSTANCE_EXISTS = "DATABASE_INSTANCE_EXISTS"
    VALIDATION_FAILED = "DATABASE_VALIDATION_FAILED"
    INSERT_FAILED = "DATABASE_INSERT_FAILED"
    INSTANCE_NOT_FOUND = "DATABASE_INSTANCE_NOT_FOUND"
    INVALID_STATUS_TRANSITION = "DATABASE_INVALID_STATUS_TRANSITION"
    UPDATE_FAILED = "DATABASE_UPDATE_FAILED"
    LOG_FAILED = "DATABASE_LOG_FAILED"
    PARENT_INSTANCE_NOT_FOUND = "DATABASE_PARENT_INSTANCE_NOT_FOUND"
    CHILD_INSTANCE_NOT_FOUND = "DATABASE_CHILD_INSTANCE_NOT_FOUND"
    RELATIONSHIP_EXISTS = "DATABASE_RELATIONSHIP_EXISTS"
    # Codes the spec's interface implies but does not spell out: same MODULE_ERROR_TYPE pattern.
    RELATIONSHIP_NOT_FOUND = "DATABASE_RELATIONSHIP_NOT_FOUND"
    NOT_CONNECTED = "DATABASE_NOT_CONNECTED"
    READ_ONLY = "DATABASE_READ_ONLY"
    QUERY_FAILED = "DATABASE_QUERY_FAILED"
    DELETE_FAILED = "DATABASE_DELETE_FAILED"
    CONFIG_FAILED = "DATABASE_CONFIG_FAILED"
    BACKUP_FAILED = "DATABASE_BACKUP_FAILED"
    VACUUM_FAILED = "DATABASE_VACUUM_FAILED"


class DatabaseError(Exception):
    """A store failure: `.code` is the spec's code, the message names what was wrong."""

    def __init__(self, code: ErrorCode | str, message: str, *, field: str | None = None) -> None:
        self.code = str(code)
        self.field = field
        self.message = message
        super().__init__(f"{self.code}: {message}")

    def __reduce__(self):  # keep code and message across process boundaries (multiprocessing)
        return (_rebuild, (self.code, self.message, self.field))


def _rebuild(code: str, message: str, field: str | None) -> DatabaseError:
    return DatabaseError(code, message, field=field)
