"""Column types the models share: JSON kept as text, and secrets encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

import peewee
from cryptography.fernet import Fernet, InvalidToken

from billsync.daemon.errors import ConfigError

_fernet: Fernet | None = None


def set_secret_key(key: str) -> None:
    """Installs the key that encrypts OAuth tokens; the daemon calls it once at start-up."""
    global _fernet
    try:
        _fernet = Fernet(key.encode())
    except ValueError as e:
        raise ConfigError("BILLSYNC_SECRET_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)") from e


def fernet() -> Fernet:
    if _fernet is None:
        raise ConfigError("no secret key installed: call daemon.fields.set_secret_key() first")
    return _fernet


class JSONField(peewee.TextField):
    """A JSON document in a text column, portable across SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class EncryptedJSONField(peewee.TextField):
    """A JSON document encrypted with the daemon's secret key (Fernet: AES-CBC + HMAC)."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else fernet().encrypt(json.dumps(value).encode()).decode()

    def python_value(self, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return json.loads(fernet().decrypt(value.encode()))
        except InvalidToken as e:
            raise ConfigError(
                "stored tokens cannot be decrypted: BILLSYNC_SECRET_KEY changed since they were saved"
            ) from e
