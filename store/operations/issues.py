"""GitHub issues: upserted in batches, read one at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import validation as v
from ..convert import issue_from_entity
from ..errors import ErrorCode
from ..records import GitHubIssueRecord


class IssueOperations:
    def upsert_github_issue(self, issue: GitHubIssueRecord) -> None:
        self.sync_github_issues([issue])

    def sync_github_issues(self, issues: Sequence[GitHubIssueRecord]) -> int:
        """Upsert many issues in one transaction; all or none. Returns how many."""
        count, params = v.issue_params(issues, now=self._now_epoch())
        if not count:
            return 0

        def op(con: Any) -> int:
            self.dialect.upsert_issue_params(con, count, params)
            return count

        return self._raw_write(ErrorCode.INSERT_FAILED, op)

    def get_github_issue(self, number: int) -> GitHubIssueRecord | None:
        number = v.integer("number", number, required=True)  # type: ignore[assignment]

        def op(e: Any) -> GitHubIssueRecord | None:
            entity = e.GitHubIssue.get(number=number)
            return None if entity is None else issue_from_entity(entity)

        return self._read(op)
