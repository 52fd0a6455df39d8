"""Maintenance subcommands (`backup`, `vacuum`, `prune`, `maintain`) for cron or a systemd timer."""

from __future__ import annotations

from collections.abc import Sequence

COMMANDS = ("backup", "vacuum", "prune", "maintain")


def run_command(args: Sequence[str]) -> int:
    from .cli import fail

    return fail(f"'{args[0]}' is not available yet")
