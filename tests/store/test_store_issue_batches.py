"""Issue batches: the column-at-a-time validator and the multi-row upsert equal the per-issue paths.

`validation.issue_params_by_column` checks a batch a field at a time and may only ever say "every
issue is plainly valid" (then its rows must be exactly the per-issue rows) or decline (None); the
per-issue path then raises the reference's error for the first bad issue, named by index.
`dialect.upsert_issue_params` writes many rows a statement and must leave the table exactly as
executemany of UPSERT_ISSUE does.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import chain
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import T0, expect_error, make_issue, outcome

from store import ErrorCode, GitHubIssueRecord
from store import validation as v
from store.dialects import sqlite as dialect

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOW = 1_700_000_000
MANY = v._COLUMNS_FROM  # batches this big take the column path


def reference_rows(batch: list) -> tuple:
    """What issue_rows must give: issue_row for each, the first error named by index."""
    rows = []
    for index, record in enumerate(batch):
        result = outcome(v.issue_row, record, now=NOW)
        if result[0] == "error":
            suffix = f" (issues[{index}] of {len(batch):,})" if len(batch) > 1 else ""
            return (*result[:3], result[3] + suffix)
        if result[0] == "raised":
            return result
        rows.append(result[1])
    return ("ok", rows)


def flat(result: tuple) -> tuple:
    if result[0] != "ok":
        return result
    return ("ok", (len(result[1]), list(chain.from_iterable(result[1]))))


# --- strategies: mostly plainly valid batches, in every accepted form ------------------------------

any_text = st.text(st.characters(exclude_characters="\x00"), max_size=8)
good_text = st.builds(lambda a, b: a + "x" + b, any_text, any_text)  # never blank
good_name = st.one_of(st.sampled_from(["open", "closed", "acme", "w-1", "x" * 200]), good_text)
utc_stamp = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2300, 1, 1), timezones=st.just(UTC)
)
whole_second_utc = utc_stamp.map(lambda d: d.replace(microsecond=0))
good_stamp = st.one_of(
    whole_second_utc,
    utc_stamp,
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2300, 1, 1),
        timezones=st.sampled_from([timezone(timedelta(hours=-5)), timezone(timedelta(0), "Z")]),
    ),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)),  # naive
    st.integers(min_value=0, max_value=v.MAX_EPOCH),
)
good_labels = st.one_of(
    st.none(),
    st.sampled_from(['["bug","agent"]', "[]", '["p1"]']),
    st.lists(st.text(max_size=5), max_size=3),
    st.lists(st.text(max_size=5), max_size=3).map(tuple),
    st.lists(st.text(max_size=5), max_size=3).map(json.dumps),
)


@st.composite
def good_batches(draw: Any) -> list:
    """Valid issues; each field drawn once for the batch (a column of one kind) or per issue."""
    n = draw(st.integers(MANY, MANY + 16))

    def column(strategy: st.SearchStrategy) -> list:
        if draw(st.booleans()):
            return [draw(strategy)] * n  # one value (or object) for the whole batch
        return draw(st.lists(strategy, min_size=n, max_size=n))

    fields = {
        "number": draw(st.lists(st.integers(1, 2**63 - 1), min_size=n, max_size=n)),
        "title": column(st.one_of(good_text, st.just(" padded "), st.just("t" * 4096))),
        "body": column(st.one_of(st.none(), any_text, st.just(""))),
        "state": column(good_name),
        "assignee": column(st.one_of(st.none(), any_text, st.just(" "), st.just("a" * 200))),
        "labels": column(good_labels),
        "created_at": column(good_stamp),
        "updated_at": column(good_stamp),
        "synced_at": column(st.one_of(st.none(), good_stamp)),
        "repo_owner": column(good_name),
        "repo_name": column(good_name),
    }
    return [GitHubIssueRecord(**{k: values[i] for k, values in fields.items()}) for i in range(n)]


bad_values = {
    "number": st.sampled_from([0, -1, 2**63, None, True, 1.0, "1"]),
    "title": st.sampled_from(["", " ", "\t\n", "a\x00b", "t" * 4097, None, 7]),
    "body": st.sampled_from(["b\x00", 3, b"bytes"]),
    "state": st.sampled_from(["", " ", "s" * 201, "a\x00", None, 1]),
    "assignee": st.sampled_from(["a" * 201, "\x00", 5]),
    "labels": st.sampled_from(['{"a": 1}', "[1,", "[]x", "", {"bug": True}, 3, [{1, 2}]]),
    "created_at": st.sampled_from([None, "today", -1, 2**53, True, float("nan")]),
    "updated_at": st.sampled_from([None, "today", -1, 2**53, -0.5]),
    "synced_at": st.sampled_from(["now", -5, False]),
    "repo_owner": st.sampled_from(["", None, "o" * 201, "a\x00"]),
    "repo_name": st.sampled_from(["", " ", None, 0]),
}


# Valid, but not what the fast paths take: the reference judges them, with the same result.
odd_values = {
    "title": st.builds(lambda: Str("a title")),
    "labels": st.sampled_from([" []", '["a"] ', "\ufeff[]"]),  # whitespace around: valid JSON
    "created_at": st.sampled_from([1.5, 1_700_000_000.9]),
    "updated_at": st.sampled_from([0.0, 2.0**52]),
    "synced_at": st.sampled_from([3.25]),
}


class Str(str):
    """A str subclass: the fast paths leave it to the reference (which may judge it otherwise)."""


# --- the column validator against the per-issue reference ---------------------------------------


@SETTINGS
@given(batch=good_batches())
def test_valid_batch_takes_the_column_path_and_equals_the_reference(batch):
    expected = reference_rows(batch)
    assert expected[0] == "ok"
    params = v.issue_params_by_column(batch, now=NOW)
    assert params is not None  # every form drawn here is plain: the column path is really taken
    assert params == flat(expected)[1][1]
    assert outcome(v.issue_rows, batch, now=NOW) == expected
    assert outcome(v.issue_params, batch, now=NOW) == flat(expected)
    assert outcome(v.issue_rows, batch, now=NOW) == expected  # again, with the memos warm


def spoil(batch: list, data: Any, values: dict) -> None:
    """One drawn issue of the batch gets a value drawn for one of `values`' fields."""
    field = data.draw(st.sampled_from(sorted(values)))
    index = data.draw(st.integers(0, len(batch) - 1))
    setattr(batch[index], field, data.draw(values[field]))


