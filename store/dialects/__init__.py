"""Engine-specific code lives here, one module per engine (sqlite, postgres), behind one seam: the
store core (store/core.py) calls only names every dialect module defines. Adding an engine means
adding a module here, its migrations folder, and a line in `for_engine`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from . import sqlite  # the default engine, stdlib only: loaded with the store, as before

ENGINES = ("sqlite", "postgres")


def for_engine(engine: str) -> ModuleType:
    """The dialect module; PostgreSQL's (psycopg2) is imported only when asked for."""
    if engine not in ENGINES:
        raise ValueError(f"no dialect for engine {engine!r}")
    if engine == "sqlite":
        return sqlite
    return importlib.import_module(f"{__name__}.{engine}")


class CommitUncertain(Exception):
    """COMMIT was sent and the answer never came: the write may or may not be in the database.
    The core asks the server (dialect.commit_status) rather than writing twice."""

    def __init__(self, txid: int, result: object) -> None:
        super().__init__(f"the connection was lost while committing transaction {txid}")
        self.txid, self.result = txid, result
