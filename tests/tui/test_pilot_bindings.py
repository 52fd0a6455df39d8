"""Every dashboard binding driven through Textual's pilot, against real database files."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Button, Input, OptionList, Static
from tuilab import (
    NOW,
    make_app,
    open_instance,
    open_store,
    record_frames,
    record_notifications,
    run_writer,
    screen_text,
    select,
    select_settled,
    settle,
    static_text,
    until,
)

from store import MCPEventRecord, allowed_next
from tui.keymap import DASHBOARD_ACTIONS, display_key, visible_actions
from tui.screens.confirm import ConfirmScreen
from tui.screens.help_screen import HelpScreen
from tui.screens.instance_screen import FIRST_PAGE, PAGE, InstanceScreen
from tui.screens.status_dialog import StatusDialog
from tui.widgets.field_list import FieldList
from tui.widgets.instance_order import SORT_KEYS
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_header import StatusHeader
from tui.widgets.timeline import EventTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def status_in_db(path: str, instance_id: str) -> str:
    with open_store(path) as db:
        record = db.get_instance(instance_id)
        assert record is not None
        return record.status


# --- enter: the instance screen -----------------------------------------------------------------


async def test_enter_opens_the_selected_instance_and_escape_returns(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await open_instance(app, pilot, "work-121-a1")
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        assert screen.instance_id == "work-121-a1"
        table = screen.query_one(EventTable)
        await until(pilot, lambda: table.row_count > 0, what="the first page of events")
        fields = screen.query_one(FieldList).text(110).plain
        for expected in ("work-121-a1", "waiting_review", "coding", "tmux_session", "branch_name"):
            assert expected in fields
        with open_store(demo_db) as db:
            assert table.row_count == min(FIRST_PAGE, db.count_events("work-121-a1"))
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, InstanceScreen)
        assert app.screen is app.screen_stack[0]
        assert app.table.selected_id == "work-121-a1"


async def test_instance_events_are_paged_never_loaded_whole(demo_db):
    total_extra = FIRST_PAGE + PAGE + 50  # three pages: the first, `m`, and one at the end
    with open_store(demo_db) as db:
        before = db.count_events("work-131-a1")
        db.log_mcp_events(
            MCPEventRecord(
                instance_id="work-131-a1",
                tool_name=f"tool_{i % 7}",
                success=i % 11 != 0,
                timestamp=NOW - timedelta(seconds=total_extra - i),
            )
            for i in range(total_extra)
        )
        total = db.count_events("work-131-a1")
    assert FIRST_PAGE + PAGE < total == before + total_extra <= FIRST_PAGE + 2 * PAGE

    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app, "work-131-a1")
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, InstanceScreen)
        table = screen.query_one(EventTable)
        await until(pilot, lambda: table.row_count > 0, what="the first page")
        await pilot.pause()
        assert table.row_count == FIRST_PAGE
        # `m` loads exactly one more page
        await pilot.press("m")
        await until(pilot, lambda: table.row_count > FIRST_PAGE, what="the second page")
        await pilot.pause()
        assert table.row_count == FIRST_PAGE + PAGE
        # moving to the end loads the next (last) page
        table.focus()
        await pilot.press("end")
        await until(pilot, lambda: table.row_count > FIRST_PAGE + PAGE, what="the page at the end")
        await pilot.pause()
        assert table.row_count == total
        ids = [int(key) for key in table.row_keys]
        assert len(set(ids)) == total, "a page was loaded twice"
        assert ids == sorted(ids, reverse=True) or len(ids) == total
        title = static_text(screen.query_one("#events-title", Static))
        assert f"{total:,} of {total:,}" in title
        await pilot.press("m")  # nothing left: no error, no duplicate
        await pilot.pause()
        assert table.row_count == total
        # a dialog over the screen and back: the pages shown stay, the cursor too
        cursor = table.cursor_row
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, StatusDialog)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and app.focused is table
        assert table.row_count == total and table.cursor_row == cursor


# --- / filter -------------------------------------------------------------------------------------


async def test_filter_narrows_then_enter_selects_first_match_and_escape_restores(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        everything = set(app.table.visible_ids)
        assert len(everything) == 15
        await pilot.press("slash")
        box = app.query_one("#filter", Input)
        assert app.focused is box
        await pilot.press(*"work-135")
        await pilot.pause()
        assert box.value == "work-135"
        assert set(app.table.visible_ids) == {"work-135-a1", "work-135-a2"}
        assert app.table.row_count == 2
        # two terms: both must match
        await pilot.press("space", *"started")
        await pilot.pause()
        assert app.table.visible_ids == ["work-135-a2"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.focused is app.table
        assert app.table.cursor_row == 0
        assert app.table.selected_id == "work-135-a2"
        assert app.detail is not None and app.detail.instance_id == "work-135-a2"
        await pilot.press("escape")
        await settle(app, pilot)
        assert box.value == ""
        assert set(app.table.visible_ids) == everything
        assert app.table.row_count == 15
        assert app.table.selected_id == "work-135-a2"


async def test_the_filter_line_takes_the_key_bar_place_and_the_title_keeps_the_filter(demo_db):
    """Opening the filter moves nothing (the table keeps its region); after `enter` the filter
    stays in the table's title; a click away closes the line and keeps the filter."""
    app = make_app(demo_db, now=NOW)

    def bottom_line() -> str:
        widget, _ = app.screen.get_widget_at(1, SIZE[1] - 1)
        return "keys" if isinstance(widget, KeyBar) else "filter" if widget.id else "?"

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.table
        region = table.region
        assert bottom_line() == "keys" and not app.filter_line_open
        await pilot.press("tab")  # a closed filter line takes no focus
        assert app.focused is not app.query_one("#filter", Input)
        await pilot.press("slash", *"review")
        await settle(app, pilot)
        assert bottom_line() == "filter" and app.filter_line_open
        assert table.region == region
        assert "filter: review" in str(table.border_title)
        await pilot.press("enter")
        await settle(app, pilot)
        assert bottom_line() == "keys" and table.region == region
        assert "filter: review" in str(table.border_title) and app.focused is table
        await pilot.press("slash")  # the filter is there to edit
        assert app.query_one("#filter", Input).value == "review" and app.filter_line_open
        await pilot.click("#instances", offset=(5, 3))
        await settle(app, pilot)
        assert app.focused is table and bottom_line() == "keys"
        assert table.filter_terms == ["review"]
        await pilot.press("escape")  # on the table: clears it
        await settle(app, pilot)
        assert table.filter_terms == [] and "filter" not in str(table.border_title)


