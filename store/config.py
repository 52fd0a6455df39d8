"""DatabaseConfig: the spec's settings and defaults, and how the environment sets them."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .errors import DatabaseError, ErrorCode
from .timeutil import Clock, system_clock

DEFAULT_FILE = "claude-codex.db"
SERVER_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True, slots=True)
class MaintenanceSettings:
    """The spec's `maintenance` block: what `codex-dash maintain` follows."""

    vacuum_interval: int = 86_400  # seconds
    backup_retention_days: int = 7
    log_retention_days: int = 30
    auto_backup: bool = True


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    local_file: str = DEFAULT_FILE
    enable_cloud_sync: bool = False
    sync_url: str | None = None
    auth_token: str | None = field(default=None, repr=False)  # a secret: never in repr or logs
    sync_interval: int = 300  # seconds
    read_your_writes: bool = True
    enable_wal: bool = True
    busy_timeout: int = 5000  # milliseconds
    # The spec's `local` and `connection` blocks.
    auto_migrate: bool = True
    log_queries: bool = False
    max_retries: int = 3
    retry_delay: int = 1000  # milliseconds, the first backoff step's ceiling
    # Not in the spec: a dashboard used as a monitor opens the file read-only at the SQLite level.
    read_only: bool = False
    # Not in the spec: viewers and maintenance open an existing file and never create an empty one
    # (a mistyped path, or a file deleted while the dashboard runs, must not become a new database).
    create: bool = True
    maintenance: MaintenanceSettings = field(default_factory=MaintenanceSettings)
    # Not in the spec: where "now" comes from for every default timestamp and maintenance decision.
    clock: Clock = field(default=system_clock, repr=False, compare=False)
    # Not in the spec: a PostgreSQL server (`postgresql://user:password@host:port/dbname`) instead
    # of the file. It may hold a password: never in repr, logs or messages (see `display_name`).
    server_url: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check(isinstance(self.local_file, str) and bool(self.local_file), "local_file", "a path")
        _check(_is_int(self.busy_timeout) and self.busy_timeout >= 0, "busy_timeout", ">= 0 ms")
        _check(_is_int(self.sync_interval) and self.sync_interval > 0, "sync_interval", "> 0 s")
        _check(_is_int(self.max_retries) and self.max_retries >= 0, "max_retries", ">= 0")
        _check(_is_int(self.retry_delay) and self.retry_delay >= 0, "retry_delay", ">= 0 ms")
        for name in ("enable_cloud_sync", "read_your_writes", "enable_wal", "auto_migrate"):
            _check(isinstance(getattr(self, name), bool), name, "true or false")
        if self.enable_cloud_sync and not self.sync_url:
            raise DatabaseError(
                ErrorCode.VALIDATION_FAILED,
                "sync_url: enable_cloud_sync needs a sync URL (TURSO_DATABASE_URL)",
                field="sync_url",
            )

        if self.server_url is not None:
            _check(is_server_url(self.server_url), "server_url", "a postgresql:// URL")

    @property
    def engine(self) -> str:
        """The dialect's name: "postgres" for a server URL, else "sqlite"."""
        return "postgres" if self.server_url else "sqlite"

    @property
    def path(self) -> str:
        """The file; for a server, its URL without the password (safe to show)."""
        if self.server_url:
            return self.display_name
        return os.path.abspath(os.path.expanduser(self.local_file))

    @property
    def display_name(self) -> str:
        return redact_url(self.server_url) if self.server_url else self.path

    def with_file(self, local_file: str) -> DatabaseConfig:
        return replace(self, local_file=local_file, server_url=None)

    def with_target(self, target: str) -> DatabaseConfig:
        """`--db`: a postgresql:// URL selects the server, anything else is a file or file: URL."""
        if is_server_url(target):
            return replace(self, server_url=target.strip())
        return self.with_file(parse_database_url(target))

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> DatabaseConfig:
        """Read the spec's variables; a malformed value is an error naming the variable."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if "DATABASE_URL" in env:
            if is_server_url(env["DATABASE_URL"]):
                values["server_url"] = env["DATABASE_URL"].strip()
            else:
                values["local_file"] = parse_database_url(env["DATABASE_URL"])
        if "DATABASE_WAL_MODE" in env:
            values["enable_wal"] = parse_bool("DATABASE_WAL_MODE", env["DATABASE_WAL_MODE"])
        if "DATABASE_BUSY_TIMEOUT" in env:
            values["busy_timeout"] = parse_int(
                "DATABASE_BUSY_TIMEOUT", env["DATABASE_BUSY_TIMEOUT"]
            )
        if "DATABASE_LOG_QUERIES" in env:
            values["log_queries"] = parse_bool("DATABASE_LOG_QUERIES", env["DATABASE_LOG_QUERIES"])
        if "ENABLE_CLOUD_SYNC" in env:
            values["enable_cloud_sync"] = parse_bool("ENABLE_CLOUD_SYNC", env["ENABLE_CLOUD_SYNC"])
        if env.get("TURSO_DATABASE_URL"):
            values["sync_url"] = env["TURSO_DATABASE_URL"]
        if env.get("TURSO_AUTH_TOKEN"):
            values["auth_token"] = env["TURSO_AUTH_TOKEN"]
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def is_server_url(url: str) -> bool:
    return isinstance(url, str) and url.strip().lower().startswith(SERVER_SCHEMES)


def redact_url(url: str) -> str:
    """The URL with its password (and any password= parameter) replaced by ***."""
    parts = urllib.parse.urlsplit(url.strip())
    netloc = parts.netloc
    if "@" in netloc:
        auth, host = netloc.rsplit("@", 1)
        if ":" in auth:
            auth = auth.split(":", 1)[0] + ":***"
        netloc = f"{auth}@{host}"
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else f"{k}={v}"
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def url_password(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url.strip())
    for k, v in urllib.parse.parse_qsl(parts.query):
        if k.lower() == "password":
            return v
    return urllib.parse.unquote(parts.password) if parts.password else None


def parse_database_url(url: str) -> str:
    """`file:./x.db`, `file:///abs/x.db` or a plain path; remote URLs are not a local file."""
    url = url.strip()
    if not url:
        raise _env_error("DATABASE_URL", url, "a file: URL or a path")
    if url.startswith("file://"):
        path = url[len("file://") :]
    elif url.startswith("file:"):
        path = url[len("file:") :]
    elif "://" in url:
        raise _env_error(
            "DATABASE_URL",
            url.split("://")[0] + "://…",
            "a local file (file:./claude-codex.db) or a postgresql:// server URL "
            "(libSQL/Turso URLs go in TURSO_DATABASE_URL)",
        )
    else:
        path = url
    path = path.split("?", 1)[0]
    if not path:
        raise _env_error("DATABASE_URL", url, "a file path after 'file:'")
    return path


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _env_error(name, raw, "true or false")


def parse_int(name: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise _env_error(name, raw, "a whole number of milliseconds") from None
    if value < 0:
        raise _env_error(name, raw, "a number >= 0")
    return value


def _env_error(name: str, raw: str, expected: str) -> DatabaseError:
    return DatabaseError(
        ErrorCode.VALIDATION_FAILED, f"{name}={raw!r} is not valid: expected {expected}", field=name
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(ok: bool, name: str, expected: str) -> None:
    if not ok:
        raise DatabaseError(ErrorCode.VALIDATION_FAILED, f"{name}: must be {expected}", field=name)
