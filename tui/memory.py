"""Keep Python's garbage collector out of start-up and its full collections short afterwards.

Start-up creates ~90,000 objects that live as long as the app (modules, classes, widgets, styles,
the first overview). Collections while they are made find nothing to free and cost ~40 ms of the
start (imports and the first frame, measured here). Once the first data is on screen they are
collected once and frozen out of the collector's sight: a full collection walked all of them, 40-50
ms on the 2-core VM, and a key press that landed on one missed its frame by that much
(bench.dash_bench, key press max). Later collections walk only what came after.

From then on the full collections themselves are deferred to quiet moments: under writer load one
ran about once a second, walking the ~45,000 objects made since (14-19 ms), and the key presses
that landed on one waited for it. The app asks for one when no key came for a while
(`collect_if_due`); the young generations are collected as always.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_THRESHOLD = gc.get_threshold()
NEVER = 1 << 30  # as a full collection's threshold: only when asked for
# Full collections put off this long (in young collections, ~15 a second under load) run anyway.
MOST_DEFERRED = 1000
# Start-up's objects are frozen this long after mount: the first data (~0.1 s) and the instance
# screen composed ahead are in by then, and collection is back on even if the database never
# answers.
FREEZE_AFTER_SECONDS = 2.0
# After it, full collections wait for a moment with no key or click for this long.
QUIET_SECONDS = 1.0
COLLECT_CHECK_SECONDS = 2.0


def pause_collection() -> None:
    """For the start of `codex-dash`, before the app is imported; `freeze_long_lived` or
    `release` turns collection back on."""
    gc.disable()


def freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()
    young, middle, _ = DEFAULT_THRESHOLD
    gc.set_threshold(young, middle, NEVER)
    gc.enable()


def collect_if_due(quiet: bool) -> bool:
    """A full collection when objects reached the oldest generation since the last one, at a
    quiet moment, or after a long stretch without one; True if it ran."""
    deferred = gc.get_count()[2]  # young collections since the last full one
    if deferred and (quiet or deferred >= MOST_DEFERRED):
        gc.collect()
        return True
    return False


def release() -> None:
    """Back into the collector's care: the app is ending (or a test app is done), and its
    widgets are garbage from here on."""
    gc.unfreeze()
    gc.set_threshold(*DEFAULT_THRESHOLD)
    gc.enable()


class CollectionPacer:
    """The app's part in this: freeze start-up's objects once the first data is in, note every
    key press and click, and look every COLLECT_CHECK_SECONDS for a quiet moment to collect in."""

    def __init__(self) -> None:
        self.last_input = 0.0  # monotonic time of the last key or mouse button

    def start(self, app: App[object]) -> None:
        app.set_timer(FREEZE_AFTER_SECONDS, freeze_long_lived)
        app.set_interval(COLLECT_CHECK_SECONDS, self.collect_when_quiet)

    def note_input(self) -> None:
        self.last_input = time.monotonic()

    def collect_when_quiet(self) -> None:
        collect_if_due(quiet=time.monotonic() - self.last_input >= QUIET_SECONDS)
