"""The actions on the selected instance, each with its confirmation: `s` change the status, `t`
terminate, `K` kill the agent, and `b` back the database up. New keys that act on an instance
(attach, a terminal preview) belong here or beside this module.

Writes run on the database thread (tui/gateway.py); a kill or a backup runs in a thread worker of
its own, so the dashboard keeps drawing. Every outcome is a notification, and a reload follows so
the table shows it at once."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text

from store import DatabaseError
from store.maintenance import backup_to_folder

from ..formatting import size
from ..model import InstanceRow
from ..widgets.bottom_line import BottomLine

if TYPE_CHECKING:
    from textual.widgets import ProgressBar

    from ..app import CodexDashApp


class InstanceActions:
    def __init__(self, app: CodexDashApp) -> None:
        self.app = app

    def selected_row(self) -> InstanceRow | None:
        selected = self.app.table.selected_id
        overview = self.app.feed.overview
        if selected is None or overview is None:
            return None
        return overview.rows.get(selected)

    def _require_selection(self) -> InstanceRow | None:
        row = self.selected_row()
        if row is None:
            self.app.notify("No instance selected", severity="warning")
        return row

    # --- `enter` ------------------------------------------------------------------------------------

    def open_selected(self) -> None:
        row = self._require_selection()
        if row is not None:
            self.app.detail_follower.open(row.id)

    # --- `s` and `t` --------------------------------------------------------------------------------

    def change_status(self) -> None:
        row = self._require_selection()
        if row is None:
            return

        def chosen(status: str | None) -> None:
            if status == "terminated":  # as destructive as `t`: the same confirmation
                self._confirm_terminate(row)
            elif status:
                self._set_status(row.id, status)

        from ..screens.status_dialog import StatusDialog

        self.app.push_screen(StatusDialog(row.id, row.record.status), chosen)

    def terminate(self) -> None:
        row = self._require_selection()
        if row is not None:
            self._confirm_terminate(row)

    def _confirm_terminate(self, row: InstanceRow) -> None:
        from ..screens.confirm import ConfirmScreen

        body = Text.assemble(
            "Mark ",
            (row.id, "bold"),
            f" ({row.record.status}) as terminated.\n",
            ("Its process and tmux session are left running: K kills them.", "dim"),
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._set_status(row.id, "terminated")

        self.app.push_screen(
            ConfirmScreen("Terminate instance?", body, confirm_label="Terminate"), confirmed
        )

    def _set_status(self, instance_id: str, status: str) -> None:
        self.app.run_worker(self._write_status(instance_id, status), group="write")

    async def _write_status(self, instance_id: str, status: str) -> None:
        app = self.app
        try:
            await app.gateway.run(
                lambda: app.gateway.db.update_instance_status(instance_id, status)
            )
        except DatabaseError as exc:
            app.notify(exc.message, title=exc.code, severity="error", timeout=8)
            return
        app.notify(f"{instance_id} → {status}")
        app.feed.request_reload(force=True)

    # --- `K` ----------------------------------------------------------------------------------------

    def kill(self) -> None:
        row = self._require_selection()
        if row is None:
            return
        if self.app.gateway.config.server_url is not None:
            # A shared server holds other machines' agents: look for the session here first.
            self.app.run_worker(partial(self._kill_if_here, row), thread=True, group="kill")
        else:
            self._confirm_kill(row)

    def _kill_if_here(self, row: InstanceRow) -> None:
        """In a thread worker: a tmux look (a few ms) must not hold up the screen."""
        from agents import tmux

        app = self.app
        record = row.record
        try:
            here = tmux.session_exists(record.tmux_session, socket=app.tmux_socket)
        except tmux.TmuxError:
            here = False
        if here:
            app.call_from_thread(self._confirm_kill, row)
            return
        app.call_from_thread(
            app.notify,
            f"{record.id} runs on another machine: its tmux session {record.tmux_session} is "
            "not on this one, so K cannot stop it. Use K on the machine it runs on; t "
            "terminates its record from anywhere.",
            title="Not on this machine",
            severity="warning",
            timeout=10,
        )

    def _confirm_kill(self, row: InstanceRow) -> None:
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
                self.app.run_worker(partial(self._kill, row), thread=True, group="kill")

        from ..screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen("Kill agent?", body, confirm_label="Kill"), confirmed)

    def _kill(self, row: InstanceRow) -> None:
        """In a thread worker: the grace period must not hold up the screen."""
        from agents.kill import kill_agent  # imported on use: start-up does not pay for psutil

        app = self.app
        record = row.record
        report = kill_agent(
            record.claude_pid,
            record.tmux_session,
            created_at=record.created_at,
            socket=app.tmux_socket,
            grace=app.kill_grace,
        )
        severity = "information" if report.ok else "error"
        app.call_from_thread(
            app.notify, report.message, title=f"Kill {record.id}", severity=severity, timeout=10
        )
        if report.ok and record.status != "terminated":
            try:
                app.gateway.run_sync(
                    lambda: app.gateway.db.update_instance_status(record.id, "terminated")
                )
            except DatabaseError as exc:
                app.call_from_thread(
                    app.notify, exc.message, title=exc.code, severity="error", timeout=8
                )
        app.call_from_thread(app.feed.request_reload, True)

    # --- `b` ----------------------------------------------------------------------------------------

    def backup(self) -> None:
        bar = self._progress_bar()
        self.app.run_worker(partial(self._backup, bar), thread=True, exclusive=True, group="backup")

    def _progress_bar(self) -> ProgressBar:
        """Mounted on the first backup, not composed: one widget fewer to style before the first
        frame. Determinate (total set): with no total, a hidden ProgressBar still animates its
        indeterminate state 15 times a second, most of the dashboard's idle CPU once."""
        from textual.widgets import ProgressBar

        app = self.app
        found = app.query("#progress")
        if found:
            return found.first(ProgressBar)
        bar = ProgressBar(id="progress", show_eta=False, total=100)
        app.mount(bar, before=app.query_one(BottomLine))
        return bar

    def _backup(self, bar: ProgressBar) -> None:
        """In a thread worker: the copy runs on the database thread, its progress shown here."""
        app = self.app
        app.call_from_thread(bar.add_class, "visible")
        app.call_from_thread(bar.update, total=100, progress=0)

        def progress(done: int, total: int) -> None:
            app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        try:
            result = app.gateway.run_sync(
                lambda: backup_to_folder(app.gateway.db, app.backup_dir, progress=progress)
            )
        except DatabaseError as exc:
            app.call_from_thread(
                app.notify,
                exc.message,
                title=f"Backup failed ({exc.code})",
                severity="error",
                timeout=10,
            )
        else:
            app.call_from_thread(
                app.notify,
                f"{result.path}\n{size(result.size_bytes)} in {result.seconds:.2f} s, integrity ok",
                title="Backup written",
                timeout=8,
            )
        finally:
            app.call_from_thread(bar.remove_class, "visible")
            app.call_from_thread(app.feed.request_reload, True)
