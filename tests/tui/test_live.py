"""Another process commits; the dashboard shows it without a key press and keeps its cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tuilab import NOW, make_app, run_writer, select_settled, settle, until

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


def events_cell(app, instance_id: str) -> int:
    return int(app.table.cell_text(instance_id, "events").replace(",", ""))


async def test_other_process_commits_appear_without_a_key_and_the_cursor_stays(demo_db):
    app = make_app(demo_db, now=NOW, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")  # from attention (the default) to created, newest first
        await settle(app, pilot)
        assert app.table.sort_description.startswith("created")
        await select_settled(app, pilot, "work-121-a1")
        row_before = app.table.cursor_row
        count = events_cell(app, "work-121-a1")

        # an event on the selected instance
        run_writer(demo_db, "event", "work-121-a1")
        await until(
            pilot, lambda: events_cell(app, "work-121-a1") == count + 1, what="the new event"
        )
        assert app.table.selected_id == "work-121-a1"

        # a status change on another instance
        run_writer(demo_db, "status", "work-131-a1", "waiting_review")
        await until(
            pilot,
            lambda: "waiting_review" in app.table.cell_text("work-131-a1", "status"),
            what="the status change",
        )
        assert app.table.selected_id == "work-121-a1"

        # a new instance, newest of all: it arrives above the cursor (sorted by created, newest first)
        created = (NOW + timedelta(minutes=1)).isoformat()
        run_writer(demo_db, "create", "work-150-a1", created)
        await until(pilot, lambda: "work-150-a1" in app.table.visible_ids, what="the new row")
        await settle(app, pilot)
        assert app.table.get_row_index("work-150-a1") == 0
        assert app.table.selected_id == "work-121-a1"
        assert app.table.cursor_row == row_before + 1
        assert app.table.row_count == 16
        # the detail panes follow the selection, not the new row
        assert app.detail is not None and app.detail.instance_id == "work-121-a1"


async def test_a_row_moving_above_the_cursor_keeps_the_cursor_on_its_instance(demo_db):
    app = make_app(demo_db, now=NOW, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o", "o")  # attention -> created -> last activity, newest first
        await settle(app, pilot)
        assert app.table.sort_description.startswith("last activity")
        ids = app.table.visible_ids
        selected = ids[len(ids) // 2]
        mover = ids[-1]  # the least recently active instance
        await select_settled(app, pilot, selected)
        index_before = app.table.cursor_row

        run_writer(demo_db, "event", mover)  # now the most recently active
        await until(
            pilot,
            lambda: app.table.visible_ids and app.table.visible_ids[0] == mover,
            what="the active row to move to the top",
        )
        await settle(app, pilot)
        assert app.table.selected_id == selected
        assert app.table.cursor_row == index_before + 1


async def test_read_only_dashboard_still_receives_live_updates(demo_db):
    app = make_app(demo_db, now=NOW, watch=True, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "plan-130-a1")
        run_writer(demo_db, "create", "work-151-a1", (NOW + timedelta(minutes=2)).isoformat())
        run_writer(demo_db, "status", "work-135-a2", "waiting_review")
        await until(
            pilot,
            lambda: (
                "work-151-a1" in app.table.visible_ids
                and "waiting_review" in app.table.cell_text("work-135-a2", "status")
            ),
            what="both commits",
        )
        await settle(app, pilot)
        assert app.table.selected_id == "plan-130-a1"
