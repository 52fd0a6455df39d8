"""Timestamps: the file stores INTEGER unix epoch seconds; Python code sees aware UTC datetimes."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_epoch() -> int:
    return int(time.time())


def to_epoch(value: datetime | int | float) -> int:
    """Seconds since the epoch; naive datetimes are taken as UTC, as the TypeScript side does."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(value)


def from_epoch(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC)
