"""Fixtures every test folder shares: real files in tmp_path, a private key file, uid 65534."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pglab import INSTALL_HINT, PgServer, find_bin_dir, remove, start_server, start_standby


@pytest.fixture(autouse=True)
def _secret_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or create the real ~/.config/codex-dash/secret.key; no stray DATABASE_URL."""
    key_file = tmp_path / "keys" / "secret.key"
    monkeypatch.delenv("CODEX_DASH_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CODEX_DASH_KEY_FILE", str(key_file))
    return key_file


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "claude-codex.db"


@pytest.fixture
def world_dir() -> Iterator[Path]:
    """A folder uid 65534 can reach (tmp_path's parents are root-only, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="codex-dash-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("dropping to uid 65534 (and mounting tmpfs) needs root")


def _on_a_server(item: pytest.Item) -> bool:
    """Takes the server directly, or is the postgres variant of an engine-parametrized test
    (whose database is asked for at run time, outside the fixture closure)."""
    callspec = getattr(item, "callspec", None)
    engine = callspec.params.get("engine") if callspec is not None else None
    return engine == "postgres" or "pg_server" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The default run stays light: `slow` variants only with -m slow or CODEX_DASH_SLOW=1.
    CODEX_DASH_WITHOUT_SERVER=1 leaves out every test on a PostgreSQL server: .ci/run's second
    pass runs under libfaketime, which would fake the server's own clock and timers too (a
    VACUUM then waited forever); those tests ran on the real clock in the first pass."""
    if os.environ.get("CODEX_DASH_WITHOUT_SERVER") == "1":
        kept = [item for item in items if not _on_a_server(item)]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    if os.environ.get("CODEX_DASH_SLOW") == "1" or "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or CODEX_DASH_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# --- PostgreSQL: one throwaway server per test session, a fresh database per test -----------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL started for this run; missing binaries skip (and fail under CI=true)."""
    if find_bin_dir() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PostgreSQL is missing. {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    server = start_server()
    yield server
    remove(server)


@pytest.fixture
def pg_standby(pg_server: PgServer) -> Iterator[PgServer]:
    """A hot standby streaming from pg_server (a fresh one per test: it follows every database)."""
    standby = start_standby(pg_server)
    yield standby
    standby.stop("immediate")
