"""Which instances need a person, since when, and which of them just started to.

Pure logic over the loader's rows and an injected `now`, so the rules are tested without a clock:
an instance needs a person when it waits for review, when its last tool call failed, or when it
has stalled (status started and nothing heard for `stall_after`). `NeedsYouTracker` turns the
stream of overviews into transitions: one per instance that starts needing a person while the
dashboard watches; what was already so at start-up, and every later reload of the same state, is
not a transition. The attention order puts those first (longest waiting first), then the working
ones, then the finished ones; within a class nothing moves, so the table stays calm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Literal

from .model import InstanceRow

Reason = Literal["waiting_review", "failed", "stalled"]
FINISHED = frozenset({"pr_merged", "pr_closed", "terminated"})
DEFAULT_STALL = timedelta(minutes=10)
# A failed call the agent retries at once is not a person's business: a failure counts once it has
# been the instance's last event this long (0 counts it at once).
DEFAULT_FAILURE_GRACE = timedelta(seconds=20)

REASON_TEXT: dict[str, str] = {
    "waiting_review": "is waiting for review",
    "failed": "had its last tool call fail",
    "stalled": "has stalled (no event for {minutes} min)",
}


class Attention(IntEnum):
    """The order's classes, first to last."""

    NEEDS_YOU = 0
    WORKING = 1
    FINISHED = 2


@dataclass(frozen=True, slots=True)
class Need:
    """An instance that needs a person: why, and since when (for "longest waiting first")."""

    instance_id: str
    reason: Reason
    since: datetime | None
    status: str


def _heard_from(row: InstanceRow) -> datetime | None:
    """The last sign of life: its newest event, else its last write, else its creation."""
    return row.last_seen or row.record.created_at


def needs_you(
    row: InstanceRow,
    now: datetime,
    stall_after: timedelta = DEFAULT_STALL,
    status_since: datetime | None = None,
    failure_grace: timedelta = DEFAULT_FAILURE_GRACE,
) -> Need | None:
    """Why this instance needs a person now, or None. `status_since` is when its status last
    changed (its status-change event), when known."""
    record = row.record
    status = record.status
    if status in FINISHED:
        return None
    if status == "waiting_review":
        return Need(record.id, "waiting_review", status_since or record.last_activity, status)
    if row.failing and (row.last_event_at is None or now - row.last_event_at >= failure_grace):
        return Need(record.id, "failed", row.last_event_at, status)
    if status == "started":
        heard = _heard_from(row)
        if heard is not None and now - heard >= stall_after:
            return Need(record.id, "stalled", heard, status)
    return None


def attention_class(row: InstanceRow, need: Need | None) -> Attention:
    if need is not None:
        return Attention.NEEDS_YOU
    if row.record.status in FINISHED:
        return Attention.FINISHED
    return Attention.WORKING


