"""Throwaway PostgreSQL servers for the tests: initdb into a temporary folder, a free loopback port,
trust auth, stopped at the end; a streaming standby made with pg_basebackup where a test needs one.

initdb and postgres refuse to run as root: as root the folder belongs to the `postgres` user (0700)
and every server command runs through `runuser -u postgres --`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found: install them with "
    "`apt-get install -y postgresql` (Debian/Ubuntu) or `brew install postgresql` (macOS), "
    "or point CODEX_DASH_PG_BIN at the folder holding initdb"
)
SERVER_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: CODEX_DASH_PG_BIN, PATH, or Debian's versioned folders."""
    chosen = os.environ.get("CODEX_DASH_PG_BIN")
    candidates = [chosen] if chosen else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(os.path.dirname(os.path.realpath(on_path)))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and os.access(os.path.join(folder, "initdb"), os.X_OK):
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _own(path: Path, mode: int) -> None:
    path.chmod(mode)
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(path, user.pw_uid, user.pw_gid)


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stderr or done.stdout}")


class PgServer:
    """One running cluster: `url(dbname)` for clients, `admin()` for setup, `stop()` at the end."""

    def __init__(self, bin_dir: Path, root: Path, data: Path, port: int) -> None:
        self.bin_dir, self.root, self.data, self.port = bin_dir, root, data, port
        self.log = root / f"{data.name}.log"

    def url(self, dbname: str = "postgres", **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}" + (
            f"?{query}" if query else ""
        )

    def admin(self, dbname: str = "postgres") -> Any:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname)
        con.autocommit = True
        return con

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple]:
        con = self.admin(dbname)
        try:
            with con.cursor() as cur:
                cur.execute(statement)
                return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def create_database(self, template: str | None = None) -> str:
        """A fresh database (from `template` when given: a copy of a migrated one is fast)."""
        name = "t_" + uuid.uuid4().hex[:12]
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.sql(f'CREATE DATABASE "{name}"{suffix}')
        return name

    def drop_database(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _ctl(self, *args: str) -> None:
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args], f"pg_ctl {args[0]}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c fsync=off "
            "-c max_connections=60"
        )
        self._ctl("-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(RuntimeError):
            self._ctl("-m", mode, "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()


def _new_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="codex-dash-pg-", dir="/tmp"))
    _own(root, 0o755)
    return root


def start_server(bin_dir: Path | None = None) -> PgServer:
    """initdb (trust auth, UTF8, C collation) and start on a free loopback port."""
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(INSTALL_HINT)
    root = _new_root()
    data = root / "primary"
    data.mkdir()
    _own(data, 0o700)
    _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        "initdb",
    )
    return _start_on_free_port(PgServer(bin_dir, root, data, 0))


def start_standby(primary: PgServer) -> PgServer:
    """A hot standby streaming from `primary` (pg_basebackup -R -X stream)."""
    data = primary.root / f"standby-{uuid.uuid4().hex[:6]}"
    data.mkdir()
    _own(data, 0o700)
    _run(
        [
            str(primary.bin_dir / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        ],
        "pg_basebackup",
    )
    return _start_on_free_port(PgServer(primary.bin_dir, primary.root, data, 0))


def _start_on_free_port(server: PgServer, attempts: int = 3) -> PgServer:
    for attempt in range(attempts):
        server.port = free_port()
        try:
            server.start()
            return server
        except RuntimeError:  # another process took the port between probe and start
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


def remove(server: PgServer) -> None:
    server.stop("immediate")
    shutil.rmtree(server.root, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    server = start_server()
    try:
        yield server
    finally:
        remove(server)
