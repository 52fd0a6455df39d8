"""Maintenance subcommands (`backup`, `vacuum`, `prune`, `maintain`) for cron or a systemd timer.

Thin on purpose: the work is in `store.maintenance`. Each command prints what it did in a few lines
and exits 0; any failure is one `codex-dash: ...` line naming the file and the reason, exit 2.
Existing files only: a typo in --db must not leave an empty database behind.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable, Sequence

from store import Database, DatabaseError
from store import maintenance as m

from .command_line import (
    CommandError,
    OneLineParser,
    add_db_option,
    fail,
    one_line,
    resolve_config,
)

COMMANDS = ("backup", "vacuum", "prune", "maintain")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="codex-dash", description="codex-dash maintenance commands")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    backup = sub.add_parser("backup", help="a consistent copy, safe while agents write")
    add_db_option(backup)
    backup.add_argument(
        "--to", metavar="PATH", help="a file, or a folder for a timestamped name (default backups/)"
    )
    vacuum = sub.add_parser("vacuum", help="rebuild the file to give back free pages")
    add_db_option(vacuum)
    prune = sub.add_parser("prune", help="delete MCP events older than an age")
    add_db_option(prune)
    prune.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 90m")
    maintain = sub.add_parser("maintain", help="backup, retention, pruning, vacuum when due")
    add_db_option(maintain)
    maintain.add_argument("--backup-dir", metavar="DIR", help="default: backups/ beside the db")
    return parser


def run_command(args: Sequence[str]) -> int:
    path = "the database"
    try:
        options = build_parser().parse_args(list(args))
        config = resolve_config(options.db, read_only=False)
        path = config.path
        handler = HANDLERS[options.command]
        with Database(config) as db:  # create=False: maintenance never makes a database
            for line in handler(db, options):
                print(line)
        return 0
    except CommandError as exc:
        return fail(f"{options_command(args)}: {one_line(str(exc))}")
    except DatabaseError as exc:
        return fail(f"{options_command(args)} {path}: {one_line(exc.message)} [{exc.code}]")
    except (OSError, sqlite3.Error) as exc:
        return fail(f"{options_command(args)} {path}: {one_line(str(exc))}")
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback in a cron mail
        return fail(f"{options_command(args)} {path}: {type(exc).__name__}: {one_line(str(exc))}")


def do_backup(db: Database, options: argparse.Namespace) -> list[str]:
    result = m.backup_to(db, options.to)
    return [
        f"backup: {result.path} ({m.human_size(result.size_bytes)} in {result.seconds:.2f} s, "
        f"integrity {result.integrity})"
    ]


def do_vacuum(db: Database, options: argparse.Namespace) -> list[str]:
    before, after = m.vacuum_recorded(db)
    return [f"vacuum: {db.path} {m.human_size(before)} -> {m.human_size(after)}"]


def do_prune(db: Database, options: argparse.Namespace) -> list[str]:
    age = m.parse_age(options.older_than)
    deleted = m.prune_older_than(db, age)
    return [f"prune: deleted {deleted:,} events older than {options.older_than} from {db.path}"]


def do_maintain(db: Database, options: argparse.Namespace) -> list[str]:
    report = m.maintain(db, db.config.maintenance, folder=options.backup_dir)
    return [f"maintain: {db.path}", *("  " + line for line in report.lines())]


HANDLERS: dict[str, Callable[[Database, argparse.Namespace], list[str]]] = {
    "backup": do_backup,
    "vacuum": do_vacuum,
    "prune": do_prune,
    "maintain": do_maintain,
}


def options_command(args: Sequence[str]) -> str:
    return args[0] if args else "command"


if __name__ == "__main__":
    raise SystemExit(run_command(sys.argv[1:]))
