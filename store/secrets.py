"""Encryption at rest for `set_config(..., encrypted=True)`, with Fernet (AES-128-CBC + HMAC).

The key comes from CODEX_DASH_SECRET_KEY, or from a key file (CODEX_DASH_KEY_FILE, default
~/.config/codex-dash/secret.key) created on first use with mode 0600. The key never sits beside the
database, so a copied database or backup does not carry what decrypts it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import DatabaseError, ErrorCode

KEY_ENV = "CODEX_DASH_SECRET_KEY"
KEY_FILE_ENV = "CODEX_DASH_KEY_FILE"


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "codex-dash" / "secret.key"


class SecretBox:
    def __init__(self, key: bytes | None = None, key_file: Path | None = None) -> None:
        self._key = key
        self._key_file = key_file
        self._fernet: Any = None  # cryptography's Fernet, imported on first use (~50 ms)

    def _cipher(self) -> Any:
        if self._fernet is None:
            from cryptography.fernet import Fernet

            try:
                self._fernet = Fernet(self._key or load_or_create_key(self._key_file))
            except ValueError as exc:
                raise DatabaseError(
                    ErrorCode.CONFIG_FAILED,
                    f"the encryption key is not a valid Fernet key ({exc}); set {KEY_ENV} to the "
                    "output of Fernet.generate_key() or remove the key file to create a new one",
                ) from None
        return self._fernet

    def encrypt(self, plaintext: str) -> str:
        return self._cipher().encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, *, key_name: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._cipher().decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise DatabaseError(
                ErrorCode.CONFIG_FAILED,
                f"config value {key_name!r} is encrypted with a different key than this one "
                f"({KEY_ENV} or {KEY_FILE_ENV}); it cannot be decrypted here",
            ) from None


def load_or_create_key(key_file: Path | None = None) -> bytes:
    env_key = os.environ.get(KEY_ENV)
    if env_key:
        return env_key.encode("ascii")
    path = key_file or Path(os.environ.get(KEY_FILE_ENV) or default_key_file())
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_bytes().strip()
    except PermissionError as exc:
        raise DatabaseError(
            ErrorCode.FILE_PERMISSION_DENIED, f"cannot create the key file {path}: {exc.strerror}"
        ) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key
