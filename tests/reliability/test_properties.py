"""Property tests: the store either stores a generated record exactly or refuses it with a coded
DatabaseError (never another exception, never a partial write), and the dashboard's filter never
raises and only narrows as terms are added."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rellab import dump, make_instance, open_store

from store import INSTANCE_STATUSES, Database, DatabaseError, ErrorCode, MCPEventRecord
from tui.model import InstanceRow
from tui.widgets.instance_order import SORT_KEYS, RowOrder, matches

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CODES = {code.value for code in ErrorCode}
_unique = itertools.count()

texts = st.text(max_size=30)
wild = st.one_of(  # what a buggy caller might pass anywhere
    st.none(),
    texts,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=3),
)


def sometimes(valid: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(valid, valid, valid, wild)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)
stamps = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Path, str]]:
    """One database for all examples (hypothesis runs many per test)."""
    path = tmp_path_factory.mktemp("props") / "claude-codex.db"
    db = open_store(path)
    instance = db.create_instance(make_instance(id="prop-a1", tmux_session="prop-a1"))
    yield db, path, instance
    db.disconnect()


events = st.builds(
    MCPEventRecord,
    instance_id=st.one_of(st.just("prop-a1"), st.just("prop-a1"), wild),
    tool_name=sometimes(st.text(min_size=1, max_size=30)),
    success=sometimes(st.booleans()),
    error_message=st.one_of(st.none(), texts, wild),
    metadata=st.one_of(json_values, texts, wild),
    git_commit_hash=st.one_of(st.none(), st.from_regex(r"[0-9a-f]{7,40}", fullmatch=True), wild),
    status_change=st.one_of(st.none(), st.sampled_from(INSTANCE_STATUSES), wild),
    is_status_updating=sometimes(st.booleans()),
    timestamp=st.one_of(st.none(), stamps, wild),
)


@SETTINGS
@given(event=events)
def test_event_round_trips_or_fails_with_a_code(shared, event: MCPEventRecord) -> None:
    db, path, instance = shared
    before = dump(path)
    try:
        event_id = db.log_mcp_event(event)
    except DatabaseError as exc:
        assert exc.code in CODES and exc.message
        assert dump(path) == before
        return
    stored = next(e for e in db.get_mcp_events(instance, 5) if e.id == event_id)
    assert stored.tool_name == event.tool_name
    assert stored.success is bool(event.success)
    assert stored.error_message == event.error_message
    assert stored.git_commit_hash == event.git_commit_hash
    assert stored.status_change == event.status_change
    assert stored.is_status_updating is bool(event.is_status_updating)
    if isinstance(event.metadata, str):  # JSON text comes back parsed
        import json

        assert stored.metadata == json.loads(event.metadata)
    else:
        assert stored.metadata == event.metadata
    if isinstance(event.timestamp, datetime):
        assert stored.timestamp == event.timestamp.replace(microsecond=0)


updates = st.dictionaries(
    st.sampled_from(
        [
            "branch_name",
            "base_branch",
            "worktree_path",
            "claude_pid",
            "issue_number",
            "pr_number",
            "pr_url",
            "system_prompt",
            "agent_number",
            "last_activity",
            "type",
            "unknown_field",
        ]
    ),
    st.one_of(wild, stamps),
    min_size=1,
    max_size=4,
)


def as_stored(name: str, value: object) -> object:
    """Timestamps are whole seconds; the store also takes epoch numbers for them."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if name == "last_activity" and isinstance(value, int | float):
        return datetime.fromtimestamp(int(value), UTC)
    return value


@SETTINGS
@given(changes=updates)
def test_instance_update_round_trips_or_fails_with_a_code(shared, changes: dict) -> None:
    db, path, instance = shared
    before = dump(path)
    try:
        db.update_instance(instance, changes)
    except DatabaseError as exc:
        assert exc.code in CODES and exc.message
        assert dump(path) == before
        return
    stored = db.get_instance(instance)
    assert stored is not None
    for name, value in changes.items():
        got = getattr(stored, name)
        assert got == as_stored(name, value), (name, value, got)


# --- the dashboard's filter ---------------------------------------------------------------------

rows = st.builds(
    lambda n, status, branch, issue, title, failing: InstanceRow(
        record=make_instance(
            id=f"p{n}-{next(_unique)}",
            status=status,
            branch_name=branch or "b",
            issue_number=issue,
        ),
        issue_title=title,
        last_event_failed=failing,
    ),
    st.integers(0, 99),
    st.sampled_from(INSTANCE_STATUSES),
    st.text(max_size=20),
    st.one_of(st.none(), st.integers(1, 10_000)),
    st.one_of(st.none(), st.text(max_size=20)),
    st.booleans(),
)


def terms_of(text: str) -> list[str]:
    return text.lower().split()  # what InstancesTable.set_filter does with the input box


@settings(max_examples=300, deadline=None)
@given(table=st.lists(rows, max_size=8), typed=st.text(), more=st.text())
def test_filter_never_raises_and_only_narrows(table, typed: str, more: str) -> None:
    assert all(matches(row, terms_of("")) for row in table)
    assert all(matches(row, terms_of(" \t\n ")) for row in table)
    first = {row.id for row in table if matches(row, terms_of(typed))}
    narrower = {row.id for row in table if matches(row, terms_of(typed + " " + more))}
    assert narrower <= first


@settings(max_examples=200, deadline=None)
@given(row=rows)
def test_a_row_matches_its_own_id_and_status(row: InstanceRow) -> None:
    assert matches(row, terms_of(row.id))
    assert matches(row, terms_of(f"{row.record.status} {row.id.upper()}"))


def reference_order(rows: dict[str, InstanceRow], terms: list[str], sort_index: int, flip: bool):
    """What RowOrder.order must give: `matches` on every row, sorted by the sort's key."""
    sort = SORT_KEYS[sort_index]
    shown = [row for row in rows.values() if matches(row, terms)]
    shown.sort(key=sort.key, reverse=sort.newest_first != flip)
    return [row.id for row in shown]


@settings(max_examples=200, deadline=None)
@given(
    table=st.lists(rows, max_size=12),
    steps=st.lists(
        st.tuples(
            st.one_of(st.text(max_size=6), st.sampled_from(["renewed", "ren p", "#"])),  # typed
            st.integers(0, len(SORT_KEYS) - 1),  # column clicked
            st.lists(st.integers(0, 11), max_size=4),  # rows the loader hands over anew
            st.booleans(),  # drop the last row (an instance deleted)
        ),
        max_size=6,
    ),
)
def test_row_order_keeps_per_row_work_and_orders_as_the_reference(table, steps) -> None:
    """The kept texts and keys never go stale: after typing, sorting, rows replaced by new
    objects (changed instances) and rows gone, the order is the reference's."""
    order = RowOrder()
    current = {row.id: row for row in table}
    for typed, column, renewed, drop in steps:
        order.set_filter(typed)
        order.sort_by(SORT_KEYS[column].column)
        current = dict(current)  # the loader hands over a new mapping with every change
        keys = list(current)
        for index in renewed:
            if index < len(keys):
                old = current[keys[index]]
                current[keys[index]] = InstanceRow(  # new text, new place in every sort
                    record=replace(old.record, status="started", issue_number=index + 1),
                    event_count=old.event_count + 10 * index + 1,
                    last_event_at=datetime(2030, 1, 1, index, tzinfo=UTC),
                    issue_title=f"renewed {index}",
                )
        if drop and keys:
            del current[keys[-1]]
            order.forget(current)
        expected = reference_order(current, terms_of(typed), order.sort_index, order.reversed)
        assert order.order(current) == expected