@SETTINGS
@given(batch=good_batches(), data=st.data())
def test_a_bad_issue_anywhere_gives_the_reference_error(batch, data):
    spoil(batch, data, bad_values)
    expected = reference_rows(batch)
    assert expected[0] != "ok"
    assert v.issue_params_by_column(batch, now=NOW) is None
    assert outcome(v.issue_rows, batch, now=NOW) == expected
    assert outcome(v.issue_params, batch, now=NOW) == flat(expected)


@SETTINGS
@given(batch=good_batches(), data=st.data())
def test_valid_values_the_fast_paths_leave_to_the_reference(batch, data):
    spoil(batch, data, odd_values)
    expected = reference_rows(batch)
    assert outcome(v.issue_rows, batch, now=NOW) == expected
    assert outcome(v.issue_params, batch, now=NOW) == flat(expected)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", 0, "number: must be between 1 and 9223372036854775807, got 0"),
        ("number", True, "number: must be an integer, got bool"),
        ("title", "   ", "title: must not be empty"),
        ("title", "x" * 4097, "title: is 4,097 characters, more than the limit of 4,096"),
        ("body", "a\x00b", "body: must not contain NUL characters"),
        ("state", None, "state: is required"),
        ("assignee", "a" * 201, "assignee: is 201 characters, more than the limit of 200"),
        ("labels", '{"bug": true}', "labels: must be a JSON array"),
        ("labels", "[unclosed", "labels: is not valid JSON (Expecting value at position 1)"),
        ("created_at", None, "created_at: is required"),
        ("updated_at", "today", "updated_at: must be a datetime, got str"),
        (
            "synced_at",
            -1,
            f"synced_at: -1 is out of range for a unix timestamp (0 to {v.MAX_EPOCH})",
        ),
        ("repo_owner", "", "repo_owner: must not be empty"),
        ("repo_name", 5, "repo_name: must be a string, got int"),
    ],
)
def test_bad_7000th_of_10000_is_named_as_the_per_issue_validator_names_it(field, value, message):
    batch = [make_issue(n, labels='["bug"]', synced_at=T0) for n in range(1, 10_001)]
    assert v.issue_params_by_column(batch, now=NOW) is not None  # the good batch: column path
    setattr(batch[6999], field, value)
    single = outcome(v.issue_row, batch[6999], now=NOW)
    assert single == ("error", ErrorCode.VALIDATION_FAILED, field, message)
    assert outcome(v.issue_params, batch, now=NOW) == (
        "error",
        ErrorCode.VALIDATION_FAILED,
        field,
        f"{message} (issues[6999] of 10,000)",
    )


