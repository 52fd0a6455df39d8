"""What needs a person: the tracker fed with every applied overview, a notification per new
transition, the header's count, and the attention order kept current.

    overview applied (live feed) → NeedsYouTracker.update(rows, now)
      → one Notifier.notify per instance that started needing a person (not at start-up)
      → the header's "needs you" count, the table re-sorted if a row changed class
    and a timer for the next moment something could start needing a person with no commit at all
    (a stall, a failure's grace ending), so that is seen on time without reloading anything.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from ..attention import DEFAULT_FAILURE_GRACE, DEFAULT_STALL, NeedsYouTracker, describe
from ..model import Overview
from ..notify import Notifier, NotifySettings

CALM_SECONDS = 1.0  # rows change places at most this often (class changes batched)

if TYPE_CHECKING:
    from textual.timer import Timer

    from ..app import CodexDashApp


class NeedsYouWatch:
    def __init__(
        self,
        app: CodexDashApp,
        settings: NotifySettings | None = None,
        *,
        stall_after: timedelta = DEFAULT_STALL,
        failure_grace: timedelta = DEFAULT_FAILURE_GRACE,
    ) -> None:
        self.app = app
        self.tracker = NeedsYouTracker(stall_after, failure_grace)
        self.tracker.auto_settle = False  # the order takes class changes once a CALM interval
        self._settled_at = -1e9
        self._settle_timer: Timer | None = None
        self.notifier = Notifier(
            settings or NotifySettings(),
            write=self._write,
            toast=self._toast,
            report=self._report,
        )
        self._timer: Timer | None = None
        # Start-up is learnt, not announced: the first overview has no event counts yet (so no
        # failures), and the one that brings them is start-up state too.
        self._counted = False

    @property
    def count(self) -> int:
        return self.tracker.count

    def follow_overview(self, previous: Overview | None, overview: Overview) -> None:
        self._check(overview)

    def _app_alive(self) -> bool:
        """A timer may fire while the app quits, its screens already taken down."""
        return self.app.is_running and bool(self.app.screen_stack)

    def stop(self) -> None:
        """From the app's unmount: no timer of ours fires after it."""
        for timer in (self._timer, self._settle_timer):
            if timer is not None:
                timer.stop()
        self._timer = self._settle_timer = None

    def recheck(self) -> None:
        """The clock moved on with no reload: a stall or a failure's grace may have come."""
        self._timer = None
        if not self._app_alive():
            return
        overview = self.app.feed.overview
        if overview is not None:
            self._check(overview)

    def toggle_silence(self) -> None:
        on = self.notifier.toggle()
        self.app.notify(
            "Notifications on" if on else "Notifications silenced (press again to turn on)",
            timeout=2.5,
        )
        self.app.header_status.refresh()

    def _check(self, overview: Overview) -> None:
        tracker = self.tracker
        before = tracker.count
        baseline = not self._counted
        self._counted = self._counted or not overview.counting
        fresh = tracker.update(overview.rows, self.app.now(), baseline=baseline)
        for need in fresh:
            self.notifier.notify(need, describe(need, tracker.stall_after))
        if tracker.order_stale:
            if baseline:  # start-up state goes into the order at once: the first frames agree
                self._settle()
            else:
                self._settle_soon()
        if tracker.count != before or fresh:
            self.app.header_status.refresh()
        self._schedule(overview)

    def _settle_soon(self) -> None:
        """Class changes reach the order at once after a quiet CALM interval, else batched at
        its end: rows move at most once a CALM interval however busy the agents are."""
        if self._settle_timer is not None:
            return
        wait = self._settled_at + CALM_SECONDS - time.monotonic()
        if wait <= 0:
            self._settle()
        else:
            self._settle_timer = self.app.set_timer(wait, self._settle)

    def _settle(self) -> None:
        self._settle_timer = None
        if not self.tracker.order_stale or not self._app_alive():
            return
        self._settled_at = time.monotonic()
        self.tracker.settle_order()
        self.app.table.attention_changed()

    def _schedule(self, overview: Overview) -> None:
        due = self.tracker.next_due(overview.rows, self.app.now())
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if due is not None:
            delay = max(0.5, due.total_seconds())
            self._timer = self.app.set_timer(delay, self.recheck)

    # --- the notifier's channels ------------------------------------------------------------------

    def _toast(self, message: str) -> None:
        self.app.notify(message, title="Needs you", severity="warning", timeout=8)

    def _report(self, message: str) -> None:
        """From the app's thread (a terminal write) or the notify command's thread."""
        app = self.app
        if app._thread_id == threading.get_ident():
            app.notify(message, severity="error", timeout=10)
            return
        with contextlib.suppress(RuntimeError):  # the app has quit
            app.call_from_thread(app.notify, message, severity="error", timeout=10)

    def _write(self, text: str) -> None:
        driver = self.app._driver
        if driver is not None and not self.app.is_headless:
            driver.write(text)
            driver.flush()
