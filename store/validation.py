"""Input validation: every value is checked before it reaches SQL, and a failure names its field.

Validators return the row as the file stores it (epoch seconds, 0/1, JSON text), so the write paths
share one conversion.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import UTC, datetime
from itertools import chain, repeat
from operator import add, attrgetter, contains, is_, mul, sub
from typing import Any

from .errors import DatabaseError, ErrorCode
from .records import (
    INSTANCE_STATUSES,
    INSTANCE_TYPES,
    ORDER_FIELDS,
    RELATIONSHIP_TYPES,
    GitHubIssueRecord,
    InstanceFilter,
    InstanceRecord,
    MCPEventRecord,
    RelationshipRecord,
)
from .timeutil import to_epoch

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$")
MAX_ID = 200
MAX_NAME = 4096
MAX_MESSAGE = 64 * 1024
MAX_DOCUMENT = 1024 * 1024  # system prompts, metadata, issue bodies
MAX_INT = 2**63 - 1
# The last second Python's datetime can hold (9999-12-31T23:59:59Z): a later epoch would be
# stored but could never be read back as a datetime.
MAX_EPOCH = 253_402_300_799
# One encoder for all: json.dumps with non-default options builds a new JSONEncoder per call,
# which cost more than the encoding of a small metadata dict (same output, same errors).
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def fail(field: str, problem: str) -> DatabaseError:
    return DatabaseError(ErrorCode.VALIDATION_FAILED, f"{field}: {problem}", field=field)


def text(field: str, value: Any, *, required: bool, limit: int = MAX_NAME) -> str | None:
    if value is None:
        if required:
            raise fail(field, "is required")
        return None
    if not isinstance(value, str):
        raise fail(field, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise fail(field, "must not be empty")
    if len(value) > limit:
        raise fail(field, f"is {len(value):,} characters, more than the limit of {limit:,}")
    if "\x00" in value:
        raise fail(field, "must not contain NUL characters")
    return value


def identifier(field: str, value: Any) -> str:
    value = text(field, value, required=True, limit=MAX_ID)
    assert value is not None
    if not ID_PATTERN.match(value):
        raise fail(field, f"{value!r} is not a valid id (letters, digits and . _ : @ / + -)")
    return value


def integer(field: str, value: Any, *, required: bool = False, minimum: int = 1) -> int | None:
    if value is None:
        if required:
            raise fail(field, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(field, f"must be an integer, got {type(value).__name__}")
    if value < minimum or value > MAX_INT:
        raise fail(field, f"must be between {minimum} and {MAX_INT}, got {value}")
    return value


def boolean(field: str, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    raise fail(field, f"must be a boolean, got {value!r}")


def one_of(field: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise fail(field, f"{value!r} is not one of {', '.join(choices)}")
    return value


def timestamp(field: str, value: Any, *, default: int | None = None) -> int | None:
    if value is None:
        return default
    if isinstance(value, datetime):
        return to_epoch(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 <= value <= MAX_EPOCH:
            raise fail(field, f"{value} is out of range for a unix timestamp (0 to {MAX_EPOCH})")
        return int(value)
    raise fail(field, f"must be a datetime, got {type(value).__name__}")


def json_text(field: str, value: Any, *, limit: int = MAX_DOCUMENT) -> str | None:
    """Python objects are serialised; text must already be valid JSON and is stored as given."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError as exc:
            raise fail(field, f"is not valid JSON ({exc.msg} at position {exc.pos})") from None
        encoded = value
    else:
        try:
            encoded = _JSON_ENCODER.encode(value)
        except (TypeError, ValueError) as exc:
            raise fail(field, f"cannot be stored as JSON: {exc}") from None
    if len(encoded) > limit:
        raise fail(field, f"is {len(encoded):,} characters of JSON, more than {limit:,}")
    return encoded


