"""The instances table widget: keys, mouse, what a line shows, and that it redraws only what changed."""

from __future__ import annotations

import dataclasses

import pytest
from tuilab import NOW, make_app, select, select_settled, settle

from tui.screens.instance_screen import InstanceScreen
from tui.widgets.instances_table import InstancesTable
from tui.widgets.line_table import HEADER_HEIGHT

pytestmark = pytest.mark.anyio
SMALL = (80, 24)  # the table shows fewer rows than the demo's 15, so it scrolls


def line_text(table: InstancesTable, y: int) -> str:
    return table.render_line(y).text


def cursor_on_screen(table: InstancesTable) -> bool:
    top = int(table.scroll_offset.y)
    return top <= table.cursor_row < top + table.size.height - HEADER_HEIGHT


async def test_arrow_vim_page_home_end_keys_move_the_cursor_and_keep_it_visible(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        table = app.table
        rows = table.row_count
        assert rows == 15
        assert table.size.height - HEADER_HEIGHT < rows, "the test needs a table that scrolls"
        await pilot.press("down", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("up", "up")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        page = table.size.height - HEADER_HEIGHT
        assert table.cursor_row == page
        assert cursor_on_screen(table)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == rows - 1
        assert cursor_on_screen(table)
        assert table.scroll_offset.y > 0
        assert table.visible_ids[-1] in line_text(table, table.size.height - 1)
        await pilot.press("pageup")
        assert table.cursor_row == rows - 1 - page
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await settle(app, pilot)
        assert app.detail is not None and app.detail.instance_id == table.visible_ids[0]


async def test_lines_show_the_header_and_rows_in_display_order(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(160, 40)) as pilot:  # wide: every column
        await settle(app, pilot)
        table = app.table
        header = line_text(table, 0)
        for label in ("Instance", "Type", "Status", "Branch", "Issue", "PR", "Agent", "Events"):
            assert label in header
        for index, instance_id in enumerate(table.visible_ids):
            line = line_text(table, index + HEADER_HEIGHT)
            assert line.startswith(f" {instance_id} ")
            assert table.instance_rows[instance_id].record.status in line
            assert len(line) == table.size.width


async def test_clicking_a_header_sorts_by_it_and_again_reverses(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.table
        select(app, "work-121-a1")
        header = line_text(table, 0)
        x = header.index("Events") + 1  # content offset; the table's border adds one
        await pilot.click(InstancesTable, offset=(x + 1, 1))
        await pilot.pause()
        counts = [table.instance_rows[i].event_count for i in table.visible_ids]
        assert counts == sorted(counts, reverse=True)
        assert "events" in str(app.query_one("#instances").border_title)
        assert table.selected_id == "work-121-a1"
        await pilot.click(InstancesTable, offset=(x + 1, 1))
        await pilot.pause()
        counts = [table.instance_rows[i].event_count for i in table.visible_ids]
        assert counts == sorted(counts)
        assert table.selected_id == "work-121-a1"


async def test_click_selects_a_row_and_double_click_opens_it(demo_db):
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.table
        target = table.visible_ids[4]
        # border (1) + header line, then the fifth row
        await pilot.click(InstancesTable, offset=(5, 1 + HEADER_HEIGHT + 4))
        await pilot.pause()
        assert table.selected_id == target
        assert not isinstance(app.screen, InstanceScreen)
        await pilot.click(InstancesTable, offset=(5, 1 + HEADER_HEIGHT + 4), times=2)
        await settle(app, pilot)
        assert isinstance(app.screen, InstanceScreen)
        assert app.screen.instance_id == target


async def test_only_changed_lines_are_drawn_again(demo_db, monkeypatch):
    """The point of the widget: a cursor move draws two lines, one changed row draws one."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.table
        drawn: list[str] = []
        real_line = InstancesTable._line

        def counting_line(self, cells, *args, **kwargs):
            drawn.append(str(cells[0]))
            return real_line(self, cells, *args, **kwargs)

        monkeypatch.setattr(InstancesTable, "_line", counting_line)
        await pilot.press("down")
        await pilot.pause()
        assert sorted(drawn) == sorted(table.visible_ids[:2])

        drawn.clear()
        rows = dict(table.instance_rows)
        changed = table.visible_ids[5]
        rows[changed] = dataclasses.replace(rows[changed], event_count=99_999)
        table.apply(rows, table.now)
        await pilot.pause()
        assert drawn == [changed]
        assert "99,999" in line_text(table, table.get_row_index(changed) + HEADER_HEIGHT)

        drawn.clear()
        await pilot.press("slash", "w", "o", "r", "k")  # filter: fewer rows, in another order
        await pilot.pause()
        assert set(drawn) <= set(table.visible_ids)  # the header stays as it was drawn

        drawn.clear()
        await pilot.press("enter")  # focus back to the table, first match selected
        await pilot.pause()
        assert table.has_focus
        drawn.clear()
        await pilot.press("tab")  # focus leaves: only the cursor's line changes
        await pilot.pause()
        assert not table.has_focus
        assert drawn == [table.visible_ids[0]] * len(drawn) and 1 <= len(drawn) <= 2


async def test_rows_moved_to_the_other_stripe_are_restyled_not_rebuilt(demo_db, monkeypatch):
    """A filtered-out row moves every row below it to the other stripe (and one under the
    cursor): their fitted text is kept and only restyled, and a restyled line is the line built
    afresh."""
    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        table = app.table
        keys = table.row_keys
        assert len(keys) < table.size.height - HEADER_HEIGHT  # all drawn before the move
        fitted: list[str] = []
        real_runs = InstancesTable._make_runs

        def counting_runs(self, cells):
            fitted.append(str(cells[0]))
            return real_runs(self, cells)

        monkeypatch.setattr(InstancesTable, "_make_runs", counting_runs)
        table.set_order(keys[1:])
        await pilot.pause()
        assert fitted == []
        restyled = [list(table.render_line(y)) for y in range(len(keys))]
        table._forget_lines()
        built = [list(table.render_line(y)) for y in range(len(keys))]
        assert fitted[1:] == keys[1:]  # after the header: every row, fitted afresh
        assert restyled == built


async def test_the_relationship_tree_is_rebuilt_only_when_the_family_changes(demo_db, monkeypatch):
    from tui.widgets.relationship_tree import RelationshipTree

    app = make_app(demo_db, now=NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await select_settled(app, pilot, "review-112-a1-r2")
        tree = app.query_one(RelationshipTree)
        detail = app.detail
        assert detail is not None and detail.instance_id == "review-112-a1-r2"
        rebuilds: list[str] = []
        real_set_lines = RelationshipTree.set_lines
        monkeypatch.setattr(
            RelationshipTree,
            "set_lines",
            lambda self, *a, **k: (rebuilds.append("x"), real_set_lines(self, *a, **k))[1],
        )
        tree.show_detail(dataclasses.replace(detail, events=[], event_count=0))
        assert rebuilds == []  # only the events differ: the tree does not show them
        parent = detail.related["work-112-a1"]
        related = {**detail.related, "work-112-a1": dataclasses.replace(parent, status="pr_merged")}
        tree.show_detail(dataclasses.replace(detail, related=related))
        assert rebuilds == ["x"]
        lines = [line.plain for line in tree.lines(100)]
        assert lines[0].startswith("▼ work-112-a1") and "pr_merged" in lines[0]
        assert lines[1].startswith("├─ review-112-a1-r1") and "review #1" in lines[1]
        assert lines[2].startswith("└─ review-112-a1-r2") and "review #2" in lines[2]


async def test_a_long_database_path_does_not_push_the_counts_off_the_header(tmp_path):
    """Seen in the demo at 80 columns: the path wrapped into the header's second line."""
    import shutil

    from textual.geometry import Region

    from demo.seed import build_demo_database
    from tui.widgets.status_header import StatusHeader

    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "claude-codex.db"
    deep.parent.mkdir(parents=True)
    build_demo_database(str(deep), now=NOW)
    app = make_app(str(deep), now=NOW)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        header = app.query_one(StatusHeader)
        first, second = (s.text for s in header.render_lines(Region(0, 0, SMALL[0], 2)))
        assert "LIVE" in first and first.rstrip().endswith("…")
        assert "started" in second and "events" in second
    shutil.rmtree(deep.parent)


def test_relationships_draw_each_instance_once_with_the_right_guides():
    """Someone else's data can list a child twice, under two parents, or in a cycle."""
    from testkit import make_instance

    from store import RelationshipRecord
    from tui.model import InstanceDetail
    from tui.widgets.relationship_tree import RelationshipTree

    def rel(parent: str, child: str, kind: str, iteration: int, id: int) -> RelationshipRecord:
        return RelationshipRecord(
            parent_instance=parent,
            child_instance=child,
            relationship_type=kind,
            review_iteration=iteration,
            id=id,
        )

    parent, first, second = (make_instance(id=name) for name in ("work-1-a1", "rev-1", "rev-2"))
    rels = [
        rel("work-1-a1", "rev-1", "spawned_review", 1, 1),
        rel("work-1-a1", "rev-2", "spawned_review", 2, 2),
        rel("work-1-a1", "rev-2", "spawned_review", 2, 3),  # listed twice
        rel("rev-1", "rev-2", "created_fork", 1, 4),  # and under a sibling
    ]
    detail = InstanceDetail(
        instance_id="rev-1",
        record=first,
        events=[],
        relationships=rels,
        related={r.id: r for r in (parent, first, second)},
    )
    lines = [line.plain for line in RelationshipTree().family_lines(detail)]
    assert [line.split()[:2] for line in lines] == [
        ["▼", "work-1-a1"],
        ["├─", "rev-1"],
        ["└─", "rev-2"],
    ]
    # A cycle: every instance now has a parent; the view starts at the selected one and ends.
    cyclic = dataclasses.replace(
        detail, relationships=[*rels, rel("rev-2", "work-1-a1", "x", 1, 5)]
    )
    cyclic_lines = [line.plain for line in RelationshipTree().family_lines(cyclic)]
    drawn = [line.split()[1] for line in cyclic_lines]
    assert sorted(drawn) == ["rev-1", "rev-2", "work-1-a1"]
