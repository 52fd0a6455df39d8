"""Timestamps: the file stores INTEGER unix epoch seconds; Python code sees aware UTC datetimes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Where "now" comes from: every comparison with the present goes through one, so tests can pin it
(file times and database defaults included) and never meet the real clock."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def now_epoch(clock: Clock = system_clock) -> int:
    return int(clock().timestamp())


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