def parse_json(value: str | None) -> Any:
    """JSON columns come back parsed; text another writer stored malformed comes back as text."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


INSTANCE_TEXT_FIELDS = ("worktree_path", "branch_name", "tmux_session")


def instance_row(record: InstanceRecord, *, now: int) -> dict[str, Any]:
    if not isinstance(record, InstanceRecord):
        raise fail("instance", f"must be an InstanceRecord, got {type(record).__name__}")
    row: dict[str, Any] = {
        "id": identifier("id", record.id),
        "type": one_of("type", record.type, INSTANCE_TYPES),
        "status": one_of("status", record.status, INSTANCE_STATUSES),
    }
    for name in INSTANCE_TEXT_FIELDS:
        row[name] = text(name, getattr(record, name), required=True)
    row["base_branch"] = text("base_branch", record.base_branch, required=False)
    row["claude_pid"] = integer("claude_pid", record.claude_pid)
    row["issue_number"] = integer("issue_number", record.issue_number)
    row["pr_number"] = integer("pr_number", record.pr_number)
    row["pr_url"] = url("pr_url", record.pr_url)
    row["parent_instance_id"] = (
        None
        if record.parent_instance_id is None
        else identifier("parent_instance_id", record.parent_instance_id)
    )
    row["created_at"] = timestamp("created_at", record.created_at, default=now)
    row["terminated_at"] = timestamp("terminated_at", record.terminated_at)
    row["last_activity"] = timestamp("last_activity", record.last_activity, default=now)
    row["system_prompt"] = text(
        "system_prompt", record.system_prompt, required=False, limit=MAX_DOCUMENT
    )
    row["agent_number"] = integer("agent_number", record.agent_number)
    return row


def url(field: str, value: Any) -> str | None:
    value = text(field, value, required=False)
    if value is not None and not re.match(r"^https?://\S+$", value):
        raise fail(field, f"{value!r} is not an http(s) URL")
    return value


# Fields update_instance may change: id is the key, status goes through update_instance_status.
UPDATABLE_INSTANCE_FIELDS = frozenset(f.name for f in fields(InstanceRecord)) - {"id", "status"}


def instance_updates(updates: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(updates, dict) or not updates:
        raise fail("updates", "must be a non-empty mapping of field names to values")
    row: dict[str, Any] = {}
    for name, value in updates.items():
        if name == "status":
            raise fail("status", "changes go through update_instance_status, which checks the move")
        if name == "id":
            raise fail("id", "cannot be changed")
        if name not in UPDATABLE_INSTANCE_FIELDS:
            raise fail(name, "is not a field of an instance")
        if name == "type":
            row[name] = one_of(name, value, INSTANCE_TYPES)
        elif name in INSTANCE_TEXT_FIELDS:
            row[name] = text(name, value, required=True)
        elif name == "base_branch":
            row[name] = text(name, value, required=False)
        elif name == "pr_url":
            row[name] = url(name, value)
        elif name == "system_prompt":
            row[name] = text(name, value, required=False, limit=MAX_DOCUMENT)
        elif name == "parent_instance_id":
            row[name] = None if value is None else identifier(name, value)
        elif name in ("created_at", "last_activity"):
            if value is None:
                raise fail(name, "is required")
            row[name] = timestamp(name, value)
        elif name == "terminated_at":
            row[name] = timestamp(name, value)
        elif name == "agent_number":
            row[name] = integer(name, value, required=True)
        else:
            row[name] = integer(name, value)
    return row


EVENT_COLUMNS = (
    "instance_id",
    "tool_name",
    "success",
    "error_message",
    "metadata",
    "git_commit_hash",
    "status_change",
    "is_status_updating",
    "timestamp",
)


def event_row(record: MCPEventRecord, *, now: int) -> tuple[Any, ...]:
    """The event as a tuple in EVENT_COLUMNS order, ready for executemany."""
    if not isinstance(record, MCPEventRecord):
        raise fail("event", f"must be an MCPEventRecord, got {type(record).__name__}")
    status_change = record.status_change
    if status_change is not None:
        one_of("status_change", status_change, INSTANCE_STATUSES)
    return (
        identifier("instance_id", record.instance_id),
        text("tool_name", record.tool_name, required=True, limit=MAX_ID),
        boolean("success", record.success),
        text("error_message", record.error_message, required=False, limit=MAX_MESSAGE),
        json_text("metadata", record.metadata),
        text("git_commit_hash", record.git_commit_hash, required=False, limit=MAX_ID),
        status_change,
        boolean("is_status_updating", record.is_status_updating),
        timestamp("timestamp", record.timestamp, default=now),
    )


def relationship_row(record: RelationshipRecord, *, now: int) -> dict[str, Any]:
    if not isinstance(record, RelationshipRecord):
        raise fail("relationship", f"must be a RelationshipRecord, got {type(record).__name__}")
    parent = identifier("parent_instance", record.parent_instance)
    child = identifier("child_instance", record.child_instance)
    if parent == child:
        raise fail("child_instance", "an instance cannot be its own child")
    return {
        "parent_instance": parent,
        "child_instance": child,
        "relationship_type": one_of(
            "relationship_type", record.relationship_type, RELATIONSHIP_TYPES
        ),
        "review_iteration": integer("review_iteration", record.review_iteration, required=True),
        "created_at": timestamp("created_at", record.created_at, default=now),
        "metadata": json_text("metadata", record.metadata),
    }


def relationship_updates(updates: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(updates, dict) or not updates:
        raise fail("updates", "must be a non-empty mapping of field names to values")
    row: dict[str, Any] = {}
    for name, value in updates.items():
        if name == "relationship_type":
            row[name] = one_of(name, value, RELATIONSHIP_TYPES)
        elif name == "review_iteration":
            row[name] = integer(name, value, required=True)
        elif name == "metadata":
            row[name] = json_text(name, value)
        elif name == "created_at":
            row[name] = timestamp(name, value)
            if row[name] is None:
                raise fail(name, "is required")
        elif name in ("parent_instance", "child_instance"):
            row[name] = identifier(name, value)
        else:
            raise fail(name, "is not a field of a relationship that can be updated")
    return row


ISSUE_COLUMNS = (
    "number",
    "title",
    "body",
    "state",
    "assignee",
    "labels",
    "created_at",
    "updated_at",
    "synced_at",
    "repo_owner",
    "repo_name",
)


def issue_row(record: GitHubIssueRecord, *, now: int) -> tuple[Any, ...]:
    if not isinstance(record, GitHubIssueRecord):
        raise fail("issue", f"must be a GitHubIssueRecord, got {type(record).__name__}")
    labels = record.labels
    if labels is not None and not isinstance(labels, str | list | tuple):
        raise fail("labels", f"must be a JSON array, got {type(labels).__name__}")
    labels_text = json_text("labels", list(labels) if isinstance(labels, tuple) else labels)
    if labels_text is not None and not isinstance(json.loads(labels_text), list):
        raise fail("labels", "must be a JSON array")
    created = timestamp("created_at", record.created_at)
    updated = timestamp("updated_at", record.updated_at)
    if created is None:
        raise fail("created_at", "is required")
    if updated is None:
        raise fail("updated_at", "is required")
    return (
        integer("number", record.number, required=True),
        text("title", record.title, required=True, limit=MAX_NAME),
        text("body", record.body, required=False, limit=MAX_DOCUMENT),
        text("state", record.state, required=True, limit=MAX_ID),
        text("assignee", record.assignee, required=False, limit=MAX_ID),
        labels_text,
        created,
        updated,
        timestamp("synced_at", record.synced_at, default=now),
        text("repo_owner", record.repo_owner, required=True, limit=MAX_ID),
        text("repo_name", record.repo_name, required=True, limit=MAX_ID),
    )


# --- bulk fast paths ---------------------------------------------------------------------------
#
# `event_row` and `issue_row` above are the reference: they define what is valid and every error
# message. The fast paths below accept a record only when it is plainly valid (exact types, values
# already checked, JSON scanned by the C scanner json.loads itself runs) and give the reference
# everything else, so a valid record yields the same row and an invalid one the same error, raised
# for the same record in the same order. Strings that passed a check are remembered (bounded sets):
# a batch repeats a few instance ids, tool names, states and label sets thousands of times.

_SCAN = json.JSONDecoder().scan_once  # json.loads = whitespace regex + this scanner + regex
_MEMO_LIMIT = 4096
_MEMO_MAX_TEXT = 256
_good_ids: set[str] = set()  # passed identifier()
_good_names: set[str] = set()  # passed text(required=True, limit=MAX_ID)
_good_labels: set[str] = set()  # JSON text of an array, within MAX_DOCUMENT
_MAX_EPOCH = MAX_EPOCH + 1


def _remember(memo: set[str], value: str) -> None:
    if len(value) <= _MEMO_MAX_TEXT:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo.add(value)


def _is_identifier(value: Any) -> bool:
    """identifier() would accept it (str values only; never raises)."""
    if type(value) is not str:
        return False
    if value in _good_ids:
        return True
    try:
        identifier("id", value)
    except DatabaseError:
        return False
    _remember(_good_ids, value)
    return True


def _is_name(value: Any) -> bool:
    """text(required=True, limit=MAX_ID) would accept it (never raises)."""
    if type(value) is not str:
        return False
    if value in _good_names:
        return True
    if len(value) > MAX_ID or not value or value.isspace() or "\x00" in value:
        return False  # not value.strip() <=> empty or all whitespace
    _remember(_good_names, value)
    return True


def _epoch_of(value: Any, default: int | None) -> int | None:
    """timestamp() for the plain cases; raises _NotPlain for the reference to handle."""
    if value is None:
        return default
    kind = type(value)
    if kind is datetime:
        if value.tzinfo is None:
            return to_epoch(value)
        return int(value.timestamp())
    if kind is int and 0 <= value < _MAX_EPOCH:
        return value
    raise _NotPlain


_epochs: dict[datetime, int] = {}


def _cached_epoch_of(value: Any, default: int | None) -> int | None:
    """_epoch_of with a cache for UTC datetimes: a re-sync sends the same issue dates again.

    `datetime.timestamp()` costs about 1 µs (a timedelta and a float each call); the lookup about
    0.15 µs. Only tzinfo=UTC keys: equal UTC datetimes are the same instant (with a DST zone a
    fold=1 time equals its fold=0 twin, a different instant).
    """
    if type(value) is datetime and value.tzinfo is UTC:
        found = _epochs.get(value)
        if found is None:
            if len(_epochs) >= _MEMO_LIMIT:
                _epochs.clear()
            found = _epochs[value] = int(value.timestamp())
        return found
    return _epoch_of(value, default)


class _NotPlain(Exception):
    """A value the fast path leaves to the reference validator."""


def _in_batch(error: DatabaseError, index: int, total: int, noun: str) -> DatabaseError:
    if total <= 1:
        return error
    return DatabaseError(
        error.code, f"{error.message} ({noun}[{index}] of {total:,})", field=error.field
    )


def _flag(value: Any) -> int:
    if value is True:
        return 1
    if value is False:
        return 0
    raise _NotPlain


def _event_fast(record: MCPEventRecord, now: int) -> tuple[Any, ...]:
    """event_row for a plainly valid record; raises _NotPlain (or anything) otherwise."""
    status_change = record.status_change
    if status_change is not None and status_change not in INSTANCE_STATUSES:
        raise _NotPlain
    instance_id = record.instance_id
    tool_name = record.tool_name
    if not (
        ((type(instance_id) is str and instance_id in _good_ids) or _is_identifier(instance_id))
        and ((type(tool_name) is str and tool_name in _good_names) or _is_name(tool_name))
    ):
        raise _NotPlain
    message = record.error_message
    if message is not None and not (
        type(message) is str and len(message) <= MAX_MESSAGE and "\x00" not in message
    ):
        raise _NotPlain
    metadata = record.metadata
    if metadata is not None:
        if type(metadata) is str:
            if len(metadata) > MAX_DOCUMENT or _SCAN(metadata, 0)[1] != len(metadata):
                raise _NotPlain  # (the scanner raises StopIteration/ValueError for bad JSON)
        else:
            metadata = _JSON_ENCODER.encode(metadata)
            if len(metadata) > MAX_DOCUMENT:
                raise _NotPlain
    commit = record.git_commit_hash
    if commit is not None and not (
        type(commit) is str and len(commit) <= MAX_ID and "\x00" not in commit
    ):
        raise _NotPlain
    success, updating, moment = record.success, record.is_status_updating, record.timestamp
    if type(moment) is datetime and moment.tzinfo is not None:
        moment = int(moment.timestamp())
    else:
        moment = _epoch_of(moment, now)
    return (
        instance_id,
        tool_name,
        1 if success is True else _flag(success),
        message,
        metadata,
        commit,
        status_change,
        0 if updating is False else _flag(updating),
        moment,
    )


def event_rows(records: Iterable[MCPEventRecord], *, now: int) -> list[tuple[Any, ...]]:
    """[event_row(r) for r in records], faster; a batch's error names the event by index."""
    records = records if isinstance(records, list | tuple) else list(records)
    return _rows_one_by_one(records, MCPEventRecord, _event_fast, event_row, now, "events")