async def test_filter_with_no_match_shows_no_rows_and_recovers(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"zzz-nothing")
        await pilot.pause()
        assert app.table.row_count == 0
        await pilot.press("enter")  # nothing to select: no crash
        await pilot.pause()
        await pilot.press("s", "t", "K")  # no selection: a warning, no dialog
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.table.row_count == 15


# --- s: status -------------------------------------------------------------------------------------


async def test_status_dialog_offers_allowed_moves_and_writes_the_choice(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, StatusDialog)
        options = dialog.query_one(OptionList)
        offered = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert offered == list(allowed_next("waiting_review"))
        assert offered, "waiting_review must have moves"
        target = "pr_created" if "pr_created" in offered else offered[-1]
        for _ in range(offered.index(target)):
            await pilot.press("down")
        if options.highlighted is None:
            await pilot.press("down")
        assert options.highlighted == offered.index(target)
        await pilot.press("enter")
        await until(
            pilot, lambda: status_in_db(demo_db, "work-121-a1") == target, what="the new status"
        )
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]
        assert app.overview is not None
        assert app.overview.rows["work-121-a1"].record.status == target
        assert target in app.table.cell_text("work-121-a1", "status")
        assert app.table.selected_id == "work-121-a1"
        with open_store(demo_db) as db:
            newest = db.get_mcp_events("work-121-a1", 1)[0]
        assert newest.status_change == target
        assert newest.tool_name == "update_instance_status"


async def test_status_dialog_escape_changes_nothing(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app, "work-131-a1")
        with open_store(demo_db) as db:
            events_before = db.count_events("work-131-a1")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StatusDialog)
        await pilot.press("down", "escape")
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]
    assert status_in_db(demo_db, "work-131-a1") == "started"
    with open_store(demo_db) as db:
        assert db.count_events("work-131-a1") == events_before


