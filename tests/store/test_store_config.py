"""DatabaseConfig: the spec's defaults, the environment variables, and cloud sync being off."""

from __future__ import annotations

import os

import pytest
from store_helpers import expect_error

from store import Database, DatabaseConfig, ErrorCode


def test_defaults_match_the_spec():
    cfg = DatabaseConfig()
    assert cfg.local_file == "claude-codex.db"
    assert cfg.enable_cloud_sync is False
    assert cfg.sync_url is None
    assert cfg.auth_token is None
    assert cfg.sync_interval == 300
    assert cfg.read_your_writes is True
    assert cfg.enable_wal is True
    assert cfg.busy_timeout == 5000


def test_from_an_empty_environment_is_the_defaults(monkeypatch):
    monkeypatch.setenv("DATABASE_BUSY_TIMEOUT", "1")  # an explicit mapping ignores os.environ
    assert DatabaseConfig.from_env({}) == DatabaseConfig()


@pytest.mark.parametrize(
    ("url", "local_file"),
    [
        ("file:./claude-codex-dev.db", "./claude-codex-dev.db"),
        ("file:///var/lib/codex/state.db", "/var/lib/codex/state.db"),
        ("/plain/absolute.db", "/plain/absolute.db"),
        ("relative/plain.db", "relative/plain.db"),
        ("file:./x.db?mode=rwc", "./x.db"),
    ],
)
def test_database_url_forms(url, local_file):
    assert DatabaseConfig.from_env({"DATABASE_URL": url}).local_file == local_file


@pytest.mark.parametrize(
    ("env", "attribute", "value"),
    [
        ({"DATABASE_WAL_MODE": "false"}, "enable_wal", False),
        ({"DATABASE_WAL_MODE": "TRUE"}, "enable_wal", True),
        ({"DATABASE_BUSY_TIMEOUT": "250"}, "busy_timeout", 250),
        ({"DATABASE_LOG_QUERIES": "true"}, "log_queries", True),
        ({"DATABASE_LOG_QUERIES": "0"}, "log_queries", False),
        ({"ENABLE_CLOUD_SYNC": "false"}, "enable_cloud_sync", False),
        ({"TURSO_DATABASE_URL": "libsql://db.turso.io"}, "sync_url", "libsql://db.turso.io"),
        ({"TURSO_AUTH_TOKEN": "tok-123"}, "auth_token", "tok-123"),
        (
            {"ENABLE_CLOUD_SYNC": "yes", "TURSO_DATABASE_URL": "libsql://db.turso.io"},
            "enable_cloud_sync",
            True,
        ),
    ],
)
def test_environment_variables(env, attribute, value):
    assert getattr(DatabaseConfig.from_env(env), attribute) == value


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("DATABASE_URL", "libsql://my-db.turso.io"),
        ("DATABASE_URL", "https://example.com/db"),
        ("DATABASE_URL", ""),
        ("DATABASE_URL", "file:"),
        ("DATABASE_WAL_MODE", "maybe"),
        ("DATABASE_BUSY_TIMEOUT", "soon"),
        ("DATABASE_BUSY_TIMEOUT", "-1"),
        ("DATABASE_BUSY_TIMEOUT", "2.5"),
        ("DATABASE_LOG_QUERIES", "2"),
        ("ENABLE_CLOUD_SYNC", "please"),
    ],
)
def test_bad_values_name_the_variable(variable, raw):
    error = expect_error(ErrorCode.VALIDATION_FAILED, DatabaseConfig.from_env, {variable: raw})
    assert error.field == variable
    assert variable in str(error)


def test_cloud_sync_without_a_url_is_a_validation_error():
    error = expect_error(
        ErrorCode.VALIDATION_FAILED, DatabaseConfig.from_env, {"ENABLE_CLOUD_SYNC": "true"}
    )
    assert error.field == "sync_url"
    assert "TURSO_DATABASE_URL" in str(error)


@pytest.mark.parametrize(
    ("field", "value"),
    [("busy_timeout", -1), ("sync_interval", 0), ("enable_wal", "yes"), ("local_file", "")],
)
def test_constructor_validates_fields(field, value):
    error = expect_error(ErrorCode.VALIDATION_FAILED, DatabaseConfig, **{field: value})
    assert error.field == field


def test_auth_token_is_never_shown():
    token = "super-secret-turso-token"
    cfg = DatabaseConfig.from_env(
        {"TURSO_AUTH_TOKEN": token, "TURSO_DATABASE_URL": "libsql://db.turso.io"}
    )
    assert cfg.auth_token == token
    assert token not in repr(cfg)
    assert token not in str(cfg)


@pytest.mark.sqlite_only(reason="cloud sync is of the local SQLite file: its bytes must not change")
def test_sync_without_cloud_sync_does_nothing(db, db_path):
    assert db.config.enable_cloud_sync is False
    before = db_path.read_bytes()
    assert db.sync() is None
    assert db_path.read_bytes() == before
    assert db.is_connected()


def test_enabling_cloud_sync_fails_clearly_and_creates_nothing(db_path):
    token = "super-secret-turso-token"
    cfg = DatabaseConfig(
        local_file=str(db_path),
        enable_cloud_sync=True,
        sync_url="libsql://db.turso.io",
        auth_token=token,
    )
    error = expect_error(ErrorCode.TURSO_CONNECTION_FAILED, Database(cfg).connect)
    assert "libsql://db.turso.io" in str(error)
    assert "local file only" in str(error)
    assert "ENABLE_CLOUD_SYNC=false" in str(error)
    assert token not in str(error)
    assert not os.path.exists(db_path)
