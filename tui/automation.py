"""Driving the app without a person: shared by the snapshot tests and the screenshot script."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Input


def settle_and_press(*keys: str) -> Callable[[Pilot], Awaitable[None]]:
    """Wait for the data, press keys one by one, and wait for what each of them loaded."""

    async def run(pilot: Pilot) -> None:
        app = pilot.app
        wait = getattr(app, "wait_settled", None)
        if wait is not None:
            await wait()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            if wait is not None:
                await wait()
        # A text cursor blinks every 0.5 s: held on, a picture does not depend on how long the
        # steps above took (the filter snapshot failed 1 run in 9 on a busy machine).
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause(0.1)

    return run
