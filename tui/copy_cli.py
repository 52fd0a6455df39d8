"""`codex-dash copy SRC DST [--force]`: a whole database between engines (a file or a
postgresql:// URL on either side), with progress; a non-empty target is refused unless --force."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from store import DatabaseConfig, DatabaseError, initialize_database
from store.transfer import copy_database

from .command_line import CommandError, OneLineParser, fail, one_line


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="codex-dash copy", description=__doc__)
    parser.add_argument("source", help="file path, file: URL or postgresql:// URL to copy from")
    parser.add_argument("target", help="where to copy to (created and migrated when needed)")
    parser.add_argument(
        "--force", action="store_true", help="replace the target's contents if it has any"
    )
    return parser


def run_copy(args: Sequence[str]) -> int:
    try:
        options = build_parser().parse_args(list(args))
        source = initialize_database(
            DatabaseConfig.from_env(read_only=True, create=False).with_target(options.source)
        )
        try:
            target = initialize_database(DatabaseConfig.from_env().with_target(options.target))
            try:
                counts = copy_database(
                    source, target, force=options.force, progress=_progress_line()
                )
            finally:
                target.disconnect()
        finally:
            source.disconnect()
    except CommandError as exc:
        return fail(f"copy: {one_line(str(exc))}")
    except DatabaseError as exc:
        return fail(f"copy: {one_line(exc.message)} [{exc.code}]")
    print(file=sys.stderr)
    rows = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"copy: {source.path} -> {target.path}: {rows}")
    return 0


def _progress_line():  # type: ignore[no-untyped-def]
    def report(done: int, total: int) -> None:
        share = 100 if not total else done * 100 // total
        print(f"\rcopy: {done:,} of {total:,} rows ({share}%)", end="", file=sys.stderr)

    return report
