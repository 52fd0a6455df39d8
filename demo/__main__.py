"""`python -m demo`: run a live demo world until Ctrl-C, printing where its database is."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from .session import DemoSession


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--no-agents", action="store_true", help="no tmux agent sessions")
    parser.add_argument("--tmux-socket", default=None, help="tmux -L socket (default server)")
    args = parser.parse_args(argv)
    with DemoSession(
        seed=args.seed, rate=args.rate, live_agents=not args.no_agents, tmux_socket=args.tmux_socket
    ) as demo:
        print(f"demo database: {demo.db_path}")
        for agent in demo.agents:
            print(f"  {agent.instance_id}: pid {agent.pid}, tmux attach -t {agent.session}")
        print("Ctrl-C to stop; everything is removed on exit.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