def describe(need: Need, stall_after: timedelta = DEFAULT_STALL) -> str:
    """`<id> is waiting for review`: the sentence for a toast or a desktop notification."""
    text = REASON_TEXT[need.reason].format(minutes=int(stall_after.total_seconds() // 60))
    return f"{need.instance_id} {text}"


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


class NeedsYouTracker:
    """Follows overviews and reports each start of needing a person exactly once.

    The first `update` only learns what is already so (start-up notifies nothing). Later updates
    return the instances that need a person now and did not at the previous update; an instance
    that keeps needing one (whatever the reason becomes, however many reloads) is not reported
    again until it has stopped needing one in between.
    """

    def __init__(
        self,
        stall_after: timedelta = DEFAULT_STALL,
        failure_grace: timedelta = DEFAULT_FAILURE_GRACE,
    ) -> None:
        self.stall_after = stall_after
        self.failure_grace = failure_grace
        self.needs: dict[str, Need] = {}
        self.classes: dict[str, Attention] = {}
        self.status_since: dict[str, datetime] = {}
        self._statuses: dict[str, str] = {}
        self._started = False
        self._answers: dict[str, tuple[InstanceRow, Need | None, Attention, datetime | None]] = {}
        self.generation = 0  # bumped when the order takes new classes: cached keys go stale
        self.auto_settle = True  # every class change goes into the order at once (tests)
        self.order_stale = False  # classes changed since the order last took them
        self._order: dict[str, tuple[int, float]] = {}

    @property
    def count(self) -> int:
        """How many instances need a person (the header's number)."""
        return len(self.needs)

    def note_status_since(self, moments: Mapping[str, datetime]) -> None:
        """Status-change times known elsewhere (the rows carry the store's own)."""
        self.status_since.update(moments)

    def _since(self, row: InstanceRow) -> datetime | None:
        """When its status last changed: the store's event or a change seen live, the later."""
        seen = self.status_since.get(row.id)
        stored = row.status_since
        if seen is None or stored is None:
            return stored or seen
        return max(seen, stored)

    def update(
        self, rows: Mapping[str, InstanceRow], now: datetime, *, baseline: bool = False
    ) -> list[Need]:
        """The instances that started needing a person since the last update (none the first
        time, nor for a `baseline` update: rows still being completed at start-up), oldest
        first."""
        needs: dict[str, Need] = {}
        classes: dict[str, Attention] = {}
        statuses = self._statuses
        kept_answers = self._answers
        answers: dict[str, tuple[InstanceRow, Need | None, Attention, datetime | None]] = {}
        for key, row in rows.items():
            # The same row object (no new event, no write) keeps its answer until the moment it
            # could change with the clock alone (a stall, a failure's grace): a reload under
            # load then costs a lookup per row, not the rules.
            answer = kept_answers.get(key)
            if answer is not None and answer[0] is row and (answer[3] is None or now < answer[3]):
                answers[key] = answer
                if answer[1] is not None:
                    needs[key] = answer[1]
                classes[key] = answer[2]
                continue
            status = row.record.status
            previous = statuses.get(key)
            if previous is not None and previous != status:
                # Seen changing while running; the store stamps last_activity with the change.
                self.status_since[key] = row.record.last_activity or now
            statuses[key] = status
            since = self._since(row)
            need = needs_you(row, now, self.stall_after, since, self.failure_grace)
            if need is not None:
                kept = self.needs.get(key)
                if kept is not None and kept.since is not None:
                    # Still needing a person: waiting since it started to (a second failed call
                    # must not move its row within the class, nor make it look fresh).
                    need = replace(need, since=kept.since)
                needs[key] = need
            klass = attention_class(row, need)
            classes[key] = klass
            answers[key] = (row, need, klass, None if need is not None else self._due_at(row))
        self._answers = answers
        for gone in [key for key in statuses if key not in rows]:
            del statuses[gone]
        fresh: list[Need] = []
        if self._started and not baseline:
            fresh = [need for key, need in needs.items() if key not in self.needs]
            fresh.sort(key=lambda need: _epoch(need.since))
        self._started = True
        changed = classes != self.classes
        self.needs, self.classes = needs, classes
        if changed:
            self.order_stale = True
            if self.auto_settle:
                self.settle_order()
        return fresh

    def settle_order(self) -> None:
        """Take the current classes into the order. The app does this at most once a CALM
        interval (tui/live/needs_you.py): under load instances change class at every reload,
        and each move repaints the rows below it; batched, the table moves once a second."""
        order: dict[str, tuple[int, float]] = {}
        for key, klass in self.classes.items():
            if klass == Attention.NEEDS_YOU:
                need = self.needs.get(key)
                order[key] = (0, _epoch(need.since if need else None))
            else:
                order[key] = (int(klass), 0.0)
        self._order = order
        self.order_stale = False
        self.generation += 1

    def sort_key(self, row: InstanceRow) -> tuple[int, float, str]:
        """Attention order (ascending): needs-you by how long they have waited, then working and
        finished ones newest created first. A row moves only when its class changes (as taken
        into the order by `settle_order`)."""
        key = row.id
        settled = self._order.get(key)
        if settled is not None:
            klass, since = settled
            if klass == Attention.NEEDS_YOU:
                return (0, since, key)
            return (klass, -_epoch(row.record.created_at), key)
        klass = self.classes.get(key)
        if klass is None:
            heard = _heard_from(row)  # not yet seen by update: no clock, so no stall either
            need = (
                needs_you(row, heard, self.stall_after, None, timedelta(0))
                if heard is not None
                else None
            )
            klass = attention_class(row, need)
        if klass == Attention.NEEDS_YOU:
            need = self.needs.get(key)
            return (0, _epoch(need.since if need else None), key)
        return (int(klass), -_epoch(row.record.created_at), key)

    def _due_at(self, row: InstanceRow) -> datetime | None:
        """When this row, unchanged, would start needing a person (None: not by the clock)."""
        if row.record.status in FINISHED:
            return None
        if row.failing and row.last_event_at is not None:
            return row.last_event_at + self.failure_grace
        if row.record.status == "started":
            heard = _heard_from(row)
            if heard is not None:
                return heard + self.stall_after
        return None

    def next_due(self, rows: Mapping[str, InstanceRow], now: datetime) -> timedelta | None:
        """How long until some instance that does not need a person now would, with no new
        event (a stall, a failure's grace ending); None when nothing is due."""
        soonest: timedelta | None = None
        for key, row in rows.items():
            if key in self.needs or row.record.status in FINISHED:
                continue
            due: timedelta | None = None
            if row.failing and row.last_event_at is not None:
                due = row.last_event_at + self.failure_grace - now
            elif row.record.status == "started":
                heard = _heard_from(row)
                if heard is not None:
                    due = heard + self.stall_after - now
            if due is not None and (soonest is None or due < soonest):
                soonest = due
        return None if soonest is None else max(timedelta(0), soonest)

    def time_in_status(self, row: InstanceRow, now: datetime) -> timedelta | None:
        """How long the instance has had its status (since its status-change event)."""
        since = self._since(row)
        if since is None:
            return None
        return max(timedelta(0), now - since)
