"""The live feed: how a commit by another process reaches the screen.

    change source (change_source.py), the safety poll or the clock tick
      → request_reload()            requests coalesce: one load at a time
      → _reload_loop / _reload_once  OverviewLoader.load on the database thread (tui/model.py)
      → _apply                       the instances table, the header, then `on_overview` (the app
                                     hands it to the detail follower) and the `on_applied` hook
      → Textual's next frame

Pause (`p`) holds the view, and notes that changes are waiting; reload (`ctrl+r`) forces a full
load. A database that cannot be read is reported in the header (`problem`) and tried again at the
next request. On a server the change source also reports its link (`link`): while it is
DISCONNECTED the last data stays on screen, no load is tried (each would wait for a connect
timeout), and the source's return to LIVE asks for the load that catches up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from store import DatabaseError

from ..model import FIRST_PAGE, InstanceDetail, Overview, OverviewLoader
from .change_source import LinkState
from .load_tracking import LoadTracker

if TYPE_CHECKING:
    from ..app import CodexDashApp
    from .change_source import ChangeSource

SAFETY_POLL_SECONDS = 2.0  # catches commits on file systems whose events watchfiles misses
SERVER_SAFETY_POLL_SECONDS = 10.0  # a server announces commits itself; a look costs a round trip
# Relative times ("3 minutes ago") and per-minute counts age; a tick re-renders the visible rows.
CLOCK_REFRESH_SECONDS = 60.0

Preload = concurrent.futures.Future[tuple[OverviewLoader, Overview | None]]


class LiveFeed:
    """The overview on screen and everything that keeps it current."""

    def __init__(
        self,
        app: CodexDashApp,
        loads: LoadTracker,
        *,
        preload: Preload | None,
        watch: bool,
        on_overview: Callable[[Overview | None, Overview], None],
        on_first_outcome: Callable[[], None],
        on_first_load: Callable[[], None],
    ) -> None:
        self.app = app
        self.loads = loads
        self.preload = preload  # the first load, started on the database thread before the app
        self.watch = watch
        self._on_overview = on_overview  # (previous, applied): after the table has it
        self._on_first_outcome = on_first_outcome  # the first rows, or the first problem, shown
        self._on_first_load = on_first_load  # the first load applied
        self.overview: Overview | None = None
        self.live = True  # False while paused
        self.pending = False  # paused, and changes came meanwhile
        self.problem: str | None = None  # why the database cannot be read, for the header
        self.loader: OverviewLoader | None = None
        self.change_source: ChangeSource | None = None  # started after the first frame
        self.link: LinkState | None = None  # a server's link (None on SQLite), and why
        self.link_reason = ""
        self.loads_completed = 0
        # Benchmark and test hook: called after each overview is merged into the widgets (the
        # frame follows at Textual's next refresh). bench/dash_bench.py times live updates with it.
        self.on_applied: Callable[[Overview], None] | None = None
        self._reload_wanted = asyncio.Event()
        self._force_next = False
        self._tick_wanted = False

    @property
    def reload_requested(self) -> bool:
        return self._reload_wanted.is_set()

    async def start(self) -> None:
        """From the app's mount: the preloaded first overview when there is one, then the reload
        loop, the change source (after the first frame), the safety poll and the clock tick."""
        if not await self._take_preload():
            try:
                await self.app.gateway.run(self._open_loader)
            except DatabaseError as exc:
                self._set_problem(f"{exc.code}: {exc.message}")
            self.request_reload(force=True)
        self.app.run_worker(self._reload_loop(), group="reload", exclusive=True)
        if self.watch:
            self.app.call_after_refresh(self._start_change_source)
        on_server = self.app.gateway.config.server_url is not None
        poll = SERVER_SAFETY_POLL_SECONDS if on_server else SAFETY_POLL_SECONDS
        self.app.set_interval(poll, self.request_reload)
        self.app.set_interval(CLOCK_REFRESH_SECONDS, self._clock_tick)

    def stop(self) -> None:
        if self.change_source is not None:
            self.change_source.stop()

    async def _take_preload(self) -> bool:
        """Apply the preloaded first overview; False when there is none (or it failed: the
        reload loop then opens its own loader). Taken without yielding when it is ready, so the
        first frame has the rows."""
        preload, self.preload = self.preload, None
        if preload is None:
            return False
        try:
            loader, overview = (
                preload.result() if preload.done() else await asyncio.wrap_future(preload)
            )
        except Exception:
            return False
        self.loader = loader
        self._loaded(overview)
        return True

    def _start_change_source(self) -> None:
        """After the first frame. A commit made before it started is caught by the reload it
        asks for."""
        from .change_source import change_source_for  # imported here, after the first frame

        self.change_source = change_source_for(
            self.app.gateway.config, self.request_reload, self._link_changed
        )
        self.app.run_worker(self.change_source.run(), group="watch", exclusive=True)
        self.request_reload()

    def _open_loader(self) -> None:
        """On the database thread."""
        app = self.app
        self.loader = OverviewLoader(app.gateway.ensure_open(), app.now, app.backup_dir)

    # --- requests ---------------------------------------------------------------------------------

    def _link_changed(self, state: LinkState, reason: str) -> None:
        self.link, self.link_reason = state, reason
        self.app.header_status.refresh()

    @property
    def disconnected(self) -> bool:
        return self.link is LinkState.DISCONNECTED

    def request_reload(self, force: bool = False) -> None:
        if self.disconnected and not force:
            return  # the link's return asks for the load that catches up
        if not self.live and not force:
            self.pending = True
            self.app.header_status.refresh()
            return
        self._force_next = self._force_next or force
        self._reload_wanted.set()

    def toggle_pause(self) -> None:
        self.live = not self.live
        if self.live:
            self.pending = False
            self.request_reload(force=True)
        self.app.header_status.refresh()

    def _clock_tick(self) -> None:
        """Relative times and per-minute counts age without commits: re-render them, without
        re-reading instances or events (a forced reload would re-list all of them)."""
        if self.live:  # a paused view stays as it is
            self._tick_wanted = True
            self.request_reload()

    # --- loading ----------------------------------------------------------------------------------

    async def _reload_loop(self) -> None:
        """One load at a time; requests that arrive during a load coalesce into the next one."""
        while True:
            await self._reload_wanted.wait()
            self._reload_wanted.clear()
            force, self._force_next = self._force_next, False
            if not await self.loads.tracked(self._reload_once(force)):
                return

    async def _reload_once(self, force: bool) -> None:
        try:
            if self.loader is None:
                await self.app.gateway.run(self._open_loader)
            overview = await self.app.gateway.run(
                partial(self._load_overview, force or bool(self.problem))
            )
        except DatabaseError as exc:
            self._set_problem(f"{exc.code}: {exc.message}")
            return
        except Exception as exc:  # a replaced or vanished file: say so, keep trying
            self._set_problem(f"database unavailable: {exc}")
            return
        self._loaded(overview)

    def _load_overview(self, force: bool) -> Overview | None:
        """On the database thread."""
        assert self.loader is not None
        overview = self.loader.load(force=force)
        if overview is None and self._tick_wanted:
            overview = self.loader.tick()
        self._tick_wanted = False
        return overview

    def load_detail_sync(self, instance_id: str, limit: int = FIRST_PAGE) -> InstanceDetail:
        """One instance's detail with the feed's loader; runs on the database thread (through
        the gateway)."""
        if self.loader is None:
            self._open_loader()
        assert self.loader is not None
        return self.loader.detail(instance_id, limit=limit)

    # --- applying ---------------------------------------------------------------------------------

    def _loaded(self, overview: Overview | None) -> None:
        if self.problem is not None:
            self.problem = None
            self.app.header_status.refresh()
        if overview is not None:
            self._apply(overview)
            if overview.counting:  # the instances are on screen: now count their events
                self.request_reload(force=True)
        self.loads_completed += 1
        if self.loads_completed == 1:
            self._on_first_outcome()
            self._on_first_load()

    def _apply(self, overview: Overview) -> None:
        previous = self.overview
        self.overview = overview
        self.app.table.apply(overview.rows, overview.loaded_at)
        self.app.header_status.refresh()
        self._on_overview(previous, overview)
        if self.on_applied is not None:
            self.on_applied(overview)

    def _set_problem(self, problem: str) -> None:
        self.problem = problem
        self.app.header_status.refresh()
        self._on_first_outcome()
