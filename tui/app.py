"""The dashboard's wiring: the widgets it composes and the parts that drive them.

Each part is a module with one job; the app creates them, starts them on mount and routes
Textual's events and key actions to them:

- live/feed.py              how a commit reaches the screen (change source, reload loop, pause)
- live/detail_follower.py   the selection's detail panes and the instance screen drawn ahead
- live/header_status.py     what the header and the table's title say
- actions/instance_actions  what `enter`, `s`, `t`, `K`, `b` do, with their confirmations
- actions/filter_sort.py    the filter line and the sort key
- actions/guard.py          which actions apply where (dialogs, instance screen, read-only)
- live/needs_you.py         who needs a person: notifications, the header's count, attention order
- live/agent_preview.py     `v`: the selected agent's terminal through one tmux control client
- actions/attach_agent.py   `a`: to the agent's tmux session (read-only in a monitor)
- memory.CollectionPacer    the garbage collector kept out of start-up and key presses

Keys are data in keymap.py: a key names an action, `action_<name>` below hands it to its part.
Nothing here touches SQL or blocks the event loop: store calls run on the gateway's database thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label

from . import memory
from .actions.attach_agent import AttachAgent
from .actions.filter_sort import FILTER_ID, FilterAndSort
from .actions.guard import ActionGuard
from .actions.instance_actions import InstanceActions
from .gateway import DatabaseGateway
from .keymap import DASHBOARD_ACTIONS, key_hints, visible_actions
from .live.agent_preview import AgentPreview
from .live.detail_follower import DetailFollower
from .live.feed import LiveFeed, Preload
from .live.header_status import HeaderStatus
from .live.load_tracking import LoadTracker
from .live.needs_you import NeedsYouWatch
from .model import Clock, InstanceDetail, Overview
from .notify import NotifySettings
from .widgets.bottom_line import BottomLine
from .widgets.filter_input import FilterInput
from .widgets.instances_table import InstancesTable
from .widgets.key_bar import KeyBar
from .widgets.status_header import StatusHeader

# What the first frame does not show is imported when first needed, after it (the instance
# screen, the detail panes, the dialogs, the backup progress bar, the change source): ~10 ms of
# start-up. Keep it so: the parts import those inside the functions that first need them.
if TYPE_CHECKING:
    from .screens.instance_screen import InstanceScreen
    from .widgets.timeline import EventTable

LOOP_GROUPS = frozenset({"reload", "detail", "watch"})  # workers that run for the app's lifetime


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
        notify: bool = True,
        notify_command: str | None = None,
        stall_minutes: float = 10.0,
    ) -> None:
        super().__init__()
        self.gateway = gateway
        self.read_only = gateway.config.read_only
        self.now: Clock = clock or gateway.config.clock  # the store's clock: one for everything
        self.backup_dir = backup_dir
        self.kill_grace = kill_grace
        self.tmux_socket = tmux_socket
        self._on_exit = on_exit
        self.loads = LoadTracker()
        self.detail_follower = DetailFollower(self, self.loads)
        self.feed = LiveFeed(
            self,
            self.loads,
            preload=preload,
            watch=watch,
            on_overview=self._overview_applied,
            on_first_outcome=self.detail_follower.mount_panes_after_refresh,
            on_first_load=partial(
                self.call_after_refresh, self.detail_follower.compose_instance_screen
            ),
        )
        self.header_status = HeaderStatus(self)
        self.instance_actions = InstanceActions(self)
        self.filter_sort = FilterAndSort(self)
        self.guard = ActionGuard(self)
        self.needs_you = NeedsYouWatch(
            self,
            NotifySettings(enabled=notify, command=notify_command),
            stall_after=timedelta(minutes=stall_minutes),
        )
        self.preview = AgentPreview(self)
        self.attach_agent = AttachAgent(self)
        self.collection_pacer = memory.CollectionPacer()

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
                yield FilterInput(placeholder="words from id, status, branch, issue…", id=FILTER_ID)
                yield Label("enter to the table · esc clear ", id="filter-hint")

    @property
    def table(self) -> InstancesTable:
        return self.query_one(InstancesTable)

    async def on_mount(self) -> None:
        self.query_one("#instances").border_title = "Instances"
        self.table.configure_columns(self.size.width)
        self.table.set_attention(self.needs_you.tracker)
        self.table.focus()
        self.query_one(KeyBar).show_keys(key_hints(self.read_only, width=self.size.width))
        self.header_status.refresh()
        await self.feed.start()
        self.collection_pacer.start(self)

    def on_resize(self, event: events.Resize) -> None:
        self.table.configure_columns(event.size.width)
        self.query_one(KeyBar).show_keys(key_hints(self.read_only, width=event.size.width))
        self.header_status.refresh()

    def on_unmount(self) -> None:
        self.needs_you.stop()
        self.preview.close()
        self.feed.stop()
        self.gateway.close()
        if self._on_exit is not None:
            self._on_exit()
        memory.release()

    # --- what the parts hold, for the screens and the tests ---------------------------------------

    @property
    def overview(self) -> Overview | None:
        return self.feed.overview

    @property
    def detail(self) -> InstanceDetail | None:
        return self.detail_follower.detail

    def instance_screen(self) -> InstanceScreen:
        return self.detail_follower.instance_screen()

    # --- events → parts ---------------------------------------------------------------------------

    def _overview_applied(self, previous: Overview | None, overview: Overview) -> None:
        """Every overview the feed merged into the table, for the parts that follow it (after
        the table and the header have it)."""
        self.detail_follower.follow_overview(previous, overview)
        self.needs_you.follow_overview(previous, overview)
        self.preview.row_changed()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.collection_pacer.note_input()
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        self.guard.refuse_read_only_key(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.guard.allows(action)

    def on_instances_table_selection_changed(
        self, message: InstancesTable.SelectionChanged
    ) -> None:
        if message.instance_id is not None:
            self.detail_follower.request_detail(message.instance_id)
        self.preview.selection_changed(message.instance_id)

    def on_event_table_event_chosen(self, message: EventTable.EventChosen) -> None:
        """`enter` on an event, in the main screen's timeline or the instance screen's."""
        from .screens.event_detail import EventDetailScreen

        self.push_screen(EventDetailScreen(message.event, self.now()))

    def on_terminal_view_history_wanted(self) -> None:
        self.preview.history_wanted()

    def on_terminal_view_search_wanted(self) -> None:
        from .widgets.terminal_pane import TerminalPane

        for pane in self.query(TerminalPane):
            pane.open_search()

    def on_terminal_view_live_wanted(self) -> None:
        self.preview.live_wanted()

    def on_instances_table_sort_changed(self) -> None:
        self.header_status.refresh()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == FILTER_ID:
            self.filter_sort.typed(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == FILTER_ID:
            self.filter_sort.submitted()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget.id == FILTER_ID:
            self.filter_sort.left()

    @property
    def filter_line_open(self) -> bool:
        return self.filter_sort.line_open

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

    # --- key actions (keymap.py) → parts ----------------------------------------------------------

    def action_open_instance(self) -> None:
        self.instance_actions.open_selected()

    def action_change_status(self) -> None:
        self.instance_actions.change_status()

    def action_terminate(self) -> None:
        self.instance_actions.terminate()

    def action_kill(self) -> None:
        self.instance_actions.kill()

    def action_backup(self) -> None:
        self.instance_actions.backup()

    def action_filter(self) -> None:
        self.filter_sort.open_line()

    def action_clear_filter(self) -> None:
        self.filter_sort.clear()

    def action_cycle_sort(self) -> None:
        self.filter_sort.cycle_sort()

    def action_toggle_pause(self) -> None:
        self.feed.toggle_pause()

    def action_reload(self) -> None:
        self.feed.request_reload(force=True)

    async def action_toggle_preview(self) -> None:
        await self.preview.toggle()

    def action_attach(self) -> None:
        self.attach_agent.attach()

    def action_toggle_notifications(self) -> None:
        self.needs_you.toggle_silence()

    def action_help(self) -> None:
        from .screens.help_screen import HelpScreen

        self.push_screen(HelpScreen(self.read_only))

    # --- test and benchmark support ------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return (
            self.loads.in_flight > 0
            or self.feed.reload_requested
            or self.detail_follower.load_requested
        )

    async def wait_settled(self, timeout: float = 5.0) -> None:
        """Until every requested reload and detail load has been applied to the widgets."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.loads.until(lambda: not self.busy and self.feed.loads_completed > 0, timeout)
        for worker in list(self.workers):  # one-off work (actions, pages), not the loops
            if worker.group not in LOOP_GROUPS and worker.is_running:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.wait(), timeout=max(0.1, deadline - loop.time()))