def test_sync_with_a_bad_7000th_issue_raises_its_error_and_writes_nothing(db, raw_db):
    db.sync_github_issues([make_issue(n, title="before") for n in range(1, 101)])
    batch = [make_issue(n, title="after") for n in range(1, 10_001)]
    batch[6999] = make_issue(7000, title="after", labels='{"not": "a list"}')
    error = expect_error(ErrorCode.VALIDATION_FAILED, db.sync_github_issues, batch)
    assert (error.field, error.message) == (
        "labels",
        "labels: must be a JSON array (issues[6999] of 10,000)",
    )
    assert raw_db("SELECT count(*), min(title), max(title) FROM github_issues") == [
        (100, "before", "before")
    ]


def test_first_bad_issue_is_reported_when_several_are_bad():
    batch = [make_issue(n) for n in range(1, 51)]
    batch[40].title = ""
    batch[12].created_at = None
    batch[30].number = -3
    assert outcome(v.issue_rows, batch, now=NOW) == (
        "error",
        ErrorCode.VALIDATION_FAILED,
        "created_at",
        "created_at: is required (issues[12] of 50)",
    )


def test_non_store_exceptions_are_the_references():
    batch = [make_issue(n) for n in range(1, 21)]
    batch[9] = "not an issue"  # type: ignore[call-overload]
    assert outcome(v.issue_rows, batch, now=NOW) == reference_rows(batch)
    bad = make_issue(3)
    del bad.title
    batch[9] = bad
    assert outcome(v.issue_rows, batch, now=NOW) == ("raised", AttributeError)


def test_a_stop_iteration_inside_a_column_does_not_cut_it_short():
    # The JSON scanner raises StopIteration for text that does not start a value; raised inside
    # map() it would end the column early instead of failing.
    batch = [make_issue(n, labels=["bug"]) for n in range(1, 21)]
    batch[9].labels = "\ufeff[]"
    assert reference_rows(batch)[0] == "error"
    assert outcome(v.issue_rows, batch, now=NOW) == reference_rows(batch)

    class Odd(tzinfo):
        def utcoffset(self, dt):
            raise StopIteration

    for dates in (
        [datetime(2025, 1, 1, 12, n, tzinfo=Odd()) for n in range(20)],
        [T0] * 5 + [datetime(2025, 1, 1, 12, tzinfo=Odd())] + [T0] * 14,
    ):
        batch = [make_issue(n + 1, created_at=d) for n, d in enumerate(dates)]
        assert v.issue_params_by_column(batch, now=NOW) is None
        assert outcome(v.issue_rows, batch, now=NOW) == reference_rows(batch)
        assert reference_rows(batch) == ("raised", StopIteration)