def _rows_one_by_one(
    records: list | tuple,
    kind: type,
    fast: Callable[[Any, int], tuple[Any, ...]],
    reference: Callable[..., tuple[Any, ...]],
    now: int,
    noun: str,
) -> list[tuple[Any, ...]]:
    """Each record through `fast` when it is exactly `kind` and plainly valid, else through the
    `reference` validator, whose error then names the record by its index in the batch."""
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for index, record in enumerate(records):
        if type(record) is kind:
            try:
                append(fast(record, now))
                continue
            except Exception:
                pass
        try:
            append(reference(record, now=now))
        except DatabaseError as error:
            raise _in_batch(error, index, len(records), noun) from None
    return rows


def _labels_fast(labels: Any) -> str | None:
    if labels is None:
        return None
    kind = type(labels)
    if kind is str:
        if labels in _good_labels:
            return labels
        if len(labels) > MAX_DOCUMENT:
            raise _NotPlain
        parsed, end = _SCAN(labels, 0)
        if end != len(labels) or type(parsed) is not list:
            raise _NotPlain
        _remember(_good_labels, labels)
        return labels
    if kind is list or kind is tuple:
        encoded = _JSON_ENCODER.encode(list(labels) if kind is tuple else labels)
        if len(encoded) > MAX_DOCUMENT:  # a list always encodes to a JSON array
            raise _NotPlain
        return encoded
    raise _NotPlain


