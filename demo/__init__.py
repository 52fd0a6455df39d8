"""A demo database with live activity: seeded history, a simulator, and real tmux agents.

Imports are lazy so `python -m demo.fake_agent` starts fast (no store, no Pony).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .seed import DemoInfo, build_demo_database
    from .session import DemoSession

__all__ = ["DemoInfo", "DemoSession", "build_demo_database"]


def __getattr__(name: str) -> Any:
    if name in ("DemoInfo", "build_demo_database"):
        from . import seed

        return getattr(seed, name)
    if name == "DemoSession":
        from .session import DemoSession

        return DemoSession
    raise AttributeError(f"module 'demo' has no attribute {name!r}")
