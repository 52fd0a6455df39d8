"""Helpers and fixtures for the demo tests: a private tmux socket, store dumps, waiting."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psutil
import pytest
from testkit import wait_for  # noqa: F401 - the demo tests import it from here

from agents import tmux
from store import Database, DatabaseConfig, InstanceFilter, initialize_database

NOW = datetime(2025, 6, 2, 14, 30, tzinfo=UTC)
needs_tmux = pytest.mark.skipif(not tmux.tmux_available(), reason="tmux is not installed")


@pytest.fixture
def demo_socket() -> Iterator[str]:
    name = f"codex-test-demo-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        if tmux.tmux_available():
            tmux.kill_server(socket=name)


def open_db(path: str) -> Database:
    return initialize_database(DatabaseConfig(local_file=path))


def dump(path: str) -> dict[str, Any]:
    """Every row the store exposes, in a stable order, for comparisons."""
    with open_db(path) as db:
        instances = db.list_instances(InstanceFilter(order_by="created_at", order_direction="ASC"))
        relationships = {}
        events = {}
        for instance in instances:
            for rel in db.get_relationships(instance.id):
                relationships[rel.id] = rel
            events[instance.id] = db.get_mcp_events(instance.id, limit=10_000)
        issues = [db.get_github_issue(n) for n in range(100, 200)]
        return {
            "instances": instances,
            "relationships": sorted(relationships.values(), key=lambda r: r.id or 0),
            "events": events,
            "issues": [i for i in issues if i is not None],
        }


def exited(pid: int) -> bool:
    """Gone, or a zombie: tmux sometimes reaps a pane's process only at its next SIGCHLD."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
