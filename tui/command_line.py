"""What the command lines share: the dashboard's (tui/cli.py), the maintenance subcommands'
(tui/maintenance_cli.py) and `copy` (tui/copy_cli.py). They take `--db` and resolve it the same
way, and report every failure as one `codex-dash: ...` line with exit code 2, never a traceback
(cron mail wants one line)."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from store import DatabaseConfig

EXIT_USAGE = 2


class CommandError(Exception):
    """A usage error: reported in one line like every other failure."""


class OneLineParser(argparse.ArgumentParser):
    """argparse prints usage plus the error over several lines; cron mail wants one."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(message)


def one_line(text: str) -> str:
    return " ".join(text.split())


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="database file or postgresql:// URL (default: $DATABASE_URL, else ./claude-codex.db)",
    )


def resolve_config(db: str | None, *, read_only: bool) -> DatabaseConfig:
    """The command line's database: --db, else $DATABASE_URL, else ./claude-codex.db. The
    dashboard and maintenance open an existing file only (create=False)."""
    overrides: dict[str, object] = {"read_only": read_only, "create": False}
    config = DatabaseConfig.from_env(**overrides)
    return config.with_target(db) if db else config


def fail(message: str) -> int:
    print(f"codex-dash: {message}", file=sys.stderr)
    return EXIT_USAGE