async def test_status_terminated_from_the_dialog_is_confirmed_like_t(demo_db):
    """pr_merged offers only `terminated`: `s enter` must not terminate without a confirmation."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app, "work-118-a1")  # pr_merged
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, StatusDialog)
        options = dialog.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "terminated"
        ]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "work-118-a1" in screen_text(app)
        await pilot.press("enter")  # Cancel has the focus
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]
        assert status_in_db(demo_db, "work-118-a1") == "pr_merged"
        await pilot.press("s", "enter")
        await pilot.pause()
        await pilot.press("y")
        await until(
            pilot,
            lambda: status_in_db(demo_db, "work-118-a1") == "terminated",
            what="terminated after y",
        )


async def test_status_dialog_for_terminated_offers_nothing(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        select(app, "work-135-a1")  # terminated
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, StatusDialog)
        assert dialog.query_one(OptionList).option_count == 0
        assert "final" in screen_text(app)
        await pilot.press("enter", "escape")
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0]
    assert status_in_db(demo_db, "work-135-a1") == "terminated"


# --- t: terminate ----------------------------------------------------------------------------------


async def test_terminate_needs_y_and_cancel_has_the_focus(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-131-a1")
        for cancel_keys in (["enter"], ["n"], ["escape"]):
            await pilot.press("t")
            await pilot.pause()
            confirm = app.screen
            assert isinstance(confirm, ConfirmScreen)
            assert isinstance(app.focused, Button) and app.focused.id == "cancel"
            assert "work-131-a1" in screen_text(app)
            await pilot.press(*cancel_keys)
            await settle(app, pilot)
            assert app.screen is app.screen_stack[0], cancel_keys
            assert status_in_db(demo_db, "work-131-a1") == "started", cancel_keys
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("y")
        await until(
            pilot,
            lambda: status_in_db(demo_db, "work-131-a1") == "terminated",
            what="terminated in the database",
        )
        await settle(app, pilot)
        assert app.overview is not None
        assert app.overview.rows["work-131-a1"].record.status == "terminated"
        assert app.table.selected_id == "work-131-a1"
    with open_store(demo_db) as db:
        record = db.get_instance("work-131-a1")
        assert record is not None and record.terminated_at is not None
        assert db.get_mcp_events("work-131-a1", 1)[0].status_change == "terminated"


# --- b: backup -------------------------------------------------------------------------------------


async def test_backup_writes_a_sound_copy_and_updates_the_header(demo_db):
    app = make_app(demo_db, now=NOW)
    backups = __import__("pathlib").Path(demo_db).parent / "backups"
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        header = app.query_one(StatusHeader)
        assert app.overview is not None and app.overview.last_backup is None
        assert "backup never" in static_text(header, 200)
        await pilot.press("b")
        await until(pilot, lambda: bool(notes.matching("backup")), what="the backup notification")
        await settle(app, pilot)
        files = sorted(backups.glob("*"))
        assert len(files) == 1, files
        assert notes.matching("Backup written"), notes.texts()
        assert app.overview.last_backup is not None
        assert "backup never" not in static_text(header, 200)
    con = sqlite3.connect(files[0])
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM instances").fetchone() == (15,)
    finally:
        con.close()


async def test_backup_goes_to_backup_dir_when_given(demo_db, tmp_path):
    target = tmp_path / "elsewhere"
    app = make_app(demo_db, now=NOW, backup_dir=str(target))
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        await pilot.press("b")
        await until(pilot, lambda: bool(notes.matching("backup")), what="the backup notification")
        await settle(app, pilot)
        assert app.overview is not None and app.overview.last_backup is not None
    assert len(list(target.glob("*"))) == 1
    assert not (tmp_path / "backups").exists()


# --- o, p, ctrl+r ------------------------------------------------------------------------------------


async def test_sort_cycles_and_the_cursor_stays_on_its_instance(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        orders = [app.table.visible_ids]
        descriptions = [app.table.sort_description]
        assert descriptions[0].startswith("needs you first")  # the default: attention
        for _ in range(len(SORT_KEYS)):
            await pilot.press("o")
            await settle(app, pilot)
            assert app.table.selected_id == "work-121-a1"
            orders.append(app.table.visible_ids)
            descriptions.append(app.table.sort_description)
        assert len({tuple(o) for o in orders}) > 2, "o did not change the order"
        assert orders[-1] == orders[0], "as many sorts as there are keys cycle back to the first"
        assert len(set(descriptions[:-1])) == len(SORT_KEYS)
        title = str(app.query_one("#instances").border_title)
        assert f"sort: {app.table.sort_description}" in title


async def test_pause_holds_other_processes_commits_until_resumed(demo_db):
    app = make_app(demo_db, now=NOW, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        header = app.query_one(StatusHeader)
        select(app, "plan-130-a1")
        await pilot.press("p")
        await settle(app, pilot)
        assert "PAUSED" in static_text(header, 200)
        assert app.overview is not None
        before = app.overview.rows["work-131-a1"].record.status
        run_writer(demo_db, "status", "work-131-a1", "waiting_review")
        # the commit is noticed (watcher or poll) but not applied
        await until(pilot, lambda: app.feed.pending, what="the paused app to notice the commit")
        await settle(app, pilot)
        assert app.overview.rows["work-131-a1"].record.status == before == "started"
        assert "waiting_review" not in app.table.cell_text("work-131-a1", "status")
        assert "changes waiting" in static_text(header, 200)
        await pilot.press("p")
        await until(
            pilot,
            lambda: app.overview.rows["work-131-a1"].record.status == "waiting_review",
            what="the held commit after resuming",
        )
        await settle(app, pilot)
        assert "LIVE" in static_text(header, 200)
        assert "waiting_review" in app.table.cell_text("work-131-a1", "status")
        assert app.table.selected_id == "plan-130-a1"


async def test_ctrl_r_reloads_now(demo_db):
    app = make_app(demo_db, now=NOW, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        loads = app.feed.loads_completed
        with open_store(demo_db) as db:
            db.update_instance_status("work-135-a2", "waiting_review")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.feed.loads_completed > loads, what="a reload")
        await settle(app, pilot)
        assert app.overview is not None
        assert app.overview.rows["work-135-a2"].record.status == "waiting_review"


# --- ?, q, ctrl+p --------------------------------------------------------------------------------------


async def test_help_lists_every_visible_binding(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for action in visible_actions(read_only=False):
            assert action.help in text, action.id
            assert display_key(action) in text, action.id
        assert len(visible_actions(read_only=False)) == len(DASHBOARD_ACTIONS)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        await pilot.press("question_mark", "question_mark")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_command_palette_lists_the_actions(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for action in DASHBOARD_ACTIONS:
            if action.id in ("help", "quit"):
                continue
            assert any(title.startswith(action.title) for title in titles), action.title
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)


async def test_palette_command_runs_its_action(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sort_before = app.table.sort_index
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"Sort (o")
        results = palette.query_one(OptionList)
        await until(
            pilot,
            lambda: (
                results.option_count == 1 and "Sort" in str(results.get_option_at_index(0).prompt)
            ),
            what="the palette to match only Sort",
        )
        if results.highlighted is None:
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette), what="palette")
        await settle(app, pilot)
        assert app.table.sort_index == sort_before + 1


async def test_q_quits(demo_db):
    app = make_app(demo_db, now=NOW, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        await until(pilot, lambda: not app.is_running, what="the app to exit", seconds=5)
    assert not app.is_running
    assert app.return_code in (0, None)


async def test_keys_typed_right_after_slash_go_to_the_filter(demo_db):
    """A fast typist (or a paste) sends `/work` at once: no letter may reach the table's keys
    (`o` would re-sort, `s` open a dialog) before the filter has the focus."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sort_before = app.table.sort_index
        for key, char in [("slash", "/"), *((c, c) for c in "work-135 s")]:
            app.post_message(events.Key("space" if char == " " else key, char))
        await settle(app, pilot)
        assert app.query_one("#filter", Input).value == "work-135 s"
        assert app.table.sort_index == sort_before
        assert app.screen is app.screen_stack[0]
        assert set(app.table.visible_ids) == {"work-135-a1", "work-135-a2"}


