"""The spec's DatabaseInterface over Pony ORM, in Python names, on SQLite or PostgreSQL.

`Database` is the core (store/core.py: connecting, transactions, retries, errors) with one mixin
per concern (store/operations/): instances, events, relationships, issues, user config, live reads
and maintenance. Everything engine-specific is in the dialect module the core holds
(store/dialects/sqlite.py or postgres.py), chosen by the config (`DATABASE_URL`, `--db`).
"""

from __future__ import annotations

from .config import DatabaseConfig
from .core import MAPPED_TABLES, StoreCore
from .operations.events import EventOperations
from .operations.instances import STATUS_TOOL_NAME, InstanceOperations
from .operations.issues import IssueOperations
from .operations.live import LiveReads
from .operations.relationships import RelationshipOperations
from .operations.settings import ConfigOperations
from .operations.upkeep import UpkeepOperations

__all__ = [
    "MAPPED_TABLES",
    "STATUS_TOOL_NAME",
    "Database",
    "initialize_database",
]


class Database(
    StoreCore,
    InstanceOperations,
    EventOperations,
    RelationshipOperations,
    IssueOperations,
    ConfigOperations,
    LiveReads,
    UpkeepOperations,
):
    """A connection to one claude-codex database (a file or a server); see `initialize_database`."""


def initialize_database(config: DatabaseConfig | None = None) -> Database:
    """Open (creating and migrating when allowed) the database and return it connected."""
    db = Database(config or DatabaseConfig.from_env())
    db.connect()
    return db