def _issue_fast(record: GitHubIssueRecord, now: int) -> tuple[Any, ...]:
    """issue_row for a plainly valid record; raises _NotPlain (or anything) otherwise."""
    number, title, body = record.number, record.title, record.body
    if not (type(number) is int and 1 <= number <= MAX_INT):
        raise _NotPlain
    if not (
        type(title) is str
        and title
        and len(title) <= MAX_NAME
        and not title.isspace()
        and "\x00" not in title
    ):
        raise _NotPlain
    if body is not None and not (
        type(body) is str and len(body) <= MAX_DOCUMENT and "\x00" not in body
    ):
        raise _NotPlain
    state, owner, repo, assignee = (
        record.state,
        record.repo_owner,
        record.repo_name,
        record.assignee,
    )
    names = _good_names  # the memo checks inlined: this runs 10,000 times a sync
    if not (
        ((type(state) is str and state in names) or _is_name(state))
        and ((type(owner) is str and owner in names) or _is_name(owner))
        and ((type(repo) is str and repo in names) or _is_name(repo))
    ):
        raise _NotPlain
    if assignee is not None and not (
        type(assignee) is str and len(assignee) <= MAX_ID and "\x00" not in assignee
    ):
        raise _NotPlain
    labels = record.labels
    if not (labels is None or (type(labels) is str and labels in _good_labels)):
        labels = _labels_fast(labels)
    epochs = _epochs
    moment = record.created_at
    created = epochs.get(moment) if type(moment) is datetime and moment.tzinfo is UTC else None
    if created is None:
        created = _cached_epoch_of(moment, None)
    moment = record.updated_at
    updated = epochs.get(moment) if type(moment) is datetime and moment.tzinfo is UTC else None
    if updated is None:
        updated = _cached_epoch_of(moment, None)
    if created is None or updated is None:
        raise _NotPlain
    moment = record.synced_at
    synced = epochs.get(moment) if type(moment) is datetime and moment.tzinfo is UTC else None
    return (
        number,
        title,
        body,
        state,
        assignee,
        labels,
        created,
        updated,
        _cached_epoch_of(moment, now) if synced is None else synced,
        owner,
        repo,
    )


