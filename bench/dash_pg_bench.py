"""The dashboard on PostgreSQL, beside the same dashboard on the SQLite file, in one run.

    uv run python -m bench.dash_pg_bench [--quick] [--db PATH] [--changes N]

A throwaway primary and a streaming standby are started here (tests/pglab.py), the benchmark
database (1,000 instances, 2,000 relationships, 1,000,000 events; bench.generate) is copied onto
the primary with `store.transfer.copy_database`, and bench.dash_bench's harness measures:

1. another process's commit to the screen through LISTEN/NOTIFY, idle and while 4 writer
   processes log 500 events a second (baseline: the same kind of change source, bare, woken in the
   same process);
2. a commit on the primary to a read-only monitor's screen on the standby (replay, then the
   monitor following pg_last_wal_replay_lsn);
3. idle CPU, start-up to data and RSS of `codex-dash --db postgresql://...` in tmux, and the same
   for `codex-dash --db FILE` on the SQLite copy of the same data, interleaved in the same run:
   the start-up target is a ratio to the file's.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import tempfile
import time

from store import DatabaseConfig, initialize_database
from store.transfer import copy_database as copy_between

from . import dash_bench, store_bench
from .dash_bench import FULL, QUICK, LatencyTargets, Results, Row, in_process, in_tmux

STARTUP_RATIO_TARGET = 1.3


def load_server(source: str, url: str) -> float:
    """Every row of the SQLite benchmark file onto the server; seconds taken."""
    started = time.monotonic()
    src = initialize_database(DatabaseConfig(local_file=source, read_only=True, create=False))
    dst = initialize_database(DatabaseConfig(server_url=url))
    try:
        copy_between(src, dst)
        dst.vacuum()  # VACUUM (ANALYZE): the planner's statistics, as a server's autovacuum would
    finally:
        src.disconnect()
        dst.disconnect()
    return time.monotonic() - started


def wait_for_replay(standby_url: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if dash_bench.instance_ids(standby_url):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def run(source: str, plan: dash_bench.Plan, workdir: str) -> tuple[Results, list[str]]:
    sys.path.insert(0, os.path.join(dash_bench.ROOT, "tests"))
    import pglab

    results, notes = Results(), []
    primary = pglab.start_server()
    standby = None
    file_db = dash_bench.copy_database(source, workdir)
    try:
        name = primary.create_database()
        url = primary.url(name)
        notes.append(f"copied onto the server in {load_server(source, url):.1f} s")
        standby = pglab.start_standby(primary)
        wait_for_replay(standby.url(name))
        asyncio.run(
            in_process(
                url,
                plan,
                results,
                targets=LatencyTargets(0.100, 0.100, "commit-to-screen via NOTIFY", keys=False),
            )
        )
        asyncio.run(
            in_process(
                standby.url(name),
                plan,
                results,
                writer_db=url,
                read_only=True,
                targets=LatencyTargets(0.250, 0.250, "primary commit to standby monitor", False),
            )
        )
        tmux_plan = dataclasses.replace(plan, count_instructions=False)
        on_file = in_tmux(file_db, tmux_plan, results, label="SQLite file")
        on_server = in_tmux(url, tmux_plan, results, label="PostgreSQL")
        if on_file and on_server:
            ratio = on_server / on_file
            results.rows.append(
                Row(
                    "start-up to data on the server / on the file (medians)",
                    f"{ratio:.2f}x",
                    f"file {dash_bench.ms(on_file)}, server {dash_bench.ms(on_server)}",
                    f"<= {STARTUP_RATIO_TARGET}x",
                    ratio <= STARTUP_RATIO_TARGET,
                )
            )
    finally:
        dash_bench.remove_database(file_db)
        if standby is not None:
            standby.stop("immediate")
        pglab.remove(primary)
    return results, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--db", help="SQLite benchmark file to load (default: generated, cached)")
    parser.add_argument("--changes", type=int, help="probe commits per latency row")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.changes:
        plan = dataclasses.replace(plan, changes=args.changes)
    source = dash_bench.source_database(plan, args.db)
    machine = store_bench.machine_info()
    with tempfile.TemporaryDirectory(prefix="dash-pg-bench-") as scratch:
        results, notes = run(source, plan, dash_bench.OUT_DIR if not args.quick else scratch)
    after = store_bench.machine_info()["load average (1, 5, 15 min)"]
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"command: python -m bench.dash_pg_bench {shown}")
    print(f"database: {source} ({os.path.getsize(source) / 1e6:.1f} MB), loaded onto the server")
    print(store_bench.format_machine(machine) + f"\n- load average after: {after}")
    for note in notes + results.notes:
        print(f"- {note}")
    print()
    print(dash_bench.format_table(results.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