@pytest.mark.parametrize("field", ["title", "state", "repo_owner", "repo_name", "assignee"])
def test_str_subclass_hidden_behind_an_equal_str_goes_to_the_reference(field):
    batch = [make_issue(n, assignee="octocat") for n in range(1, 21)]
    setattr(batch[11], field, Str(getattr(batch[0], field) or "x"))
    assert v.issue_params_by_column(batch, now=NOW) is None
    assert outcome(v.issue_rows, batch, now=NOW) == reference_rows(batch)


def test_subclass_records_and_datetimes_go_to_the_reference():
    class Issue(GitHubIssueRecord):
        __slots__ = ()

    class Moment(datetime):
        pass

    batch = [make_issue(n) for n in range(1, 21)]
    batch[5] = Issue(**{f: getattr(batch[5], f) for f in v.ISSUE_COLUMNS})
    assert v.issue_params_by_column(batch, now=NOW) is None
    assert outcome(v.issue_rows, batch, now=NOW) == reference_rows(batch)
    batch = [make_issue(n) for n in range(1, 21)]
    batch[7].updated_at = Moment(2025, 1, 1, 12, tzinfo=UTC)  # equal to T0, another type
    assert v.issue_params_by_column(batch, now=NOW) is None
    assert outcome(v.issue_rows, batch, now=NOW) == reference_rows(batch)


@pytest.mark.parametrize(
    "dates",
    [
        [T0] * 30,  # one instant, one object
        [T0 + timedelta(seconds=0) for _ in range(30)],  # one instant, many objects
        [T0 + timedelta(days=k, seconds=k) for k in range(30)],  # whole seconds
        [T0 + timedelta(microseconds=k * 77_777) for k in range(30)],  # fractions of a second
        [datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)] * 2 + [T0] * 28,  # before 1970
        [datetime(1901, 5, 5, 5, 5, 5, 5, tzinfo=UTC) + timedelta(days=k) for k in range(30)],
        [
            datetime(2200, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC) + timedelta(hours=k)
            for k in range(30)
        ],
        [T0.astimezone(timezone(timedelta(hours=5, minutes=30)))] * 30,
        [T0.replace(tzinfo=None) + timedelta(minutes=k) for k in range(30)],  # naive: UTC
        [T0, T0.replace(tzinfo=None)] * 15,  # naive and aware mixed
        [int(T0.timestamp()) + k for k in range(30)],
        [T0, int(T0.timestamp())] * 15,
    ],
)
def test_dates_convert_as_the_reference_does(dates):
    batch = [
        make_issue(n + 1, created_at=d, updated_at=dates[-1 - n], synced_at=dates[(n * 7) % 30])
        for n, d in enumerate(dates)
    ]
    expected = reference_rows(batch)
    assert expected[0] == "ok"
    assert outcome(v.issue_rows, batch, now=NOW) == expected
    params = v.issue_params_by_column(batch, now=NOW)
    if params is not None:
        assert params == flat(expected)[1][1]


