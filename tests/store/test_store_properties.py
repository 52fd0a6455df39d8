"""Property tests of the store API: generated records round-trip exactly or fail cleanly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import make_event, make_instance

from store import INSTANCE_STATUSES, INSTANCE_TYPES, DatabaseError, ErrorCode, InstanceRecord

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_unique = itertools.count()

aware = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
texts = st.text(max_size=40)
maybe_int = st.one_of(st.none(), st.integers(min_value=-5, max_value=2**64))


def anything_or(valid):
    """Mostly valid values, sometimes a wrong type."""
    return st.one_of(valid, valid, valid, st.none(), st.integers(), st.booleans(), texts)


instances = st.builds(
    InstanceRecord,
    id=st.one_of(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True), texts),
    type=anything_or(st.sampled_from(INSTANCE_TYPES)),
    status=anything_or(st.sampled_from(INSTANCE_STATUSES)),
    worktree_path=anything_or(texts),
    branch_name=anything_or(texts),
    tmux_session=anything_or(texts),
    base_branch=st.one_of(st.none(), texts),
    claude_pid=maybe_int,
    issue_number=maybe_int,
    pr_number=maybe_int,
    pr_url=st.one_of(st.none(), st.just("https://github.com/a/b/pull/1"), texts),
    created_at=st.one_of(st.none(), aware),
    terminated_at=st.one_of(st.none(), aware),
    last_activity=st.one_of(st.none(), aware),
    system_prompt=st.one_of(st.none(), st.text(max_size=200)),
    agent_number=maybe_int,
)


def truncated(value):
    return None if value is None else value.replace(microsecond=0)


@SETTINGS
@given(record=instances)
def test_instance_round_trips_or_fails_cleanly(db, raw_db, record):
    if isinstance(record.id, str) and record.id:
        record.id = f"{record.id}-{next(_unique)}"  # one database for all examples: keep ids new
    before = raw_db.dump()
    try:
        db.create_instance(record)
    except DatabaseError as error:
        assert error.code == ErrorCode.VALIDATION_FAILED, str(error)
        assert error.field
        assert raw_db.dump() == before
        return
    got = db.get_instance(record.id)
    for name in InstanceRecord.__slots__:
        expected = getattr(record, name)
        actual = getattr(got, name)
        if name in ("created_at", "terminated_at", "last_activity"):
            if expected is None and name != "terminated_at":
                assert actual is not None  # filled in with now
            else:
                assert actual == truncated(expected), name
        elif name == "agent_number" and expected is None:
            assert actual >= 1
        else:
            assert actual == expected, name


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
# A top-level str is taken as JSON text already encoded, so metadata values are never bare strings.
metadata_values = json_values.filter(lambda v: not isinstance(v, str))


@pytest.fixture
def instance_id(db):
    return db.create_instance(make_instance())


@SETTINGS
@given(metadata=metadata_values, success=st.booleans(), offset=st.integers(0, 10**9))
def test_event_metadata_round_trips(db, instance_id, metadata, success, offset):
    when = datetime(1990, 1, 1, tzinfo=UTC) + timedelta(seconds=offset)
    event_id = db.log_mcp_event(
        make_event(instance_id, metadata=metadata, success=success, timestamp=when)
    )
    (got,) = [e for e in db.get_mcp_events(instance_id, limit=10_000) if e.id == event_id]
    assert got.metadata == metadata
    assert got.success is success
    assert got.timestamp == when
