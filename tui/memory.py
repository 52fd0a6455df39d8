"""Keep Python's full garbage collections short while the dashboard runs.

A full collection walks every object the collector tracks. After start-up that is ~90,000 objects
(modules, classes, widgets, styles, the first overview), and a walk took 40-50 ms on the 2-core
VM: a key press that landed on one missed its frame by that much (bench.dash_bench, key press max).
Those objects live as long as the app, so once start-up is over they are collected once and then
frozen out of the collector's sight; later collections walk only what came after.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    gc.collect()
    gc.freeze()


def release() -> None:
    """Back into the collector's care: the app is ending (or a test app is done), and its
    widgets are garbage from here on."""
    gc.unfreeze()
