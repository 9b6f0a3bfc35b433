"""The standalone panel's own users: names and werkzeug password hashes in one small
JSON file in the data directory (mode 0600), replaced atomically on every change.

A host app that mounts the panel uses its own users instead; this is only for
``billsync web``.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from billsync.locations import private_folder

USERS_FILE = "web-users.json"
NAME = re.compile(r"^[\w.@+-]{1,100}$")
MIN_PASSWORD = 8
#: Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("billsync-no-such-user")


@dataclass(frozen=True)
class User(UserMixin):
    """A standalone admin. Every standalone user administers every connection."""

    name: str
    is_admin: bool = True

    def get_id(self) -> str:
        return self.name


class UserStore:
    """The users file. Reads it on every look-up, so ``billsync web create-user`` takes
    effect in a running panel without a restart."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / USERS_FILE
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text())["users"]

    def _write(self, users: dict[str, dict]) -> None:
        private_folder(self.path.parent)
        tmp = self.path.with_suffix(".tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump({"users": users}, f, indent=2)
        os.replace(tmp, self.path)

    def names(self) -> list[str]:
        return sorted(self._read())

    def get(self, name: str) -> User | None:
        return User(name) if name in self._read() else None

    def set_password(self, name: str, password: str) -> User:
        """Creates the user, or changes their password; raises ValueError for a bad name
        or a password shorter than MIN_PASSWORD."""
        if not NAME.match(name):
            raise ValueError("a user name has 1 to 100 letters, digits or . @ + - _")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
        with self._lock:
            users = self._read()
            users[name] = {"password_hash": generate_password_hash(password)}
            self._write(users)
        return User(name)

    def delete(self, name: str) -> bool:
        with self._lock:
            users = self._read()
            found = users.pop(name, None) is not None
            self._write(users)
        return found

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs; the same work is done for unknown names."""
        record = self._read().get(name)
        ok = check_password_hash(record["password_hash"] if record else _DUMMY_HASH, password)
        return User(name) if record and ok else None
