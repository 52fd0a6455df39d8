"""Run codex-dash or the minimal app until its first frame with data, then exit at once: what
bench.dash_bench runs under callgrind to count start-up's instructions, which, unlike its
milliseconds, do not move with the machine's load.

    python -m bench.first_frame dash DB
    python -m bench.first_frame minimal

Under callgrind everything runs ~50 times slower, so codex-dash's wait for its first load before
importing Textual (tui/cli.py) is lengthened to keep the path of a real start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def exit_at_first_data_frame(has_data: Callable[[Any], bool]) -> None:
    """Once Textual's App is defined, make its frame output end the process when
    `has_data(app)` holds after a frame is written."""
    patched = False

    def hook(event: str, args: tuple[Any, ...]) -> None:
        nonlocal patched
        if patched or event != "import":
            return
        module = sys.modules.get("textual.app")
        if module is None or not hasattr(module, "App"):
            return
        patched = True
        app_class = module.App
        display = app_class._display

        def display_then_exit(self: Any, screen: Any, renderable: Any) -> None:
            display(self, screen, renderable)
            if has_data(self):
                sys.stdout.flush()
                os._exit(0)

        app_class._display = display_then_exit

    sys.addaudithook(hook)


def main(argv: list[str]) -> None:
    if argv[:1] == ["minimal"]:
        import runpy

        exit_at_first_data_frame(lambda app: True)
        runpy.run_module("bench.dash_minimal_app", run_name="__main__")
        return
    if len(argv) != 2 or argv[0] != "dash":
        raise SystemExit(__doc__)
    from tui import cli

    def has_rows(app: Any) -> bool:
        tables = app.query("#instances")
        return bool(tables) and tables.first().row_count > 0

    exit_at_first_data_frame(has_rows)
    cli.PRELOAD_WAIT_SECONDS = 600.0
    sys.exit(cli.main(["--db", argv[1]]))


if __name__ == "__main__":
    main(sys.argv[1:])
