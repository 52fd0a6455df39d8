"""Rows and entities to records: the one place that turns the file's integers back into datetimes.

The row converters are the read paths' hot loops (a timeline of 100 events, the list of 1,000
instances on every dashboard reload), so they avoid what costs most per row in CPython:

- records are made with `object.__new__` and one slot store per field, not the dataclass
  `__init__` with ten keyword arguments (0.55 against 2.3 µs a record on the benchmark machine);
  `tests/store/test_store_convert.py` checks they equal records built the ordinary way;
- JSON text is parsed by the C scanner `json.loads` itself uses, without its two regex passes, and
  falls back to `parse_json` for anything else (surrounding whitespace, malformed text), so the
  result is always exactly `parse_json`'s;
- datetimes and short JSON texts seen before come from small bounded caches: the dashboard reads the
  same rows on every reload. A datetime is immutable and shared; a cached JSON value is returned
  as a copy, and only values a shallow copy fully separates (scalars, flat lists and dicts of
  scalars) are cached at all, so no two records ever share a mutable object.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from .records import GitHubIssueRecord, InstanceRecord, MCPEventRecord, RelationshipRecord
from .timeutil import from_epoch
from .validation import parse_json

_new = object.__new__
_fromtimestamp = datetime.fromtimestamp
_scan = json.JSONDecoder().scan_once  # the scanner json.loads runs (same default decoder options)

CACHE_LIMIT = 8192  # entries per cache; a full cache is emptied and refilled (cheap, bounded)
JSON_CACHE_MAX_TEXT = 256  # characters: only short texts (typical event metadata) are cached
_SCALARS = frozenset({str, int, float, bool, type(None)})
_datetimes: dict[int, datetime] = {}
_json_values: dict[str, tuple[Any, Any]] = {}  # text -> (value, copier or None when immutable)


def clear_caches() -> None:
    """Forget cached datetimes and JSON values (the benchmark's cold runs; tests)."""
    _datetimes.clear()
    _json_values.clear()


def utc(value: int | None) -> datetime | None:
    """`timeutil.from_epoch` with a cache: aware UTC datetimes, equal and immutable."""
    if value is None:
        return None
    found = _datetimes.get(value)
    if found is None:
        if type(value) is not int:  # bools and floats: not cached
            return from_epoch(value)
        if len(_datetimes) >= CACHE_LIMIT:
            _datetimes.clear()
        found = _datetimes[value] = _fromtimestamp(value, UTC)
    return found


def json_value(text: str | None) -> Any:
    """`validation.parse_json`, faster: parsed JSON, or the text itself when it is not JSON."""
    if text is None:
        return None
    cached = _json_values.get(text)
    if cached is not None:
        value, copier = cached
        return value if copier is None else copier(value)
    try:
        value, end = _scan(text, 0)
    except Exception:  # StopIteration, JSONDecodeError, RecursionError, a non-str value...
        return parse_json(text)
    if end != len(text):
        return parse_json(text)  # trailing whitespace or extra data: let json.loads decide
    if len(text) <= JSON_CACHE_MAX_TEXT and type(text) is str:
        _remember_json(text, value)
    return value


def _remember_json(text: str, value: Any) -> None:
    kind = type(value)
    if kind in _SCALARS:
        copier = None
    elif kind is dict and all(type(item) in _SCALARS for item in value.values()):
        copier = dict.copy
    elif kind is list and all(type(item) in _SCALARS for item in value):
        copier = list.copy
    else:
        return  # nested: a shallow copy would share the inner objects, so parse every time
    if len(_json_values) >= CACHE_LIMIT:
        _json_values.clear()
    # the caller gets the parsed object, the cache keeps its own copy
    _json_values[text] = (value if copier is None else copier(value), copier)


def event_from_row(row: tuple[Any, ...]) -> MCPEventRecord:
    """Row order: id, then validation.EVENT_COLUMNS."""
    return events_from_rows((row,))[0]


def events_from_rows(rows: Iterable[tuple[Any, ...]]) -> list[MCPEventRecord]:
    """Rows in `dialects.sqlite.EVENT_SELECT` order to records."""
    new, cls, when, parse, seen = _new, MCPEventRecord, utc, json_value, _datetimes.get
    records = []
    append = records.append
    for row in rows:
        record = new(cls)
        (
            record.id,
            record.instance_id,
            record.tool_name,
            success,
            record.error_message,
            metadata,
            record.git_commit_hash,
            record.status_change,
            updating,
            stamp,
        ) = row
        record.success = bool(success)
        record.metadata = None if metadata is None else parse(metadata)
        record.is_status_updating = bool(updating)
        record.timestamp = seen(stamp) or when(stamp)
        append(record)
    return records


def instances_from_rows(rows: Iterable[tuple[Any, ...]]) -> list[InstanceRecord]:
    """Rows in `dialects.columns.INSTANCE_COLUMNS` order to records."""
    new, cls, when = _new, InstanceRecord, utc
    records = []
    append = records.append
    for row in rows:
        record = new(cls)
        (
            record.id,
            record.type,
            record.status,
            record.worktree_path,
            record.branch_name,
            record.base_branch,
            record.tmux_session,
            record.claude_pid,
            record.issue_number,
            record.pr_number,
            record.pr_url,
            record.parent_instance_id,
            created,
            terminated,
            active,
            record.system_prompt,
            record.agent_number,
        ) = row
        record.created_at = when(created)
        record.terminated_at = None if terminated is None else when(terminated)
        record.last_activity = when(active)
        append(record)
    return records


def instance_from_entity(entity: Any) -> InstanceRecord:
    return InstanceRecord(
        id=entity.id,
        type=entity.type,
        status=entity.status,
        worktree_path=entity.worktree_path,
        branch_name=entity.branch_name,
        base_branch=entity.base_branch,
        tmux_session=entity.tmux_session,
        claude_pid=entity.claude_pid,
        issue_number=entity.issue_number,
        pr_number=entity.pr_number,
        pr_url=entity.pr_url,
        parent_instance_id=entity.parent_instance_id,
        created_at=from_epoch(entity.created_at),
        terminated_at=from_epoch(entity.terminated_at),
        last_activity=from_epoch(entity.last_activity),
        system_prompt=entity.system_prompt,
        agent_number=entity.agent_number,
    )


def relationship_from_entity(entity: Any) -> RelationshipRecord:
    return RelationshipRecord(
        id=entity.id,
        parent_instance=entity.parent_instance,
        child_instance=entity.child_instance,
        relationship_type=entity.relationship_type,
        review_iteration=entity.review_iteration,
        created_at=from_epoch(entity.created_at),
        metadata=parse_json(entity.metadata),
    )


def issue_from_entity(entity: Any) -> GitHubIssueRecord:
    return GitHubIssueRecord(
        number=entity.number,
        title=entity.title,
        body=entity.body,
        state=entity.state,
        assignee=entity.assignee,
        labels=parse_json(entity.labels),
        created_at=from_epoch(entity.created_at),
        updated_at=from_epoch(entity.updated_at),
        synced_at=from_epoch(entity.synced_at),
        repo_owner=entity.repo_owner,
        repo_name=entity.repo_name,
    )