def issue_rows(records: Iterable[GitHubIssueRecord], *, now: int) -> list[tuple[Any, ...]]:
    """[issue_row(r) for r in records], faster; a batch's error names the issue by index."""
    records = records if isinstance(records, list | tuple) else list(records)
    if len(records) >= _COLUMNS_FROM:
        params = issue_params_by_column(records, now=now)
        if params is not None:
            return list(zip(*[iter(params)] * _ISSUE_WIDTH, strict=True))
    return _rows_one_by_one(records, GitHubIssueRecord, _issue_fast, issue_row, now, "issues")


def issue_params(records: Iterable[GitHubIssueRecord], *, now: int) -> tuple[int, list[Any]]:
    """issue_rows flattened for multi-row statements: (count, params), row i being
    params[i * 11 : i * 11 + 11]. Same checks, same errors."""
    records = records if isinstance(records, list | tuple) else list(records)
    if len(records) >= _COLUMNS_FROM:
        params = issue_params_by_column(records, now=now)
        if params is not None:
            return len(records), params
    return len(records), list(
        chain.from_iterable(
            _rows_one_by_one(records, GitHubIssueRecord, _issue_fast, issue_row, now, "issues")
        )
    )


# --- issues, a column at a time ------------------------------------------------------------------
#
# A batch is read with one C call (attrgetter of all 11 fields, chained into one flat list) and
# checked a field at a time over all its issues, with builtins that loop in C: `map(type, ...)`
# counted for the types, `max(map(len, ...))` for lengths, `all(map(str.strip, ...))` for "not
# empty or blank", `any(map(contains, ..., repeat(NUL)))` for NUL, `min`/`max` for ranges, and a
# set of the distinct values for the fields that repeat a few (state, owner, repo, assignee, label
# texts), each checked once and remembered. Every check accepts exactly what the row fast path
# above accepts, or less. When one fails, `issue_params_by_column` returns None and the caller
# validates issue by issue, which raises the reference's error for the first bad issue, named by
# index: the column pass only ever says "all of these are plainly valid", never which one is not.

