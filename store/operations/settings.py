"""user_config: plain and encrypted settings."""

from __future__ import annotations

from typing import Any

from .. import validation as v
from ..errors import ErrorCode


class ConfigOperations:
    def get_config(self, key: str) -> str | None:
        """Plain SQL: the dashboard reads its last backup time here before Pony is bound."""
        key = v.config_key(key)
        found = self._raw_read(lambda con: self.dialect.config_entry(con, key))
        if found is None:
            return None
        value, encrypted = found
        return self._secrets.decrypt(value, key_name=key) if encrypted else value

    def is_config_encrypted(self, key: str) -> bool | None:
        """Whether a key holds a secret, without decrypting it (None when absent)."""
        key = v.config_key(key)
        found = self._raw_read(lambda con: self.dialect.config_entry(con, key))
        return None if found is None else found[1]

    def set_config(self, key: str, value: str, encrypted: bool = False) -> None:
        key = v.config_key(key)
        value = v.config_value(value)
        encrypted = bool(v.boolean("encrypted", encrypted))
        stored = self._secrets.encrypt(value) if encrypted else value
        now = self._now_epoch()

        def op(e: Any, con: Any) -> None:
            entity = e.UserConfig.get(key=key)
            if entity is None:
                e.UserConfig(key=key, value=stored, encrypted=encrypted, updated_at=now)
            else:
                entity.set(value=stored, encrypted=encrypted, updated_at=now)

        self._write(ErrorCode.CONFIG_FAILED, op)

    def delete_config(self, key: str) -> None:
        key = v.config_key(key)

        def op(e: Any, con: Any) -> None:
            entity = e.UserConfig.get(key=key)
            if entity is not None:
                entity.delete()

        self._write(ErrorCode.CONFIG_FAILED, op)
