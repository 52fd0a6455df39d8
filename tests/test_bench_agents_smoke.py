"""bench.agents_bench runs end to end in a small form, so it does not rot between benchmark runs.

No timing is asserted: the machine is shared, and the harness prints figures for people to read.
"""

from __future__ import annotations

import shutil

import pytest

from bench import agents_bench


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.timeout(120)
def test_agents_bench_produces_every_row() -> None:
    results = agents_bench.run(("preview", "idle", "notify"), quick=True, idle_seconds=0.5)
    names = [row.what for row in results.rows]
    assert any(name.startswith("agent output to the preview") for name in names), results.notes
    assert sum("processes started per second" in name for name in names) == 2
    assert any(name.startswith("commit (instance -> waiting_review)") for name in names)
    for row in results.rows:
        if "processes started per second" in row.what:
            assert row.measured.startswith("0.00 /s")  # a count, not a timing: no process spawned