_COLUMNS_FROM = 16  # fewer issues go one by one: 8 took 22 µs so, 28 µs by column; 16: 41, 37
_ISSUE_WIDTH = len(ISSUE_COLUMNS)
_ISSUE_FIELDS = attrgetter(*ISSUE_COLUMNS)
_NONE_TYPE = type(None)
_NUL = "\x00"
_DISTINCT_LOOP = 32  # distinct values checked one by one (remembered) up to this many
_TZINFO = attrgetter("tzinfo")
_MICROSECOND = attrgetter("microsecond")
_DAYS = attrgetter("days")
_SECONDS = attrgetter("seconds")
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _all_str(types: list[type], *, optional: bool) -> bool:
    """Every value is exactly a str (a subclass could change strip/len), or None if optional."""
    found = types.count(str)
    return found == len(types) or (optional and found + types.count(_NONE_TYPE) == len(types))


def _texts_ok(column: list[Any], types: list[type], *, required: bool, limit: int) -> bool:
    """Every value passes text(field, value, required=required, limit=limit)."""
    if not _all_str(types, optional=not required):
        return False
    values = column if required else list(filter(None, column))  # drops None (and "": valid)
    if not values:
        return True
    return (
        max(map(len, values)) <= limit
        and not any(map(contains, values, repeat(_NUL)))
        and (not required or all(map(str.strip, values)))  # the reference's `not value.strip()`
    )


def _names_ok(column: list[Any], types: list[type], *, required: bool) -> bool:
    """Every value passes text(field, value, required=required, limit=MAX_ID)."""
    if not _all_str(types, optional=not required):  # before the set: a str subclass could hide
        return False  # in it behind an equal str
    distinct = set(column)
    distinct.discard(None)
    if len(distinct) > _DISTINCT_LOOP:
        return _texts_ok(column, types, required=required, limit=MAX_ID)
    if required:
        names = _good_names
        return all(value in names or _is_name(value) for value in distinct)
    return all(len(value) <= MAX_ID and _NUL not in value for value in distinct)


def _labels_column(column: list[Any], types: list[type]) -> list[Any] | None:
    """The labels column as stored (JSON text or None), or None when any value is not plain."""
    count = len(column)
    texts = types.count(str) + types.count(_NONE_TYPE)
    if texts == count:
        distinct = set(column)
        distinct.discard(None)
        good = _good_labels
        for value in distinct:
            if value not in good:
                _labels_fast(value)  # raises for anything the reference must judge
        return column
    if texts + types.count(list) + types.count(tuple) == count:
        return list(map(_labels_fast, column))  # encodes lists and tuples, checks texts
    return None


