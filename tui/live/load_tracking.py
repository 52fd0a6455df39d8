"""Counting the loads under way, so tests, the benchmark and `enter` can wait for data to land."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from textual.css.query import NoMatches


class LoadTracker:
    """Shared by the live feed's reload loop and the detail follower's loop: `settled` is set
    after every load either of them applied (or gave up on)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.settled = asyncio.Event()

    async def tracked(self, load: Awaitable[None]) -> bool:
        """Run one load of a loop, counted; False once the widgets are gone (the app is shutting
        down mid-load), which ends the loop."""
        self.in_flight += 1
        try:
            await load
        except NoMatches:
            return False
        finally:
            self.in_flight -= 1
            self.settled.set()
        return True

    async def until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Until `condition()` holds (True) or `timeout` passes (False), looking again after
        every applied load, and every 50 ms (a request can be pending before any load starts)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self.settled.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.settled.wait(), min(remaining, 0.05))
        return True
