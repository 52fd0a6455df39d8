"""The bench scripts run end to end on tiny sizes, so they do not rot between benchmark runs.

No timing is asserted: the machine is shared, and bench/ reports ratios for people to read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.generate import generate
from bench.store_bench import Sizes, format_table, machine_info, run_benchmarks

TINY = Sizes(
    single_events=20,
    bulk_events=50,
    issues=50,
    rounds=2,
    reads_per_round=3,
    db_instances=30,
    db_relationships=40,
    db_events=2000,
)


def test_generate_makes_a_plausible_database(tmp_path: Path) -> None:
    path = tmp_path / "gen.db"
    summary = generate(path, instances=30, relationships=40, events=2000, seed=3, now=1_800_000_000)
    assert summary["instances"] == 30
    assert summary["events"] == 2000
    assert summary["relationships"] == 40
    assert summary["size_bytes"] > 0
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM mcp_events").fetchone()[0] == 2000
        types = {row[0] for row in con.execute("SELECT DISTINCT type FROM instances")}
        assert types == {"coding", "review", "planning"}
        kinds = {r[0] for r in con.execute("SELECT relationship_type FROM instance_relationships")}
        assert "spawned_review" in kinds
        assert con.execute("SELECT count(*) FROM mcp_events WHERE success = 0").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM github_issues").fetchone()[0] > 0
        newest = con.execute("SELECT max(timestamp) FROM mcp_events").fetchone()[0]
        assert newest <= 1_800_000_000
    finally:
        con.close()


def test_generate_is_reproducible(tmp_path: Path) -> None:
    dumps = []
    for name in ("a.db", "b.db"):
        generate(
            tmp_path / name, instances=12, relationships=10, events=300, seed=7, now=1_800_000_000
        )
        con = sqlite3.connect(tmp_path / name)
        dumps.append(con.execute("SELECT * FROM mcp_events ORDER BY id").fetchall())
        con.close()
    assert dumps[0] == dumps[1]


def test_store_bench_rows_are_sane(tmp_path: Path) -> None:
    db_path = tmp_path / "read.db"
    generate(db_path, instances=30, relationships=40, events=2000, seed=1)
    rows = run_benchmarks(str(db_path), sizes=TINY, workdir=str(tmp_path))
    # five timed operations; the bulk writes also against pre-built rows; reads also cold
    assert len(rows) == 8
    for row in rows:
        assert row.store_s > 0 and row.raw_s > 0 and row.ratio > 0
        assert row.verdict in ("ok", "MISSED", "info")
    table = format_table(rows)
    assert table.count("\n") == len(rows) + 1
    assert machine_info()["cores"]
    assert not list(tmp_path.glob("scratch-*"))  # write benchmarks clean up after themselves
