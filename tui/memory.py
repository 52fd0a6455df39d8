"""Keep Python's garbage collector out of start-up and its full collections short afterwards.

Start-up creates ~90,000 objects that live as long as the app (modules, classes, widgets, styles,
the first overview). Collections while they are made find nothing to free and cost ~40 ms of the
start (imports and the first frame, measured here). Once the first data is on screen they are
collected once and frozen out of the collector's sight: a full collection walked all of them, 40-50
ms on the 2-core VM, and a key press that landed on one missed its frame by that much
(bench.dash_bench, key press max). Later collections walk only what came after.
"""

from __future__ import annotations

import gc


def pause_collection() -> None:
    """For the start of `codex-dash`, before the app is imported; `freeze_long_lived` or
    `release` turns collection back on."""
    gc.disable()


def freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()
    gc.enable()


def release() -> None:
    """Back into the collector's care: the app is ending (or a test app is done), and its
    widgets are garbage from here on."""
    gc.unfreeze()
    gc.enable()
