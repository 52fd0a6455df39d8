"""`codex-dash`: the dashboard, and maintenance commands for cron (tui/maintenance_cli.py; what
both command lines share is in tui/command_line.py).

Every failure is one line naming the file and the reason, with exit code 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from store import DatabaseConfig, DatabaseError

from .command_line import add_db_option, fail, resolve_config
from .maintenance_cli import COMMANDS, run_command

PRELOAD_WAIT_SECONDS = 0.25  # a first load slower than this is not waited for


def package_version() -> str:
    # Imported here: importlib.metadata costs ~50 ms of start-up and only --version needs it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codex-dash")
    except PackageNotFoundError:  # running from a checkout without installing
        return "0+unknown"


class VersionAction(argparse.Action):
    """--version that reads the package metadata only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0,
            help="show the version and exit",
        )  # fmt: skip

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"codex-dash {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-dash",
        description="Live terminal dashboard for claude-codex agents (claude-codex.db).",
        epilog="Keys inside the dashboard: press ? for help. Maintenance, for cron or a systemd "
        "timer: codex-dash backup | vacuum | prune | maintain (each with --help).",
    )
    parser.add_argument("--version", action=VersionAction)
    add_db_option(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="open the database read-only (a monitor: no action can change it)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on a demo database in a temporary folder, with simulated agents writing to it",
    )
    parser.add_argument(
        "--backup-dir",
        metavar="DIR",
        help="where `b` writes backups (default: backups/ beside the database)",
    )
    parser.add_argument(
        "--notify-command",
        metavar="CMD",
        help="run CMD through the shell when an agent starts needing you, with "
        "CODEX_DASH_INSTANCE, CODEX_DASH_STATUS and CODEX_DASH_REASON set",
    )
    parser.add_argument(
        "--no-notify",
        action="store_true",
        help="no notifications (toast, bell, desktop, --notify-command); z toggles them",
    )
    parser.add_argument(
        "--stall-minutes",
        type=_positive_minutes,
        default=10.0,
        metavar="N",
        help="a started agent with no event for N minutes needs you (default 10)",
    )
    parser.add_argument(
        "--tmux-socket",
        metavar="NAME",
        help="the agents' tmux server (tmux -L NAME; default: tmux's own)",
    )
    return parser


def _positive_minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: the stall time must be a positive number")
    return value


def app_options(options: argparse.Namespace) -> dict[str, Any]:
    """What the command line asks of the app beyond the database."""
    return {
        "notify": not options.no_notify,
        "notify_command": options.notify_command,
        "stall_minutes": options.stall_minutes,
        "tmux_socket": options.tmux_socket,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        return run_command(args)
    if args and args[0] == "copy":
        from .copy_cli import run_copy

        return run_copy(args[1:])
    options = build_parser().parse_args(args)
    try:
        if options.demo:
            return run_demo(options)
        config = resolve_config(options.db, read_only=options.read_only)
        return run_dashboard(config, backup_dir=options.backup_dir, options=app_options(options))
    except DatabaseError as exc:
        return fail(exc.message)
    except KeyboardInterrupt:
        return 130


def run_dashboard(
    config: DatabaseConfig,
    *,
    backup_dir: str | None = None,
    on_exit: Callable[[], None] | None = None,
    options: Mapping[str, Any] | None = None,
) -> int:
    from . import memory

    memory.pause_collection()  # until the first data is on screen (see tui/memory.py)
    try:
        return _open_and_run(config, backup_dir, on_exit, options or {})
    finally:
        memory.release()


def _open_and_run(
    config: DatabaseConfig,
    backup_dir: str | None,
    on_exit: Callable[[], None] | None,
    options: Mapping[str, Any],
) -> int:
    import concurrent.futures  # the gateway's executor imports it anyway

    from .gateway import DatabaseGateway
    from .model import first_overview

    gateway = DatabaseGateway(config)
    try:
        gateway.open_sync()
    except DatabaseError as exc:
        gateway.close()
        reason = (
            exc.message
            if config.path in exc.message
            else f"cannot open {config.path}: {exc.message}"
        )
        return fail(f"{reason} [{exc.code}]")
    # The first load runs on the database thread and is waited for before Textual is imported
    # (up to PRELOAD_WAIT_SECONDS; a slower one is taken by the app when it comes). Running beside
    # the import it was starved: sqlite releases the GIL for every row, and each time the thread
    # waited for the busy main thread to let it back, so the load (20 ms alone) finished only when
    # the app first waited, after its first frame, which then had no rows.
    preload = gateway.submit(lambda: first_overview(gateway.db, config.clock, backup_dir))
    concurrent.futures.wait([preload], timeout=PRELOAD_WAIT_SECONDS)
    from .app import CodexDashApp

    app = CodexDashApp(gateway, backup_dir=backup_dir, on_exit=on_exit, preload=preload, **options)
    app.run()
    return app.return_code or 0


def run_demo(options: argparse.Namespace) -> int:
    from demo.session import DemoSession

    with DemoSession(tmux_socket=options.tmux_socket) as session:
        config = resolve_config(session.db_path, read_only=options.read_only)
        os.environ.setdefault(
            "CODEX_DASH_KEY_FILE", os.path.join(os.path.dirname(session.db_path), "secret.key")
        )
        return run_dashboard(config, backup_dir=options.backup_dir, options=app_options(options))


if __name__ == "__main__":
    raise SystemExit(main())
