"""bench.dash_bench runs end to end on a tiny database, so it does not rot between benchmark runs.

No timing is asserted: the machine is shared, and the harness prints figures for people to read.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bench import dash_bench
from bench.generate import generate

TINY = dash_bench.Plan(
    instances=50,
    relationships=40,
    events=2000,
    changes=3,
    load_writers=2,
    load_rate=50.0,
    idle_seconds=0.5,
    startups=1,
    key_presses=2,
    store_sizes=None,
    count_instructions=False,
    settle_seconds=0.2,
)


@pytest.mark.timeout(60)
def test_dash_bench_produces_rows(tmp_path: Path) -> None:
    source = tmp_path / "tiny.db"
    generate(source, instances=50, relationships=40, events=2000, seed=1)
    parts = ("live", "tmux") if shutil.which("tmux") else ("live",)
    results = dash_bench.run(str(source), TINY, workdir=str(tmp_path), parts=parts)
    names = [row.name for row in results.rows]
    assert any(name.startswith("change-to-screen, idle") for name in names)
    assert any(name.startswith("change-to-screen, 2 writers") for name in names)
    assert any(name.startswith("key press to frame") for name in names)
    if "tmux" in parts:
        assert any(name.startswith("idle CPU") for name in names)
        assert any(name.startswith("peak RSS") for name in names)
    for row in results.rows:
        assert row.verdict in ("OK", "MISSED", "info")
    table = dash_bench.format_table(results.rows)
    assert table.count("\n") == len(results.rows) + 1
    assert not list(tmp_path.glob("dash-bench-*"))  # the copy is removed


@pytest.mark.timeout(60)
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
@pytest.mark.parametrize("app", ["dash", "minimal"])
def test_first_frame_ends_each_app_at_its_first_data_frame(tmp_path: Path, app: str) -> None:
    """What the start-up instructions row runs under callgrind: a real start in a terminal that
    ends by itself once the frame with data is out (else callgrind would count forever)."""
    source = tmp_path / "tiny.db"
    generate(source, instances=50, relationships=40, events=200, seed=1)
    args = ["dash", str(source)] if app == "dash" else ["minimal"]
    tmux = dash_bench.Tmux()
    try:
        tmux.keep_server()
        pid = tmux.start("first", [sys.executable, "-m", "bench.first_frame", *args])
        assert dash_bench.wait_for_exit(pid, 30)
    finally:
        tmux.kill_server()
