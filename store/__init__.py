"""The claude-codex state store: the spec's DatabaseInterface over Pony ORM."""

from .config import DatabaseConfig, MaintenanceSettings
from .database import Database, initialize_database
from .errors import DatabaseError, ErrorCode
from .records import (
    INSTANCE_STATUSES,
    INSTANCE_TYPES,
    RELATIONSHIP_TYPES,
    BackupResult,
    GitHubIssueRecord,
    InstanceFilter,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
)
from .transitions import ALLOWED_TRANSITIONS, TERMINAL_STATUSES, allowed_next

__all__ = [
    "ALLOWED_TRANSITIONS",
    "INSTANCE_STATUSES",
    "INSTANCE_TYPES",
    "RELATIONSHIP_TYPES",
    "TERMINAL_STATUSES",
    "BackupResult",
    "Database",
    "DatabaseConfig",
    "DatabaseError",
    "ErrorCode",
    "GitHubIssueRecord",
    "InstanceFilter",
    "InstanceRecord",
    "MCPEventRecord",
    "MaintenanceSettings",
    "RelationshipRecord",
    "allowed_next",
    "initialize_database",
]
