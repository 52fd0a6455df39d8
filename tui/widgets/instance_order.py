"""Which instances the table shows, in which order: the filter's terms and the sort column.

Pure logic over InstanceRow, so a keystroke in the filter is a substring test per row and a sort,
with nothing on screen rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from ..attention import FINISHED, NeedsYouTracker
from ..formatting import STATUS_ORDER
from ..model import InstanceRow


class SortKey(NamedTuple):
    column: str
    label: str
    key: Callable[[InstanceRow], Any]
    newest_first: bool


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


def _attention_without_clock(row: InstanceRow) -> tuple[int, float, str]:
    """The attention order from the row alone (no clock: no stalls), for a RowOrder with no
    tracker; the app's tracker (tui/attention.py) orders by the same classes."""
    record = row.record
    if record.status == "waiting_review" or row.failing:
        return (0, _epoch(record.last_activity), row.id)
    klass = 2 if record.status in FINISHED else 1
    return (klass, -_epoch(record.created_at), row.id)


SORT_KEYS: tuple[SortKey, ...] = (
    SortKey("attention", "needs you first", _attention_without_clock, False),
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
    """The filter and the sort over the loader's rows (id -> row). Each row's sort key, and while
    a filter is on its searchable text, are kept by id while the loader hands over the same row
    object (unchanged rows are the same objects). Filter and sort then run over plain dicts with
    no Python call per row: ordering 1,000 rows for a one-word filter costs 0.15 ms here, where a
    method call per row for each cost 1.1 ms (0.08 against 0.46 ms with no filter)."""

    def __init__(self, attention: NeedsYouTracker | None = None) -> None:
        self.terms: list[str] = []
        self.sort_index = 0  # attention: what needs a person first
        self.reversed = False
        self.attention = attention
        self._keys = _PerRow(self._key)
        self._texts = _PerRow(searchable_text)

    def _key(self, row: InstanceRow) -> Any:
        if self.attention is not None and self.sort.column == "attention":
            return self.attention.sort_key(row)
        return self.sort.key(row)

    def attention_changed(self) -> bool:
        """An instance changed class: the attention order's kept keys are stale. Whether the
        order in use is attention (and so the rows must be ordered again)."""
        if self.sort.column != "attention":
            return False
        self._keys.clear()
        return True

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
        self._keys.clear()
        return self.sort

    def sort_by(self, column: str) -> SortKey | None:
        for index, sort in enumerate(SORT_KEYS):
            if sort.column == column:
                if index == self.sort_index:
                    self.reversed = not self.reversed
                else:
                    self.sort_index, self.reversed = index, False
                    self._keys.clear()
                return sort
        return None

    def order(self, rows: Mapping[str, InstanceRow]) -> list[str]:
        """Ids of the matching rows, sorted."""
        terms = self.terms
        if not terms:
            ids = list(rows)
        else:
            texts = self._texts.made_for(rows)
            if len(terms) == 1:
                term = terms[0]
                ids = [key for key in rows if term in texts[key]]
            else:
                ids = [key for key in rows if all(term in texts[key] for term in terms)]
        keys = self._keys.made_for(rows)
        ids.sort(key=keys.__getitem__, reverse=self.sort.newest_first != self.reversed)
        return ids

    def forget(self, keep: Iterable[str]) -> None:
        """Drop what was kept for rows that are gone."""
        alive = set(keep)
        self._keys.forget(alive)
        self._texts.forget(alive)


class _PerRow:
    """One value per row id, made by `make(row)` again when the id's row object changes."""

    def __init__(self, make: Callable[[InstanceRow], Any]) -> None:
        self._make = make
        self._values: dict[str, Any] = {}
        self._made_from: dict[str, InstanceRow] = {}
        self._synced: Mapping[str, InstanceRow] | None = None  # the rows last brought up to date

    def made_for(self, rows: Mapping[str, InstanceRow]) -> dict[str, Any]:
        """Values for every id of `rows` (a superset: gone ids linger until `forget`)."""
        if rows is not self._synced:  # the loader hands over a new mapping with each change
            made_from, values, make = self._made_from, self._values, self._make
            for key, row in rows.items():
                if made_from.get(key) is not row:
                    made_from[key] = row
                    values[key] = make(row)
            self._synced = rows
        return self._values

    def clear(self) -> None:
        self._values.clear()
        self._made_from.clear()
        self._synced = None

    def forget(self, alive: set[str]) -> None:
        for gone in [key for key in self._values if key not in alive]:
            del self._values[gone]
            del self._made_from[gone]
