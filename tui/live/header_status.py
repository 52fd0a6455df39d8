"""What the header and the instances table's title say: the live feed's state (live, paused,
changes waiting, a problem, the snapshot), the counts, and the filter and sort in use.

Every part that changes one of those asks for `refresh()`; it is cheap when nothing changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formatting import display_path
from ..widgets.status_header import StatusHeader

if TYPE_CHECKING:
    from ..app import CodexDashApp


class HeaderStatus:
    def __init__(self, app: CodexDashApp) -> None:
        self.app = app

    def refresh(self) -> None:
        app = self.app
        feed = app.feed
        app.query_one(StatusHeader).render_overview(
            feed.overview,
            now=app.now(),
            live=feed.live,
            read_only=app.read_only,
            pending=feed.pending,
            snapshot=app.gateway.is_snapshot,
            problem=feed.problem,
            db_name=display_path(app.gateway.config.path),
            needs_you=app.needs_you.count,
            silenced=app.needs_you.notifier.silenced,
            disconnected=feed.link_reason if feed.disconnected else None,
        )
        instances = app.query_one("#instances")
        if feed.overview is not None:
            table = app.table
            shown = table.row_count
            total = len(feed.overview.rows)
            count = f"{shown} of {total}" if shown != total else f"{total}"
            terms = " ".join(table.filter_terms)
            matching = f" · filter: {terms}" if terms else ""
            title = f"Instances ({count}){matching} · sort: {table.sort_description}"
            if instances.border_title != title:  # setting it repaints the whole table
                instances.border_title = title
