"""user_config: plain and encrypted values, the key file, and a wrong key."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet
from store_helpers import expect_error

from store import ErrorCode

SECRET = "ghp_THIS-IS-A-VERY-SECRET-TOKEN-1234567890"


def test_get_set_delete(db):
    assert db.get_config("theme") is None
    db.set_config("theme", "dark")
    assert db.get_config("theme") == "dark"
    db.set_config("theme", "light")
    assert db.get_config("theme") == "light"
    db.set_config("empty", "")
    assert db.get_config("empty") == ""
    db.delete_config("theme")
    assert db.get_config("theme") is None
    db.delete_config("theme")  # deleting what is absent is fine


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [("", "x", "key"), (None, "x", "key"), ("k", None, "value"), ("k", 5, "value")],
)
def test_invalid_config(db, key, value, field):
    assert expect_error(ErrorCode.VALIDATION_FAILED, db.set_config, key, value).field == field


def test_encrypted_value_is_unreadable_where_stored(db, raw_db):
    db.set_config("github_token", SECRET, encrypted=True)
    db.set_config("plain", "visible-plain-value")
    assert db.get_config("github_token") == SECRET
    assert db.is_config_encrypted("github_token") is True
    assert db.is_config_encrypted("plain") is False
    assert db.is_config_encrypted("absent") is None

    ((stored, flag),) = raw_db(
        "SELECT value, encrypted FROM user_config WHERE key = 'github_token'"
    )
    assert flag == 1
    assert SECRET not in stored
    everything = repr(raw_db.dump())
    assert "visible-plain-value" in everything  # the check can see plain values...
    assert SECRET not in everything  # ...and the secret is not one of them


@pytest.mark.sqlite_only(reason="reads the bytes of the SQLite file and its -wal")
def test_encrypted_value_is_unreadable_in_the_files(db, db_path, _secret_key_file):
    db.set_config("github_token", SECRET, encrypted=True)
    db.set_config("plain", "visible-plain-value")
    files = [p for p in (db_path, db_path.with_name(db_path.name + "-wal")) if p.exists()]
    contents = b"".join(p.read_bytes() for p in files)
    assert b"visible-plain-value" in contents  # the check can see plain values...
    assert SECRET.encode() not in contents  # ...and the secret is not one of them
    db.disconnect()  # checkpointed into the main file: still absent
    assert SECRET.encode() not in db_path.read_bytes()


def test_key_file_is_created_private(db, _secret_key_file):
    assert not _secret_key_file.exists()
    db.set_config("token", SECRET, encrypted=True)
    mode = stat.S_IMODE(os.stat(_secret_key_file).st_mode)
    assert mode == 0o600
    Fernet(_secret_key_file.read_bytes().strip())  # a valid key


def test_value_survives_reopening_with_the_same_key(open_db):
    first = open_db()
    first.set_config("token", SECRET, encrypted=True)
    first.disconnect()
    assert open_db().get_config("token") == SECRET


def test_wrong_key_is_a_clear_error(open_db, tmp_path, monkeypatch):
    first = open_db()
    first.set_config("token", SECRET, encrypted=True)
    first.disconnect()

    monkeypatch.setenv("CODEX_DASH_KEY_FILE", str(tmp_path / "other" / "secret.key"))
    other = open_db()
    error = expect_error(ErrorCode.CONFIG_FAILED, other.get_config, "token")
    assert "'token'" in str(error) and "different key" in str(error)
    assert SECRET not in str(error)


def test_a_malformed_key_is_a_clear_error(db, _secret_key_file):
    _secret_key_file.parent.mkdir(parents=True)
    _secret_key_file.write_text("not a fernet key\n")
    error = expect_error(ErrorCode.CONFIG_FAILED, db.set_config, "token", SECRET, True)
    assert "not a valid Fernet key" in str(error)
