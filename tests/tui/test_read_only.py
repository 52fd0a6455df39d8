"""`--read-only`: no mutating action is offered, every key leaves the file's bytes alone."""

from __future__ import annotations

import pytest
from tuilab import (
    NOW,
    file_hashes,
    make_app,
    record_notifications,
    screen_text,
    select_settled,
    settle,
)

from tui.keymap import DASHBOARD_ACTIONS, MUTATING_ACTIONS
from tui.screens.help_screen import HelpScreen
from tui.widgets.key_bar import KeyBar

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
MUTATING = [a for a in DASHBOARD_ACTIONS if a.mutating]


def test_the_keymap_marks_status_terminate_and_kill_as_mutating():
    assert {a.key for a in MUTATING} == {"s", "t", "K"}


async def test_read_only_offers_no_mutating_action(demo_db):
    app = make_app(demo_db, now=NOW, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # the key bar
        bar = str(app.query_one(KeyBar).render())
        assert " b Backup " in bar, f"the key bar shows no keys: {bar!r}"
        for action in MUTATING:
            assert f" {action.key} {action.title} " not in bar
        # bindings the app would run
        active = {b.binding.action for b in app.active_bindings.values()}
        assert not active & MUTATING_ACTIONS
        # palette
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for action in MUTATING:
            assert not any(t.startswith(action.title) for t in titles), action.title
        assert any(t.startswith("Backup") for t in titles)
        # help
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "read-only" in text
        for action in MUTATING:
            assert action.help not in text, action.id
        for action in DASHBOARD_ACTIONS:
            if not action.mutating:
                assert action.help in text, action.id


async def test_every_key_leaves_the_database_bytes_unchanged(demo_db):
    before_start = file_hashes(demo_db)
    app = make_app(demo_db, now=NOW, read_only=True, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        notes = record_notifications(app)
        await settle(app, pilot)
        await select_settled(app, pilot, "work-121-a1")
        opened = file_hashes(demo_db)
        assert opened[demo_db] == before_start[demo_db]

        # each mutating key: refused out loud, nothing opens
        for action in MUTATING:
            count = len(notes.items)
            await pilot.press(action.key)
            await settle(app, pilot)
            assert app.screen is app.screen_stack[0], action.key
            said = [m for m, _, _ in notes.items[count:]]
            assert any("read-only" in m for m in said), (action.key, said)

        # every other key of the keymap, and a few more, each undone where it opens something
        sequences = [
            ["enter", "m", "ctrl+end", "s", "t", "K", "escape"],
            ["slash", *"work", "enter", "escape"],
            ["slash", *"zz", "escape", "escape"],
            ["b"],
            ["o", "o", "o", "o", "o"],
            ["p", "ctrl+r", "p"],
            ["ctrl+r"],
            ["question_mark", "s", "escape"],
            ["ctrl+p", "escape"],
            ["y", "n", "down", "pagedown", "tab", "escape", "x"],
            ["v", "down", "v"],  # the agent's terminal: no session here, nothing typed
            ["a"],  # attach: the session is not on this machine; read-only either way
            ["z", "z"],
        ]
        pressed = {key for keys in sequences for key in keys} | {a.key for a in MUTATING}
        missing = {a.key for a in DASHBOARD_ACTIONS} - pressed - {"q"}
        assert not missing, f"keys of the keymap not exercised: {missing}"
        for keys in sequences:
            await pilot.press(*keys)
            await settle(app, pilot)
            if app.screen is not app.screen_stack[0]:
                await pilot.press("escape")
                await settle(app, pilot)
            assert file_hashes(demo_db) == opened, keys
        assert notes.matching("Backup written"), notes.texts()  # a backup reads, never writes
        await pilot.press("q")
        await pilot.pause()
    assert file_hashes(demo_db)[demo_db] == before_start[demo_db]
