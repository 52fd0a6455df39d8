"""`a`: go to the selected agent's tmux session.

Inside tmux (on the agents' server) the user's own client switches to it; the first time, the
dashboard says how to come back (tmux's last-session key). Outside tmux the dashboard suspends,
runs `tmux attach`, and resumes when the user detaches. A read-only monitor attaches read-only
(inside tmux in a popup, so the user's own client is never made read-only), and says so. An agent
whose session is not on this machine gets a clear message instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.attach import AttachPlan, locate, plan_attach, run_now, run_suspended

if TYPE_CHECKING:
    from ..app import CodexDashApp


class AttachAgent:
    def __init__(self, app: CodexDashApp) -> None:
        self.app = app
        self._told_way_back = False

    def attach(self) -> None:
        app = self.app
        instance_id = app.table.selected_id
        overview = app.feed.overview
        row = overview.rows.get(instance_id) if overview and instance_id else None
        if row is None:
            app.notify("No instance selected", severity="warning", timeout=2)
            return
        record = row.record
        app.run_worker(
            lambda: self._plan(record.tmux_session, record.worktree_path),
            thread=True,
            group="attach",
            exclusive=True,
        )

    def _plan(self, session: str, worktree: str) -> None:
        """On a worker thread: one `has-session` to know where the session is."""
        app = self.app
        where = locate(session, worktree, socket=app.tmux_socket)
        if not where.here:
            app.call_from_thread(app.notify, where.message, severity="warning", timeout=6)
            return
        plan = plan_attach(session, read_only=app.read_only, socket=app.tmux_socket)
        if plan.how == "suspend":
            app.call_from_thread(self._suspended, plan)
            return
        error = run_now(plan, timeout=None if plan.how == "popup" else 5.0)
        app.call_from_thread(self._done, plan, error)

    def _done(self, plan: AttachPlan, error: str | None) -> None:
        app = self.app
        if error:
            app.notify(f"Could not attach to {plan.session}: {error}", severity="error")
            return
        if plan.how == "switch" and self._told_way_back:
            return
        self._told_way_back = True
        app.notify(plan.message, timeout=8)

    def _suspended(self, plan: AttachPlan) -> None:
        from textual.app import SuspendNotSupported

        app = self.app
        try:
            with app.suspend():
                print(f"codex-dash: {plan.message}", flush=True)  # before tmux takes the screen
                error = run_suspended(plan)
        except SuspendNotSupported:
            app.notify(
                f"This terminal cannot hand over to tmux: run `{' '.join(plan.command)}`",
                severity="warning",
                timeout=8,
            )
            return
        if error:
            app.notify(f"Could not attach to {plan.session}: {error}", severity="error")
        elif plan.read_only:
            app.notify(f"Back from {plan.session} (watched read-only)", timeout=3)
