"""The tmux control-mode line protocol (`tmux -C`), as pure functions over bytes.

A control client writes one line per event: `%output %PANE text` for every write to a pane of its
session (control bytes and backslashes as octal escapes), notifications such as
`%session-changed` or `%exit`, and each command's reply between `%begin` and `%end` (or `%error`).
Parsing lives here, apart from the process handling in `agents.follower`, so it is tested on its own.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_OCTAL = re.compile(rb"\\([0-7]{3})")

# Commands a follower may send through its client: each only reads, none types into a pane or
# changes a window. (A read-only control client still runs send-keys in tmux 3.3a: the flag only
# stops keys, so the dashboard holds itself to this list.)
READ_ONLY_VERBS = frozenset({"capture-pane", "display-message", "switch-client", "list-panes"})


class Notice(NamedTuple):
    """One protocol line outside a reply block: `kind` without its `%`, the rest split once."""

    kind: str
    args: bytes


def unescape_output(data: bytes) -> bytes:
    """The bytes a pane wrote, from a `%output` line's escaped text."""
    if b"\\" not in data:
        return data
    return _OCTAL.sub(lambda match: bytes((int(match[1], 8),)), data)


def parse_notice(line: bytes) -> Notice | None:
    """A `%kind args` line as a Notice; None for a line that is not one (reply text)."""
    if not line.startswith(b"%"):
        return None
    kind, _, args = line[1:].partition(b" ")
    return Notice(kind.decode("ascii", "replace"), args)


def parse_output(args: bytes) -> tuple[str, bytes]:
    """(pane id such as `%3`, the bytes written) from the arguments of an `%output` line."""
    pane, _, text = args.partition(b" ")
    return pane.decode("ascii", "replace"), unescape_output(text)


def reply_flags(args: bytes) -> int:
    """The flags of a `%begin`/`%end` line: bit 0 set when this client sent the command (the
    block tmux writes for the attach itself has it clear)."""
    parts = args.split()
    try:
        return int(parts[2])
    except (IndexError, ValueError):
        return 0


def quote(argument: str) -> str:
    """One argument for a tmux command line, single-quoted so a format's spaces and `#` survive."""
    return "'" + argument.replace("'", "'\\''") + "'"


def command_line(verb: str, *args: str) -> bytes:
    """A command for the control client's stdin; only verbs that read are accepted."""
    if verb not in READ_ONLY_VERBS:
        raise ValueError(f"{verb!r} is not a read-only tmux command: the follower never sends it")
    return (" ".join([verb, *(quote(a) for a in args)]) + "\n").encode()
