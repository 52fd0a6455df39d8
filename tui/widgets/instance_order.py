"""Which instances the table shows, in which order: the filter's terms and the sort column.

Pure logic over InstanceRow, so a keystroke in the filter is a substring test per row and a sort,
with nothing on screen rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from ..formatting import STATUS_ORDER
from ..model import InstanceRow


class SortKey(NamedTuple):
    column: str
    label: str
    key: Callable[[InstanceRow], Any]
    newest_first: bool


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


SORT_KEYS: tuple[SortKey, ...] = (
    SortKey("id", "created", lambda r: (_epoch(r.record.created_at), r.id), True),
    SortKey("seen", "last activity", lambda r: (_epoch(r.last_seen), r.id), True),
    SortKey(
        "status",
        "needs attention",
        lambda r: (STATUS_ORDER.get(r.record.status, 9), not r.failing, r.id),
        False,
    ),
    SortKey("events", "events", lambda r: (r.event_count, r.id), True),
    SortKey("issue", "issue", lambda r: (r.record.issue_number or 0, r.id), False),
)


def searchable_text(row: InstanceRow) -> str:
    """The lower-cased text a filter searches."""
    record = row.record
    return " ".join(
        str(value)
        for value in (
            record.id,
            record.type,
            record.status,
            record.branch_name,
            record.tmux_session,
            f"#{record.issue_number}" if record.issue_number else "",
            row.issue_title or "",
            f"pr#{record.pr_number}" if record.pr_number else "",
            "failing" if row.failing else "",
        )
    ).lower()


def matches(row: InstanceRow, terms: list[str]) -> bool:
    """Every whitespace-separated term must appear in one of the row's visible fields."""
    if not terms:
        return True
    haystack = searchable_text(row)
    return all(term in haystack for term in terms)


class RowOrder:
    """The filter and the sort, with each row's searchable text and sort key kept while the loader
    hands over the same row object (unchanged rows are the same objects)."""

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.sort_index = 0
        self.reversed = False
        self._searchable: dict[str, tuple[InstanceRow, str]] = {}
        self._keys: dict[str, tuple[InstanceRow, int, Any]] = {}

    @property
    def sort(self) -> SortKey:
        return SORT_KEYS[self.sort_index]

    @property
    def description(self) -> str:
        arrow = "↑" if self.sort.newest_first == self.reversed else "↓"
        return f"{self.sort.label} {arrow}"

    def set_filter(self, text: str) -> bool:
        """Whether the terms changed (`escape` clears the box and the filter: both say so)."""
        terms = text.lower().split()
        changed = terms != self.terms
        self.terms = terms
        return changed

    def cycle(self) -> SortKey:
        """Next column; choosing the same column again (sort_by) reverses it."""
        self.sort_index = (self.sort_index + 1) % len(SORT_KEYS)
        self.reversed = False
        return self.sort

    def sort_by(self, column: str) -> SortKey | None:
        for index, sort in enumerate(SORT_KEYS):
            if sort.column == column:
                if index == self.sort_index:
                    self.reversed = not self.reversed
                else:
                    self.sort_index, self.reversed = index, False
                return sort
        return None

    def order(self, rows: Iterable[InstanceRow]) -> list[str]:
        """Ids of the matching rows, sorted."""
        shown = [row for row in rows if self._matches(row)]
        sort = self.sort
        descending = sort.newest_first != self.reversed
        shown.sort(key=self._sort_key, reverse=descending)
        return [row.id for row in shown]

    def forget(self, keep: Iterable[str]) -> None:
        """Drop cached texts and keys of rows that are gone."""
        alive = set(keep)
        for cache in (self._searchable, self._keys):
            for gone in [key for key in cache if key not in alive]:
                del cache[gone]

    def _matches(self, row: InstanceRow) -> bool:
        terms = self.terms
        if not terms:
            return True
        cached = self._searchable.get(row.id)
        if cached is None or cached[0] is not row:
            cached = (row, searchable_text(row))
            self._searchable[row.id] = cached
        haystack = cached[1]
        return all(term in haystack for term in terms)

    def _sort_key(self, row: InstanceRow) -> Any:
        cached = self._keys.get(row.id)
        if cached is None or cached[0] is not row or cached[1] != self.sort_index:
            cached = (row, self.sort_index, self.sort.key(row))
            self._keys[row.id] = cached
        return cached[2]