def _epoch_column(column: list[Any], types: list[type], *, default: int | None) -> list[int] | None:
    """The column as epoch seconds, as timestamp() gives them; None when any value is not plain."""
    count = len(column)
    if types.count(datetime) == count:
        first = column[0]
        if first.tzinfo is UTC and column.count(first) == count:
            # One instant for the whole batch (a sync stamps every issue alike). Each value is an
            # exact datetime equal to an aware UTC one, so aware, at the same instant (== between
            # zones is False where the offset depends on fold), and timestamp() is the same.
            return [int(first.timestamp())] * count
        zones = list(map(_TZINFO, column))
        if all(map(is_, zones, repeat(UTC))) and not any(map(_MICROSECOND, column)):
            # UTC, whole seconds: (d - epoch).days * 86400 + .seconds is exactly
            # int(d.timestamp()), without its float and big-int microseconds.
            deltas = list(map(sub, column, repeat(_UNIX_EPOCH)))
            return list(
                map(add, map(mul, map(_DAYS, deltas), repeat(86_400)), map(_SECONDS, deltas))
            )
        if not any(map(is_, zones, repeat(None))):
            return list(map(int, map(datetime.timestamp, column)))  # what to_epoch does, aware
    elif types.count(int) == count:
        if min(column) >= 0 and max(column) < _MAX_EPOCH:
            return column
        return None
    elif types.count(_NONE_TYPE) == count:
        return None if default is None else [default] * count
    if default is None and _NONE_TYPE in types:
        return None
    return [_epoch_of(value, default) for value in column]  # raises _NotPlain when not plain


def issue_params_by_column(records: list | tuple, *, now: int) -> list[Any] | None:
    """issue_params' flat list when every issue is plainly valid, checked a field at a time;
    None otherwise, and the caller then validates issue by issue (exact error, by index)."""
    try:
        count = len(records)
        if list(map(type, records)).count(GitHubIssueRecord) != count:
            return None
        params = list(chain.from_iterable(map(_ISSUE_FIELDS, records)))
        types = list(map(type, params))  # one pass; each field's types are a slice of it
        w = _ISSUE_WIDTH
        number = params[0::w]
        if not (
            types[0::w].count(int) == count
            and min(number) >= 1
            and max(number) <= MAX_INT
            and _texts_ok(params[1::w], types[1::w], required=True, limit=MAX_NAME)
            and _texts_ok(params[2::w], types[2::w], required=False, limit=MAX_DOCUMENT)
            and _names_ok(params[3::w], types[3::w], required=True)
            and _names_ok(params[4::w], types[4::w], required=False)
            and _names_ok(params[9::w], types[9::w], required=True)
            and _names_ok(params[10::w], types[10::w], required=True)
        ):
            return None
        converted = (
            _labels_column(params[5::w], types[5::w]),
            _epoch_column(params[6::w], types[6::w], default=None),
            _epoch_column(params[7::w], types[7::w], default=None),
            _epoch_column(params[8::w], types[8::w], default=now),
        )
        # A StopIteration raised inside map() (the JSON scanner raises it for bad text; a tzinfo
        # or a dict subclass could too) ends the map early instead of propagating: the list comes
        # out short. Every converted column is a whole column, or the per-issue path decides.
        if any(column is None or len(column) != count for column in converted):
            return None
        for position, column in enumerate(converted, start=5):
            params[position::w] = column
    except Exception:  # _NotPlain, or anything odd: the per-issue path decides
        return None
    return params


def instance_filter(flt: InstanceFilter | None) -> InstanceFilter:
    flt = flt or InstanceFilter()
    if not isinstance(flt, InstanceFilter):
        raise fail("filter", f"must be an InstanceFilter, got {type(flt).__name__}")
    for name, choices in (("types", INSTANCE_TYPES), ("statuses", INSTANCE_STATUSES)):
        values = getattr(flt, name)
        if values is not None:
            if isinstance(values, str) or not isinstance(values, list | tuple | set | frozenset):
                raise fail(name, "must be a list")
            for value in values:
                one_of(name, value, choices)
    integer("issue_number", flt.issue_number)
    if flt.parent_instance is not None:
        identifier("parent_instance", flt.parent_instance)
    integer("limit", flt.limit)
    integer("offset", flt.offset, minimum=0)
    one_of("order_by", flt.order_by, ORDER_FIELDS)
    if not isinstance(flt.order_direction, str) or flt.order_direction.upper() not in (
        "ASC",
        "DESC",
    ):
        raise fail("order_direction", f"{flt.order_direction!r} is not ASC or DESC")
    return flt


def config_key(key: Any) -> str:
    value = text("key", key, required=True, limit=MAX_ID)
    assert value is not None
    return value


def config_value(value: Any) -> str:
    checked = text("value", value, required=False, limit=MAX_DOCUMENT)
    if checked is None:
        raise fail("value", "is required (use delete_config to remove a key)")
    return checked