@pytest.fixture
def new_york(monkeypatch):
    """A local zone that is not UTC: naive datetimes must still be taken as UTC, not local."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("step", [timedelta(0), timedelta(minutes=1), timedelta(microseconds=3)])
def test_naive_dates_are_utc_whatever_the_local_zone(new_york, step):
    assert datetime(2025, 1, 1).timestamp() != datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    naive = T0.replace(tzinfo=None)
    batch = [make_issue(n + 1, created_at=naive + n * step, synced_at=naive) for n in range(20)]
    expected = reference_rows(batch)
    assert expected[1][0][6] == expected[1][0][8] == int(T0.timestamp())
    assert outcome(v.issue_rows, batch, now=NOW) == expected


def test_synced_at_none_is_now_on_the_column_path():
    batch = [make_issue(n) for n in range(1, 21)]
    params = v.issue_params_by_column(batch, now=NOW)
    assert params is not None
    assert set(params[8 :: len(v.ISSUE_COLUMNS)]) == {NOW}
    batch[3].synced_at = T0
    rows = v.issue_rows(batch, now=NOW)
    assert [row[8] for row in rows[2:5]] == [NOW, int(T0.timestamp()), NOW]


def test_many_distinct_names_are_checked_by_column():
    batch = [make_issue(n, repo_name=f"repo-{n}", assignee=f"dev{n}") for n in range(1, 101)]
    assert v.issue_params_by_column(batch, now=NOW) == flat(reference_rows(batch))[1][1]
    batch[77].repo_name = "  "
    assert v.issue_params_by_column(batch, now=NOW) is None
    assert (
        outcome(v.issue_rows, batch, now=NOW)[3]
        == "repo_name: must not be empty (issues[77] of 100)"
    )


def test_small_batches_and_generators():
    assert v.issue_params([], now=NOW) == (0, [])
    one = make_issue(1)
    assert v.issue_params([one], now=NOW) == (1, list(v.issue_row(one, now=NOW)))
    many = (make_issue(n) for n in range(1, 31))
    assert v.issue_rows(many, now=NOW) == [
        v.issue_row(make_issue(n), now=NOW) for n in range(1, 31)
    ]


# --- the multi-row upsert against executemany ----------------------------------------------------


SQLITE_DIALECT = pytest.mark.sqlite_only(
    reason="the SQLite dialect's multi-row statement against sqlite3's executemany on the file; "
    "PostgreSQL's batch upsert is checked through sync_github_issues on both engines"
)


def table_after(db_path, write) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        con.execute("DELETE FROM github_issues")
        con.executemany(dialect.UPSERT_ISSUE, [v.issue_row(make_issue(n), now=NOW) for n in (2, 5)])
        write(con)
        con.commit()
        return con.execute("SELECT * FROM github_issues ORDER BY number").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    "count",
    [1, 2, dialect.ISSUE_ROWS_PER_STATEMENT - 1, dialect.ISSUE_ROWS_PER_STATEMENT,
     dialect.ISSUE_ROWS_PER_STATEMENT + 1, 2 * dialect.ISSUE_ROWS_PER_STATEMENT + 7, 1000],
)  # fmt: skip
@SQLITE_DIALECT
def test_multi_row_upsert_leaves_what_executemany_leaves(db, db_path, count):
    # numbers repeat (a later row wins) and rows 2 and 5 exist already: inserts and updates mixed
    batch = [
        make_issue(1 + (k * 7) % max(1, count // 2), title=f"t{k}", labels=[str(k)])
        for k in range(count)
    ]
    rows = v.issue_rows(batch, now=NOW)
    n, params = v.issue_params(batch, now=NOW)
    assert (n, params) == (count, list(chain.from_iterable(rows)))
    expected = table_after(db_path, lambda con: con.executemany(dialect.UPSERT_ISSUE, rows))
    got = table_after(db_path, lambda con: dialect.upsert_issue_params(con, n, params))
    assert got == expected
    assert len(got) == len({r[0] for r in rows} | {2, 5})


@SQLITE_DIALECT
def test_multi_row_upsert_refuses_a_wrong_parameter_count(db, db_path):
    con = sqlite3.connect(db_path)
    try:
        with pytest.raises(ValueError):
            dialect.upsert_issue_params(con, 2, [None] * 21)
    finally:
        con.close()


def test_upsert_issues_sql_is_the_single_row_statement_repeated():
    assert dialect.upsert_issues_sql(1) == dialect.UPSERT_ISSUE
    three = dialect.upsert_issues_sql(3)
    assert three.count("?") == 33
    assert three.endswith(dialect.UPSERT_ISSUE[dialect.UPSERT_ISSUE.index(" ON CONFLICT") :])
