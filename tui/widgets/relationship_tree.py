"""The selected instance's family as a tree: parent, its children (review rounds in order),
and the selected instance's own children."""

from __future__ import annotations

from rich.text import Text

from ..formatting import STATUS_RICH, TYPE_SHORT
from ..model import InstanceDetail
from .text_view import TextView

RELATION_LABEL = {
    "spawned_review": "review",
    "created_fork": "fork",
    "planning_to_issue": "planned",
}


class RelationshipTree(TextView, can_focus=True):
    """Drawn as text with tree guides: a family is a handful of lines, shown not navigated, and
    Textual's Tree widget cost 8 ms a frame to render here (opening an instance draws one)."""

    DEFAULT_CSS = """
    RelationshipTree {
        height: 100%;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[object, ...] | None = None

    def show_detail(self, detail: InstanceDetail | None) -> None:
        """Redrawn only when what it draws changed: the selected instance's events (which it
        does not show) change far more often than its family."""
        shown = (
            None
            if detail is None
            else (detail.instance_id, detail.record, detail.relationships, detail.related)
        )
        if shown is not None and shown == self._shown:
            return
        self._shown = shown
        self.set_lines(self.family_lines(detail))

    def family_lines(self, detail: InstanceDetail | None) -> list[Text]:
        if detail is None or detail.record is None:
            return [Text("no instance selected", style="dim")]
        selected = detail.instance_id
        children_of: dict[str, list] = {}
        has_parent: set[str] = set()
        for rel in detail.relationships:
            children_of.setdefault(rel.parent_instance, []).append(rel)
            has_parent.add(rel.child_instance)
        if detail.record.parent_instance_id and selected not in has_parent:
            has_parent.add(selected)
        roots = [
            r.parent_instance
            for r in detail.relationships
            if r.child_instance == selected and r.parent_instance not in has_parent
        ]
        if not roots and detail.record.parent_instance_id:
            roots = [detail.record.parent_instance_id]
        if not roots:
            roots = [selected]
        out: list[Text] = []
        for root_id in dict.fromkeys(roots):
            line = Text()
            line.append("▼ ", style="bold")
            line.append_text(self._label(detail, root_id, None))
            out.append(line)
            self._add_children(detail, out, root_id, children_of, {root_id}, "")
        if not detail.relationships and not detail.record.parent_instance_id:
            out.append(Text("no parent or children", style="dim"))
        return out

    def _add_children(
        self,
        detail: InstanceDetail,
        out: list[Text],
        parent_id: str,
        children_of: dict[str, list],
        seen: set[str],
        indent: str,
    ) -> None:
        rels = sorted(children_of.get(parent_id, []), key=lambda r: (r.review_iteration, r.id or 0))
        # Each instance is drawn once: children are claimed before any is expanded, so a child
        # that someone else's data also puts deeper (or a cycle) neither repeats nor hangs the
        # view, and the last one drawn here is the one with the closing guide.
        claimed = []
        for rel in rels:
            if rel.child_instance not in seen:
                seen.add(rel.child_instance)
                claimed.append(rel)
        for number, rel in enumerate(claimed):
            child = rel.child_instance
            last = number == len(claimed) - 1
            line = Text()
            line.append(indent + ("└─ " if last else "├─ "), style="dim")
            line.append_text(self._label(detail, child, rel))
            out.append(line)
            if children_of.get(child):
                self._add_children(
                    detail, out, child, children_of, seen, indent + ("   " if last else "│  ")
                )

    @staticmethod
    def _label(detail: InstanceDetail, instance_id: str, rel: object | None) -> Text:
        record = detail.related.get(instance_id)
        is_selected = instance_id == detail.instance_id
        text = Text()
        text.append(instance_id, style="bold reverse" if is_selected else "bold")
        if record is None:
            text.append("  (missing)", style="red")
        else:
            text.append("  ")
            text.append(TYPE_SHORT.get(record.type, record.type), style="dim")
            text.append(" ")
            text.append(record.status, style=STATUS_RICH.get(record.status, ""))
        if rel is not None:
            kind = RELATION_LABEL.get(rel.relationship_type, rel.relationship_type)  # type: ignore[attr-defined]
            text.append("  ")
            text.append(kind, style="dim")
            if rel.relationship_type == "spawned_review":  # type: ignore[attr-defined]
                text.append(f" #{rel.review_iteration}", style="dim")  # type: ignore[attr-defined]
        return text
