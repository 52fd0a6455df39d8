"""A harmless stand-in for a Claude process: prints plausible tool calls and sleeps.

Run in a tmux session by the demo (`python -m demo.fake_agent NAME --owner PID`), so the dashboard's
kill key has a real process to kill. It exits by itself when its owner (the demo) is gone, so even
a demo killed with SIGKILL leaves no agent behind for long.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime

from agents.process import ProcessIdentity

from .vocab import pick_tool, tool_call

DIM, GREEN, RED, RESET = "\033[2m", "\033[32m", "\033[31m", "\033[0m"


def line(rng: random.Random, kind: str) -> str:
    event = tool_call(rng, pick_tool(rng, kind))
    meta = event.metadata
    detail = meta.get("path") or meta.get("query") or meta.get("command") or meta.get("message")
    mark = f"{GREEN}●{RESET}" if event.success else f"{RED}✗{RESET}"
    text = f"{DIM}{datetime.now():%H:%M:%S}{RESET} {mark} {event.tool}"
    if detail:
        text += f"  {detail}"
    if event.error_message:
        text += f"  {RED}{event.error_message}{RESET}"
    return text + f"  {DIM}({meta.get('duration_ms', 0)} ms){RESET}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.fake_agent", description=__doc__)
    parser.add_argument("name", help="the instance id this process pretends to be")
    parser.add_argument("--owner", type=int, default=None, help="exit when this pid is gone")
    parser.add_argument("--type", default="coding", choices=("coding", "review", "planning"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    owner = ProcessIdentity.of(args.owner) if args.owner else None
    if args.owner and owner is None:
        return 0  # the demo that started us is already gone
    rng = random.Random(args.seed)
    print(f"claude (demo agent) {args.name}: working; this process is safe to kill", flush=True)
    try:
        while owner is None or owner.is_running():
            print(line(rng, args.type), flush=True)
            pause = rng.uniform(0.2, 0.6) if rng.random() < 0.3 else rng.uniform(1.0, 4.0)
            time.sleep(pause)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
