"""The dashboard: live instances, their relationships and timelines, and the actions on them.

Nothing here touches SQL or blocks the event loop: store calls run on the gateway's database thread.
Changes arrive from the folder watcher (and a slow poll), are coalesced by one reload loop, and are
merged into the widgets in place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input, Label

from store import DatabaseError
from store.maintenance import backup_to_folder

from . import memory
from .formatting import display_path, size
from .gateway import DatabaseGateway
from .keymap import DASHBOARD_ACTIONS, MUTATING_ACTIONS, key_hints, visible_actions
from .model import (
    FIRST_PAGE,
    Clock,
    InstanceDetail,
    InstanceRow,
    Overview,
    OverviewLoader,
    utc_now,
)
from .widgets.bottom_line import BottomLine
from .widgets.filter_input import FilterInput
from .widgets.instances_table import InstancesTable
from .widgets.key_bar import KeyBar
from .widgets.status_header import StatusHeader

# What the first frame does not show is imported when first needed, after it (the instance
# screen, the detail panes, the dialogs, the backup progress bar, the watcher): ~10 ms of start-up.
if TYPE_CHECKING:
    from textual.widgets import ProgressBar

    from .screens.instance_screen import InstanceScreen
    from .watcher import DatabaseWatcher
    from .widgets.relationship_tree import RelationshipTree
    from .widgets.timeline import Timeline

DASHBOARD_ACTION_NAMES = frozenset(a.action for a in DASHBOARD_ACTIONS) | {"clear_filter"}
# On the instance screen the table's selection is the instance shown, so these still apply.
INSTANCE_SCREEN_ACTIONS = frozenset(
    {"change_status", "terminate", "kill", "backup", "toggle_pause", "reload", "help", "quit"}
)
LOOP_GROUPS = frozenset({"reload", "detail", "watch"})  # workers that run for the app's lifetime
SAFETY_POLL_SECONDS = 2.0  # catches commits on file systems whose events watchfiles misses
# Start-up's objects are frozen this long after mount (tui/memory.py): the first data (~0.1 s) and
# the instance screen composed ahead are in by then, and collection is back on even if the
# database never answers.
FREEZE_AFTER_SECONDS = 2.0
# After it, full collections wait for a moment with no key or click for this long (tui/memory.py).
QUIET_SECONDS = 1.0
COLLECT_CHECK_SECONDS = 2.0
# The hidden instance screen is filled and drawn for the selection once it rests this long: not
# for every row a held arrow key passes (key repeat is 25-35 ms).
DRAW_AHEAD_AFTER_SECONDS = 0.05
# `enter` waits this long for the selection's detail when it is still loading.
OPEN_WAIT_SECONDS = 0.15
CLOCK_REFRESH_SECONDS = 60.0  # relative times ("3 minutes ago") and per-minute counts age; a tick re-renders the visible rows

Preload = concurrent.futures.Future[tuple[OverviewLoader, Overview | None]]


class CodexDashApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "codex-dash"
    BINDINGS = [
        *(action.binding() for action in DASHBOARD_ACTIONS),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="filter.clear"),
    ]

    def __init__(
        self,
        gateway: DatabaseGateway,
        *,
        clock: Clock | None = None,
        backup_dir: str | None = None,
        watch: bool = True,
        kill_grace: float = 3.0,
        tmux_socket: str | None = None,
        on_exit: Callable[[], None] | None = None,
        preload: Preload | None = None,
    ) -> None:
        super().__init__()
        self.gateway = gateway
        self.read_only = gateway.config.read_only
        self.now: Clock = clock or utc_now
        self.backup_dir = backup_dir
        self.watch = watch
        self.kill_grace = kill_grace
        self.tmux_socket = tmux_socket
        self._on_exit = on_exit
        self._preload = preload  # the first load, started on the database thread before us
        self.overview: Overview | None = None
        self.live = True
        self._pending = False
        self._problem: str | None = None
        self._reload_wanted = asyncio.Event()
        self._force_next = False
        self._tick_wanted = False
        self._detail_wanted: str | None = None
        self._detail_event = asyncio.Event()
        self._loader: OverviewLoader | None = None
        self._watcher: DatabaseWatcher | None = None  # started after the first frame
        self.loads_completed = 0
        self._in_flight = 0
        self.settled = asyncio.Event()
        self.detail: InstanceDetail | None = None
        self._draw_ahead_timer: Timer | None = None
        self._instance_screen: InstanceScreen | None = None  # made on first use
        # The detail panes, mounted after the first frame.
        self._panes: tuple[RelationshipTree, Timeline] | None = None
        self._panes_requested = False
        # Benchmark and test hook: called after each overview is merged into the widgets (the
        # frame follows at Textual's next refresh). bench/dash_bench.py times live updates with it.
        self.on_applied: Callable[[Overview], None] | None = None
        self._last_input = 0.0  # monotonic time of the last key or mouse button

    # --- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        yield InstancesTable(id="instances")
        yield Horizontal(id="detail")  # its panes are mounted after the first frame
        # The filter line takes the key bar's place while it has the focus: nothing else moves.
        with BottomLine(id="bottom-line"):
            yield KeyBar(id="keys")
            with Horizontal(id="filter-bar"):
                yield Label(" / ", id="filter-label")
                yield FilterInput(placeholder="words from id, status, branch, issue…", id="filter")
                yield Label("enter to the table · esc clear ", id="filter-hint")

    @property
    def table(self) -> InstancesTable:
        return self.query_one(InstancesTable)

    async def on_mount(self) -> None:
        self.query_one("#instances").border_title = "Instances"
        self.table.configure_columns(self.size.width)
        self.table.focus()
        self.query_one(KeyBar).show_keys(key_hints(self.read_only))
        self._render_header()
        if not await self._take_preload():
            try:
                await self.gateway.run(self._open_loader)
            except DatabaseError as exc:
                self._set_problem(f"{exc.code}: {exc.message}")
            self.request_reload(force=True)
        self.run_worker(self._reload_loop(), group="reload", exclusive=True)
        if self.watch:
            self.call_after_refresh(self._start_watcher)
        self.set_interval(SAFETY_POLL_SECONDS, self.request_reload)
        self.set_interval(CLOCK_REFRESH_SECONDS, self._clock_tick)
        self.set_timer(FREEZE_AFTER_SECONDS, memory.freeze_long_lived)
        self.set_interval(COLLECT_CHECK_SECONDS, self._collect_when_quiet)

    async def _take_preload(self) -> bool:
        """Apply the preloaded first overview; False when there is none (or it failed: the
        reload loop then opens its own loader). Taken without yielding when it is ready, so the
        first frame has the rows."""
        preload, self._preload = self._preload, None
        if preload is None:
            return False
        try:
            loader, overview = (
                preload.result() if preload.done() else await asyncio.wrap_future(preload)
            )
        except Exception:
            return False
        self._loader = loader
        self._loaded(overview)
        return True

    async def _mount_detail_panes(self) -> None:
        """After the first data frame: the selected instance's panes are not needed to show the
        instances, and styling, laying out and drawing their seven widgets was ~50 ms of
        start-up here. Their place is kept (an empty #detail), so nothing moves when they come;
        the detail loop starts once they are there (selections made before wait in it)."""
        from .widgets.relationship_tree import RelationshipTree
        from .widgets.timeline import Timeline

        tree, timeline = RelationshipTree(id="tree"), Timeline(id="timeline")
        tree.border_title, timeline.border_title = "Relationships", "Timeline"
        await self.query_one("#detail").mount(tree, timeline)
        self._panes = (tree, timeline)
        self.run_worker(self._detail_loop(), group="detail", exclusive=True)

    def _start_watcher(self) -> None:
        """After the first frame: importing watchfiles and starting its thread is not needed to
        show the data. A commit made before it started is caught by the reload it asks for."""
        from . import watcher  # imported here, after the first frame

        self._watcher = watcher.DatabaseWatcher(self.gateway.config.path, self._on_file_change)
        self.run_worker(self._watcher.run(), group="watch", exclusive=True)
        self.request_reload()

    def on_resize(self, event: events.Resize) -> None:
        self.table.configure_columns(event.size.width)
        self._render_header()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.gateway.close()
        if self._on_exit is not None:
            self._on_exit()
        memory.release()

    def _open_loader(self) -> None:
        self._loader = OverviewLoader(self.gateway.ensure_open(), self.now, self.backup_dir)

    # --- live updates -----------------------------------------------------------------------------

    def _on_file_change(self) -> None:
        self.request_reload()

    def request_reload(self, force: bool = False) -> None:
        if not self.live and not force:
            self._pending = True
            self._render_header()
            return
        self._force_next = self._force_next or force
        self._reload_wanted.set()

    async def _reload_loop(self) -> None:
        """One load at a time; requests that arrive during a load coalesce into the next one."""
        while True:
            await self._reload_wanted.wait()
            self._reload_wanted.clear()
            force, self._force_next = self._force_next, False
            if not await self._tracked(self._reload_once(force)):
                return

    async def _tracked(self, load: Awaitable[None]) -> bool:
        """Run one load of a loop, counted for wait_settled; False once the widgets are gone
        (the app is shutting down mid-load), which ends the loop."""
        self._in_flight += 1
        try:
            await load
        except NoMatches:
            return False
        finally:
            self._in_flight -= 1
            self.settled.set()
        return True

    async def _reload_once(self, force: bool) -> None:
        try:
            if self._loader is None:
                await self.gateway.run(self._open_loader)
            overview = await self.gateway.run(
                partial(self._load_overview, force or bool(self._problem))
            )
        except DatabaseError as exc:
            self._set_problem(f"{exc.code}: {exc.message}")
            return
        except Exception as exc:  # a replaced or vanished file: say so, keep trying
            self._set_problem(f"database unavailable: {exc}")
            return
        self._loaded(overview)

    def _loaded(self, overview: Overview | None) -> None:
        if self._problem is not None:
            self._problem = None
            self._render_header()
        if overview is not None:
            self._apply(overview)
            if overview.counting:  # the instances are on screen: now count their events
                self.request_reload(force=True)
        self.loads_completed += 1
        if self.loads_completed == 1:
            self._after_first_outcome()
            self.call_after_refresh(self._compose_instance_screen)

    def _after_first_outcome(self) -> None:
        """The first load's rows (or its problem) are in the frame being drawn: what was left
        out of the first frame follows it. Not before: with no preload the panes would be styled
        and drawn while the rows wait."""
        if not self._panes_requested:
            self._panes_requested = True
            self.call_after_refresh(self._mount_detail_panes)

    def _compose_instance_screen(self) -> None:
        """Compose the instance screen once the first data is on screen, so that the first
        `enter` switches to a ready screen (composing it then took 150-270 ms here). Pushed and
        popped in one batch: nothing of it is drawn."""
        if not self.is_running:  # the app is closing
            return
        screen = self.instance_screen()
        if screen.is_mounted or len(self.screen_stack) != 1:
            return
        with self.batch_update():
            self.push_screen(screen)
            self.pop_screen()

    def instance_screen(self) -> InstanceScreen:
        """The one instance screen, reused; made and installed on first use (composed after the
        first data frame, or by an `enter` before that)."""
        if self._instance_screen is None:
            from .screens.instance_screen import InstanceScreen

            self._instance_screen = InstanceScreen()
            self.install_screen(self._instance_screen, name="instance")
        return self._instance_screen

    def _clock_tick(self) -> None:
        """Relative times and per-minute counts age without commits: re-render them, without
        re-reading instances or events (a forced reload would re-list all of them)."""
        if self.live:  # a paused view stays as it is
            self._tick_wanted = True
            self.request_reload()

    def _load_overview(self, force: bool) -> Overview | None:
        assert self._loader is not None
        overview = self._loader.load(force=force)
        if overview is None and self._tick_wanted:
            overview = self._loader.tick()
        self._tick_wanted = False
        return overview

    def load_detail_sync(self, instance_id: str, limit: int = FIRST_PAGE) -> InstanceDetail:
        """Runs on the database thread (through the gateway)."""
        if self._loader is None:
            self._open_loader()
        assert self._loader is not None
        return self._loader.detail(instance_id, limit=limit)

    def _apply(self, overview: Overview) -> None:
        previous = self.overview
        self.overview = overview
        self.table.apply(overview.rows, overview.loaded_at)
        self._render_header()
        selected = self.table.selected_id
        if selected is not None and (
            previous is None
            or previous.rows.get(selected) != overview.rows.get(selected)
            or self.detail is None
            or self.detail.instance_id != selected
        ):
            self.request_detail(selected)
        if self.on_applied is not None:
            self.on_applied(overview)

    def _set_problem(self, problem: str) -> None:
        self._problem = problem
        self._render_header()
        self._after_first_outcome()

    def _render_header(self) -> None:
        self.query_one(StatusHeader).render_overview(
            self.overview,
            now=self.now(),
            live=self.live,
            read_only=self.read_only,
            pending=self._pending,
            snapshot=self.gateway.is_snapshot,
            problem=self._problem,
            db_name=display_path(self.gateway.config.path),
        )
        instances = self.query_one("#instances")
        if self.overview is not None:
            shown = self.table.row_count
            total = len(self.overview.rows)
            count = f"{shown} of {total}" if shown != total else f"{total}"
            terms = " ".join(self.table.filter_terms)
            matching = f" · filter: {terms}" if terms else ""
            title = f"Instances ({count}){matching} · sort: {self.table.sort_description}"
            if instances.border_title != title:  # setting it repaints the whole table
                instances.border_title = title

    # --- the selected instance ----------------------------------------------------------------------

    def on_instances_table_selection_changed(
        self, message: InstancesTable.SelectionChanged
    ) -> None:
        if message.instance_id is not None:
            self.request_detail(message.instance_id)

    def request_detail(self, instance_id: str) -> None:
        self._detail_wanted = instance_id
        self._detail_event.set()

    async def _detail_loop(self) -> None:
        """Loads the latest selection only: holding a key down does not queue a load per row."""
        while True:
            await self._detail_event.wait()
            self._detail_event.clear()
            wanted = self._detail_wanted
            if wanted is None:
                continue
            if not await self._tracked(self._show_detail(wanted)):
                return

    async def _show_detail(self, wanted: str) -> None:
        try:
            detail = await self.gateway.run(self.load_detail_sync, wanted)
        except Exception:
            return  # the header already reports an unavailable database
        if self._detail_wanted != wanted:
            return
        self.detail = detail
        now = self.now()
        assert self._panes is not None  # the detail loop starts once they are mounted
        tree, timeline = self._panes
        tree.show_detail(detail)
        timeline.show(detail.events, detail.activity, detail.event_count, now)
        timeline.border_title = f"Timeline · {wanted}"
        self._draw_ahead_later(detail)

    def _draw_ahead_later(self, detail: InstanceDetail) -> None:
        """Once an instance: its later changes (new events, every reload under load) are drawn
        when it opens, only the lines that changed; no timer is set for them."""
        if self._draw_ahead_timer is not None:
            self._draw_ahead_timer.stop()
            self._draw_ahead_timer = None
        if self._instance_screen_holds(detail.instance_id):
            return  # drawn ahead, or being drawn: carry on
        # A draw for an earlier selection stops by itself at its next widget (`still_wanted`).
        self._draw_ahead_timer = self.set_timer(
            DRAW_AHEAD_AFTER_SECONDS,
            lambda: self.run_worker(
                self._draw_instance_screen_ahead(detail), group="draw-ahead", exclusive=True
            ),
        )

    def _instance_screen_holds(self, instance_id: str) -> bool:
        """Whether the instance screen is filled for `instance_id` (True too while the app
        closes, when the screen is gone: nothing is to be drawn then)."""
        if not self.is_running:
            return True
        screen = self._instance_screen
        return screen is not None and screen.instance_id == instance_id

    async def _draw_instance_screen_ahead(self, detail: InstanceDetail) -> None:
        """The selection has rested: fill and draw the hidden instance screen for it, so that
        `enter` shows it from lines already drawn. One widget at a time, in a worker: drawn in
        one go (15-28 ms here) it held up the next key press whenever one came meanwhile, and
        with the 50 ms rest that is often."""

        def still_wanted() -> bool:
            selected = self.detail.instance_id if self.detail is not None else None
            return selected == detail.instance_id and self._only_main_screen()

        if not still_wanted() or self._instance_screen_holds(detail.instance_id):
            return  # the selection moved on, or the screen or a dialog is showing
        screen = self.instance_screen()
        if not screen.is_mounted:
            return
        screen.show_instance(detail.instance_id, detail)
        for _ in screen.draw_ahead():
            await asyncio.sleep(0.001)  # a key pressed meanwhile is handled here
            if not still_wanted():
                return

    def _only_main_screen(self) -> bool:
        """For work resumed after a wait: nothing was opened over the main screen meanwhile, and
        the app is not quitting (its screens are then being taken down)."""
        return self.is_running and len(self.screen_stack) == 1

    def selected_row(self) -> InstanceRow | None:
        selected = self.table.selected_id
        if selected is None or self.overview is None:
            return None
        return self.overview.rows.get(selected)

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dashboard keys act on the main screen's selection: off in dialogs, and on the instance
        screen only those that make sense for the instance shown; mutating ones off when read-only."""
        if action not in DASHBOARD_ACTION_NAMES:
            return True
        if self.read_only and action in MUTATING_ACTIONS:
            return False
        screen = self.screen
        if isinstance(screen, ModalScreen):
            return False
        if screen is not self.screen_stack[0]:
            return action in INSTANCE_SCREEN_ACTIONS
        # `/` is a priority binding: inside the filter it is just a character.
        return not (action == "filter" and isinstance(self.focused, Input))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _collect_when_quiet(self) -> None:
        memory.collect_if_due(quiet=time.monotonic() - self._last_input >= QUIET_SECONDS)

    def on_key(self, event: events.Key) -> None:
        """In read-only mode the mutating keys are refused out loud, not silently."""
        if (
            not self.read_only
            or not isinstance(self.screen, Screen)
            or self.screen is not self.screen_stack[0]
        ):
            return
        if isinstance(self.focused, Input):
            return
        for action in DASHBOARD_ACTIONS:
            if action.mutating and event.key == action.key:
                event.stop()
                self.notify(
                    f"{action.title} is off: this dashboard is a read-only monitor",
                    severity="warning",
                )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in visible_actions(self.read_only):
            if action.id in ("help", "quit"):
                continue
            yield SystemCommand(
                f"{action.title} ({action.key_display or action.key})",
                action.help,
                partial(self.run_action, action.action),
            )

    def _require_selection(self) -> InstanceRow | None:
        row = self.selected_row()
        if row is None:
            self.notify("No instance selected", severity="warning")
        return row

    def action_open_instance(self) -> None:
        row = self._require_selection()
        if row is not None:
            self._open_instance(row.id)

    @work(exclusive=True, group="open")
    async def _open_instance(self, instance_id: str) -> None:
        """Shown with its first page when that is a moment away (the selection just moved and
        the detail loop is loading it): one frame with the data, not an empty screen drawn in
        full and then drawn again. A slower load is not waited for: the screen loads its own."""
        detail = await self._detail_of(instance_id, OPEN_WAIT_SECONDS)
        if not self._only_main_screen() or self.table.selected_id != instance_id:
            return  # a dialog opened, the selection moved on, or the app quit, meanwhile
        screen = self.instance_screen()
        screen.show_instance(instance_id, detail)
        self.push_screen(screen)

    async def _detail_of(self, instance_id: str, timeout: float) -> InstanceDetail | None:
        def shown() -> bool:
            return self.detail is not None and self.detail.instance_id == instance_id

        return self.detail if await self._until_loaded(shown, timeout) else None

    async def _until_loaded(self, condition: Callable[[], bool], timeout: float) -> bool:
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

    def action_filter(self) -> None:
        self._show_filter_line(True)
        # Focus now, not via focus() (deferred behind keys already queued): a fast `/work`
        # must type "work", not sort the table with `o`.
        self.screen.set_focus(self.query_one("#filter", Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.table.set_filter(event.value)
            self._render_header()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self._close_filter_line()
            if self.table.row_count:
                self.table.move_cursor(row=0)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Clicked away from the filter line: it closes, the filter stays (in the title)."""
        if event.widget.id == "filter":
            self._show_filter_line(False)

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value or self.filter_line_open:
            box.value = ""
            self.table.set_filter("")
            self._close_filter_line()
            self._render_header()

    def _close_filter_line(self) -> None:
        self._show_filter_line(False)
        self.screen.set_focus(self.table)

    @property
    def filter_line_open(self) -> bool:
        return self.query_one(BottomLine).second_shown

    def _show_filter_line(self, show: bool) -> None:
        self.query_one(BottomLine).show_second(show)

    def action_cycle_sort(self) -> None:
        sort = self.table.cycle_sort()
        self._render_header()
        self.notify(f"Sorted by {sort.label}", timeout=1.5)

    def on_instances_table_sort_changed(self) -> None:
        self._render_header()

    def action_toggle_pause(self) -> None:
        self.live = not self.live
        if self.live:
            self._pending = False
            self.request_reload(force=True)
        self._render_header()

    def action_reload(self) -> None:
        self.request_reload(force=True)

    def action_help(self) -> None:
        from .screens.help_screen import HelpScreen

        self.push_screen(HelpScreen(self.read_only))

    def action_change_status(self) -> None:
        row = self._require_selection()
        if row is None:
            return

        def chosen(status: str | None) -> None:
            if status == "terminated":  # as destructive as `t`: the same confirmation
                self._confirm_terminate(row)
            elif status:
                self._set_status(row.id, status)

        from .screens.status_dialog import StatusDialog

        self.push_screen(StatusDialog(row.id, row.record.status), chosen)

    def action_terminate(self) -> None:
        row = self._require_selection()
        if row is not None:
            self._confirm_terminate(row)

    def _confirm_terminate(self, row: InstanceRow) -> None:
        from .screens.confirm import ConfirmScreen

        body = Text.assemble(
            "Mark ",
            (row.id, "bold"),
            f" ({row.record.status}) as terminated.\n",
            ("Its process and tmux session are left running: K kills them.", "dim"),
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._set_status(row.id, "terminated")

        self.push_screen(
            ConfirmScreen("Terminate instance?", body, confirm_label="Terminate"), confirmed
        )

    @work(group="write")
    async def _set_status(self, instance_id: str, status: str) -> None:
        try:
            await self.gateway.run(
                lambda: self.gateway.db.update_instance_status(instance_id, status)
            )
        except DatabaseError as exc:
            self.notify(exc.message, title=exc.code, severity="error", timeout=8)
            return
        self.notify(f"{instance_id} → {status}")
        self.request_reload(force=True)

    def action_kill(self) -> None:
        row = self._require_selection()
        if row is None:
            return
        record = row.record
        pid = str(record.claude_pid) if record.claude_pid else "none recorded"
        body = Text.assemble(
            "Kill agent ",
            (record.id, "bold"),
            "\n  tmux session  ",
            (record.tmux_session, "bold"),
            "\n  process id    ",
            (pid, "bold"),
            "\nThe process gets SIGTERM, then SIGKILL after a grace period; the session is "
            "closed; the instance is recorded as terminated.",
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._kill(row)

        from .screens.confirm import ConfirmScreen

        self.push_screen(ConfirmScreen("Kill agent?", body, confirm_label="Kill"), confirmed)

    @work(thread=True, group="kill")
    def _kill(self, row: InstanceRow) -> None:
        from agents.kill import kill_agent  # imported on use: start-up does not pay for psutil

        record = row.record
        report = kill_agent(
            record.claude_pid,
            record.tmux_session,
            created_at=record.created_at,
            socket=self.tmux_socket,
            grace=self.kill_grace,
        )
        severity = "information" if report.ok else "error"
        self.call_from_thread(
            self.notify, report.message, title=f"Kill {record.id}", severity=severity, timeout=10
        )
        if report.ok and record.status != "terminated":
            try:
                self.gateway.run_sync(
                    lambda: self.gateway.db.update_instance_status(record.id, "terminated")
                )
            except DatabaseError as exc:
                self.call_from_thread(
                    self.notify, exc.message, title=exc.code, severity="error", timeout=8
                )
        self.call_from_thread(self.request_reload, True)

    def action_backup(self) -> None:
        self._backup(self._progress_bar())

    def _progress_bar(self) -> ProgressBar:
        """Mounted on the first backup, not composed: one widget fewer to style before the first
        frame. Determinate (total set): with no total, a hidden ProgressBar still animates its
        indeterminate state 15 times a second, most of the dashboard's idle CPU once."""
        from textual.widgets import ProgressBar

        found = self.query("#progress")
        if found:
            return found.first(ProgressBar)
        bar = ProgressBar(id="progress", show_eta=False, total=100)
        self.mount(bar, before=self.query_one(BottomLine))
        return bar

    @work(thread=True, exclusive=True, group="backup")
    def _backup(self, bar: ProgressBar) -> None:
        self.call_from_thread(bar.add_class, "visible")
        self.call_from_thread(bar.update, total=100, progress=0)

        def progress(done: int, total: int) -> None:
            self.call_from_thread(bar.update, total=max(total, 1), progress=done)

        try:
            result = self.gateway.run_sync(
                lambda: backup_to_folder(self.gateway.db, self.backup_dir, progress=progress)
            )
        except DatabaseError as exc:
            self.call_from_thread(
                self.notify,
                exc.message,
                title=f"Backup failed ({exc.code})",
                severity="error",
                timeout=10,
            )
        else:
            self.call_from_thread(
                self.notify,
                f"{result.path}\n{size(result.size_bytes)} in {result.seconds:.2f} s, integrity ok",
                title="Backup written",
                timeout=8,
            )
        finally:
            self.call_from_thread(bar.remove_class, "visible")
            self.call_from_thread(self.request_reload, True)

    # --- test and benchmark support ------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._in_flight > 0 or self._reload_wanted.is_set() or self._detail_event.is_set()

    async def wait_settled(self, timeout: float = 5.0) -> None:
        """Until every requested reload and detail load has been applied to the widgets."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self._until_loaded(lambda: not self.busy and self.loads_completed > 0, timeout)
        for worker in list(self.workers):  # one-off work (actions, pages), not the loops
            if worker.group not in LOOP_GROUPS and worker.is_running:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.wait(), timeout=max(0.1, deadline - loop.time()))
