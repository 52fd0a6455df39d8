"""A harmless stand-in for a Claude process: looks like Claude Code at work, and sleeps.

Run in a tmux session by the demo (`python -m demo.fake_agent NAME --owner PID [--db PATH]`), so the
dashboard's kill key has a real process to kill and its preview (`v`) shows something that reads
like a real agent: the welcome box, the task, tool calls as `● Read(path)` with a `└` result, a
spinner line and the input box at the bottom. With `--db` it reads its instance's status (stdlib
sqlite3, read-only, every 2 s) and shows when it waits for review or has finished. It exits by
itself when its owner (the demo) is gone, so even a demo killed with SIGKILL leaves no agent behind.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import time

from agents.process import ProcessIdentity

from .vocab import ToolCall, pick_tool, tool_call

DIM, BOLD, RESET = "\033[2m", "\033[1m", "\033[0m"
GREEN, RED, ORANGE, GREY = "\033[32m", "\033[31m", "\033[38;5;173m", "\033[38;5;246m"
SPINNER = "·✢✳✶✻✽"
VERBS = ("Thinking", "Pondering", "Reticulating", "Working", "Cogitating", "Brewing")
THOUGHTS = (
    "Let me look at how the scheduler orders its tasks first.",
    "The failing test expects retries to stop after five attempts; I'll cap the loop.",
    "I'll run the tests again to make sure nothing else broke.",
    "That search found the call site; now the edit.",
    "The rate limiter belongs in its own module, as the review asked.",
    "Checking the worktree cleanup before I commit.",
)
TASKS = {
    "coding": "Work on the issue in this worktree; open a PR when the tests pass.",
    "review": "Review the pull request for this branch and post your comments.",
    "planning": "Split the issue into tasks and write the plan.",
}


def call_lines(call: ToolCall) -> list[str]:
    """A tool call as Claude Code prints it: `● Tool(argument)` then `  └  result`."""
    meta = call.metadata
    tool = call.tool
    if tool == "read_file":
        head, result = (
            f"Read({meta.get('path')})",
            f"Read {meta.get('duration_ms', 0) // 3 + 12} lines",
        )
    elif tool == "edit_file":
        changed = meta.get("lines_changed", 1)
        head = f"Update({meta.get('path')})"
        result = f"Updated {meta.get('path')} with {changed} additions and {changed // 3} removals"
    elif tool == "search_code":
        head = f'Search(pattern: "{meta.get("query")}")'
        result = f"Found {meta.get('matches', 0)} files"
    elif tool == "run_tests":
        head = "Bash(npm test)"
        result = f"{meta.get('passed', 0)} passed, {meta.get('failed', 0)} failed"
    elif tool == "run_command":
        head, result = f"Bash({meta.get('command')})", "Done"
    elif tool == "git_commit":
        head = f'Bash(git commit -m "{meta.get("message")}")'
        result = f"[{(call.git_commit_hash or '')[:7]}] {meta.get('message')}"
    elif tool == "git_status":
        head, result = "Bash(git status --short)", "M src/orchestrator/scheduler.ts"
    else:
        head, result = f"codex - {tool} (MCP)", "ok"
    mark = f"{GREEN}●{RESET}" if call.success else f"{RED}●{RESET}"
    name, _, rest = head.partition("(")
    lines = [f"{mark} {BOLD}{name}{RESET}" + (f"({rest}" if rest else "")]
    if call.error_message:
        lines.append(f"  {GREY}└{RESET}  {RED}Error: {call.error_message}{RESET}")
    else:
        lines.append(f"  {GREY}└{RESET}  {DIM}{result}{RESET}")
    return lines


class Screen:
    """The transcript scrolls; the spinner and the input box stay at the bottom, redrawn."""

    FOOTER = 4  # lines above the hint line: spinner, box top, box middle, box bottom

    def __init__(self, out=sys.stdout, frozen_at: int | None = None) -> None:
        self.out = out
        self.footer_drawn = False
        self.started = time.monotonic()
        self.tokens = 0
        self.frozen_at = frozen_at  # seconds shown by the spinner in a still picture

    def width(self) -> int:
        return max(40, min(shutil.get_terminal_size((100, 30)).columns, 120))

    def banner(self, name: str, kind: str) -> None:
        inner = self.width() - 4
        rows = (
            f"{ORANGE}✻{RESET} Welcome to {BOLD}Claude Code{RESET}!  {DIM}(demo agent {name}){RESET}",
            f"  {DIM}/help for help, /status for your current setup{RESET}",
            f"  {DIM}cwd: /work/worktrees/{name}{RESET}",
        )
        self.out.write(f"{ORANGE}╭{'─' * (inner + 2)}╮{RESET}\n")
        for row in rows:
            visible = len(_strip(row))
            self.out.write(
                f"{ORANGE}│{RESET} {row}{' ' * max(0, inner - visible)} {ORANGE}│{RESET}\n"
            )
        self.out.write(f"{ORANGE}╰{'─' * (inner + 2)}╯{RESET}\n\n")
        self.out.write(f"{GREY}>{RESET} {TASKS.get(kind, TASKS['coding'])}\n\n")
        self.out.flush()

    def _footer(self, state: str) -> str:
        inner = self.width() - 4
        elapsed = (
            self.frozen_at if self.frozen_at is not None else int(time.monotonic() - self.started)
        )
        if state == "working":
            glyph = SPINNER[elapsed % len(SPINNER)]
            verb = VERBS[(elapsed // 7) % len(VERBS)]
            status = (
                f"{ORANGE}{glyph} {verb}…{RESET} {DIM}({elapsed}s · ↑ {self.tokens / 1000:.1f}k "
                f"tokens · esc to interrupt){RESET}"
            )
        elif state == "waiting_review":
            status = f"{ORANGE}⏸ Waiting for review{RESET} {DIM}(a reviewer agent was asked){RESET}"
        else:
            status = f"{DIM}Session finished ({state}).{RESET}"
        return (
            f"{status}\n"
            f"{GREY}╭{'─' * (inner + 2)}╮{RESET}\n"
            f"{GREY}│{RESET} > {' ' * (inner - 2)} {GREY}│{RESET}\n"
            f"{GREY}╰{'─' * (inner + 2)}╯{RESET}\n"
            f"  {DIM}? for shortcuts{RESET}"
        )

    def _clear_footer(self) -> str:
        return f"\r\033[{self.FOOTER}A\033[J" if self.footer_drawn else ""

    def show(self, lines: list[str], state: str) -> None:
        """Print transcript lines above the footer, then the footer again."""
        text = self._clear_footer() + "".join(line + "\n" for line in lines) + self._footer(state)
        self.out.write(text)
        self.out.flush()
        self.footer_drawn = True


def _strip(text: str) -> str:
    import re

    return re.sub(r"\033\[[0-9;]*m", "", text)


class StatusReader:
    """The instance's status from the demo database, read-only, at most every 2 s."""

    def __init__(self, path: str | None, instance_id: str) -> None:
        self.path, self.instance_id = path, instance_id
        self.status = "started"
        self._read_at = -1e9

    def current(self) -> str:
        if self.path is None or time.monotonic() - self._read_at < 2.0:
            return self.status
        self._read_at = time.monotonic()
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=0.5)
            try:
                row = con.execute(
                    "SELECT status FROM instances WHERE id = ?", (self.instance_id,)
                ).fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            return self.status
        if row:
            self.status = row[0]
        return self.status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.fake_agent", description=__doc__)
    parser.add_argument("name", help="the instance id this process pretends to be")
    parser.add_argument("--owner", type=int, default=None, help="exit when this pid is gone")
    parser.add_argument("--type", default="coding", choices=("coding", "review", "planning"))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--db", default=None, help="the demo database, to show its status")
    parser.add_argument(
        "--still",
        action="store_true",
        help="print a few seeded tool calls and stay still (snapshots and screenshots)",
    )
    args = parser.parse_args(argv)
    if args.still:
        return still(args.name, args.type, random.Random(args.seed or 1))
    owner = ProcessIdentity.of(args.owner) if args.owner else None
    if args.owner and owner is None:
        return 0  # the demo that started us is already gone
    rng = random.Random(args.seed)
    screen = Screen()
    status = StatusReader(args.db, args.name)
    screen.banner(args.name, args.type)
    next_call = time.monotonic() + rng.uniform(0.5, 2.0)
    shown_state = ""
    try:
        while owner is None or owner.is_running():
            state = status.current()
            state = "working" if state in ("started", "pr_created") else state
            lines: list[str] = []
            if state != shown_state and state == "waiting_review":
                lines = [f"{GREEN}●{RESET} Requested a review; I'll wait for the reviewer.", ""]
            if state == "working" and time.monotonic() >= next_call:
                if rng.random() < 0.25:
                    lines.append(f"{BOLD}●{RESET} {rng.choice(THOUGHTS)}")
                    lines.append("")
                lines += call_lines(tool_call(rng, pick_tool(rng, args.type)))
                lines.append("")
                screen.tokens += rng.randint(200, 1800)
                next_call = time.monotonic() + (
                    rng.uniform(0.3, 0.8) if rng.random() < 0.3 else rng.uniform(1.5, 4.0)
                )
            if lines or state == "working" or state != shown_state:
                screen.show(lines, state)  # the spinner ticks once a second while working
            shown_state = state
            time.sleep(1.0 if state == "working" else 2.0)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    return 0


def still(name: str, kind: str, rng: random.Random) -> int:
    """The same look with nothing that moves: for pictures that must come out the same."""
    screen = Screen(frozen_at=42)
    screen.banner(name, kind)
    lines = [f"{BOLD}●{RESET} {rng.choice(THOUGHTS)}", ""]
    for _ in range(4):
        lines += [*call_lines(tool_call(rng, pick_tool(rng, kind))), ""]
    screen.tokens = 3100
    screen.show(lines, "working")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
