"""The status transition table: the one place that says which status changes are allowed.

started -> waiting_review -> pr_created -> pr_merged / pr_closed, review rounds may go back to work,
anything not terminated may be terminated, and nothing leaves terminated.
"""

from __future__ import annotations

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "started": frozenset({"waiting_review", "pr_created", "terminated"}),
    "waiting_review": frozenset({"started", "pr_created", "terminated"}),
    "pr_created": frozenset({"waiting_review", "pr_merged", "pr_closed", "terminated"}),
    "pr_merged": frozenset({"terminated"}),
    "pr_closed": frozenset({"terminated"}),
    "terminated": frozenset(),
}

# Statuses after which the agent's work is over: reaching one stamps terminated_at.
TERMINAL_STATUSES: frozenset[str] = frozenset({"pr_merged", "pr_closed", "terminated"})


def allowed_next(status: str) -> list[str]:
    """Next statuses in the table's natural order, for dialogs that offer only legal choices."""
    order = list(ALLOWED_TRANSITIONS)
    return sorted(ALLOWED_TRANSITIONS.get(status, frozenset()), key=order.index)


def is_allowed(current: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS.get(current, frozenset())