async def test_slash_inside_the_filter_is_a_character(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"feature", "slash")
        await pilot.pause()
        assert app.query_one("#filter", Input).value == "feature/"
        await pilot.press("escape", "enter")  # `/` on the instance screen opens no filter
        await settle(app, pilot)
        assert isinstance(app.screen, InstanceScreen)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, InstanceScreen)
        assert not isinstance(app.focused, Input)


async def test_enter_draws_the_first_page_the_main_screen_already_holds(demo_db):
    """The main screen's timeline holds the selected instance's first page: the instance screen
    shows it at once, even while the database thread is busy (here: held for a second)."""
    import threading

    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        assert app.detail is not None and app.detail.instance_id == "work-121-a1"
        release = threading.Event()
        app.gateway._executor.submit(release.wait, 10)  # the one database thread, busy
        try:
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, InstanceScreen)
            table = screen.query_one(EventTable)
            assert table.row_count == len(app.detail.events) > 0
            assert [int(k) for k in table.row_keys] == [e.id for e in app.detail.events]
        finally:
            release.set()
        await settle(app, pilot)
        assert table.row_count == len(app.detail.events)


async def test_the_instance_screen_is_composed_ahead_without_being_shown(demo_db):
    """The first `enter` switches to a ready screen (composing it then took 150-270 ms)."""
    app = make_app(demo_db, now=NOW)
    notes = record_notifications(app)
    shown = record_frames(app, lambda screen: screen)  # what reaches the terminal, and from where
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.get_screen("instance")
        assert screen.is_mounted
        assert len(app.screen_stack) == 1 and not isinstance(app.screen, InstanceScreen)
        assert shown and not [s for s in shown if isinstance(s, InstanceScreen)]  # never drawn
        assert notes.items == []  # nothing was loaded for it
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, InstanceScreen) and app.screen.query_one(EventTable).row_count
