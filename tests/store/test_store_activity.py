"""event_activity_since: each event counted exactly once by a reader that keeps a cursor, on both
engines; on a server also when concurrent writers commit their ids out of order (a transaction
holding a lower id commits after one holding a higher id), and when one rolls back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import psycopg2
import pytest
from store_helpers import make_event, make_instance

from store import Database, DatabaseConfig, initialize_database
from store.records import ActivityCursor

INSERT = (
    "INSERT INTO mcp_events (instance_id, tool_name, success, is_status_updating, timestamp) "
    "VALUES (%s, 'run_tests', true, false, 1700000000) RETURNING id"
)


def counted(db: Database, cursor: ActivityCursor | None, tally: Counter) -> ActivityCursor:
    items, cursor = db.event_activity_since(cursor)
    for item in items:
        tally[item.instance_id] += item.count
    return cursor


def test_every_event_is_counted_once_across_reads(db: Database) -> None:
    a = db.create_instance(make_instance())
    b = db.create_instance(make_instance())
    tally: Counter = Counter()
    cursor = counted(db, None, tally)
    for round_ in range(5):
        db.log_mcp_events([make_event(a) for _ in range(round_ + 1)] + [make_event(b)])
        cursor = counted(db, cursor, tally)
    cursor = counted(db, cursor, tally)  # nothing new: nothing counted twice
    assert tally == {a: 15, b: 5}
    assert tally == {a: db.count_events(a), b: db.count_events(b)}


@pytest.fixture
def server(pg_url: str) -> Iterator[Database]:
    """On PostgreSQL only: SQLite commits one writer at a time, so its ids appear in order."""
    db = initialize_database(DatabaseConfig(server_url=pg_url))
    yield db
    db.disconnect()


def raw(db: Database) -> psycopg2.extensions.connection:
    con = psycopg2.connect(db.config.server_url)
    con.autocommit = False
    return con


def test_an_id_committed_after_a_higher_one_is_still_counted(server: Database) -> None:
    instance = server.create_instance(make_instance())
    tally: Counter = Counter()
    cursor = counted(server, None, tally)
    slow, quick = raw(server), raw(server)
    try:
        with slow.cursor() as cur:
            cur.execute(INSERT, (instance,))
            (low,) = cur.fetchone()  # holds the lower id, not committed yet
        with quick.cursor() as cur:
            cur.execute(INSERT, (instance,))
            (high,) = cur.fetchone()
        quick.commit()
        assert low < high
        cursor = counted(server, cursor, tally)
        assert tally[instance] == 1 and [g for g, _ in cursor.gaps] == [low]
        slow.commit()
        cursor = counted(server, cursor, tally)
        assert tally[instance] == 2 and cursor.gaps == ()
        cursor = counted(server, cursor, tally)
        assert tally[instance] == 2 == server.count_events(instance)
    finally:
        slow.close()
        quick.close()


def test_a_rolled_back_id_is_given_up_once_its_transaction_ended(server: Database) -> None:
    instance = server.create_instance(make_instance())
    tally: Counter = Counter()
    cursor = counted(server, None, tally)
    abandoned = raw(server)
    try:
        with abandoned.cursor() as cur:
            cur.execute(INSERT, (instance,))
        server.log_mcp_event(make_event(instance))
        cursor = counted(server, cursor, tally)
        assert len(cursor.gaps) == 1
        abandoned.rollback()
        cursor = counted(server, cursor, tally)  # read once more after the holder ended
        assert cursor.gaps == ()
        assert tally[instance] == 1 == server.count_events(instance)
    finally:
        abandoned.close()


def test_a_count_from_scratch_waits_for_ids_still_in_flight(server: Database) -> None:
    """From scratch the newest ids are looked over for gaps too: one held by a running
    transaction is counted when it commits."""
    instance = server.create_instance(make_instance())
    slow = raw(server)
    try:
        with slow.cursor() as cur:
            cur.execute(INSERT, (instance,))
        server.log_mcp_event(make_event(instance))
        tally: Counter = Counter()
        cursor = counted(server, None, tally)
        assert tally[instance] == 1 and len(cursor.gaps) == 1
        slow.commit()
        counted(server, cursor, tally)
        assert tally[instance] == 2 == server.count_events(instance)
    finally:
        slow.close()


def test_cursor_survives_a_new_connection(server: Database) -> None:
    """The cursor is plain data: a reader that reconnects (a server restart) carries on."""
    instance = server.create_instance(make_instance())
    tally: Counter = Counter()
    cursor = counted(server, None, tally)
    server.log_mcp_event(make_event(instance))
    other = initialize_database(DatabaseConfig(server_url=server.config.server_url))
    try:
        counted(other, cursor, tally)
    finally:
        other.disconnect()
    assert tally[instance] == 1


def test_status_change_times_give_each_instances_newest_change(db: Database) -> None:
    a = db.create_instance(make_instance())
    b = db.create_instance(make_instance())
    db.log_mcp_events([make_event(a), make_event(b)])
    assert db.status_change_times() == {}
    db.update_instance_status(a, "waiting_review")
    first = db.status_change_times()
    assert set(first) == {a}
    newest = db.get_mcp_events(a, 1)[0]
    assert newest.status_change == "waiting_review" and first[a] == newest.timestamp
    after = ActivityCursor(db.max_event_id())
    db.log_mcp_events([make_event(b)])
    assert db.status_change_times(after) == {}  # events past `after`: none changed a status
    db.update_instance_status(b, "waiting_review")
    assert set(db.status_change_times(after)) == {b}


def test_a_status_change_committed_late_is_found_through_the_cursor(server: Database) -> None:
    """Time in status on a server: a status-change event whose id committed after a higher one
    is read through the gaps of the cursor the activity read started from."""
    instance = server.create_instance(make_instance())
    tally: Counter = Counter()
    cursor = counted(server, None, tally)
    slow = raw(server)
    try:
        with slow.cursor() as cur:
            cur.execute(
                "INSERT INTO mcp_events (instance_id, tool_name, success, status_change, "
                "is_status_updating, timestamp) VALUES (%s, 'update_instance_status', true, "
                "'waiting_review', true, 1800000000) RETURNING id",
                (instance,),
            )
        server.log_mcp_event(make_event(instance))
        cursor = counted(server, cursor, tally)  # the late one is a gap now
        assert server.status_change_times(cursor) == {}
        slow.commit()
        before = cursor
        cursor = counted(server, cursor, tally)
        changes = server.status_change_times(before)
        assert list(changes) == [instance] and int(changes[instance].timestamp()) == 1800000000
    finally:
        slow.close()
