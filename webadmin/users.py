"""The standalone panel's own users: names, werkzeug password hashes and session
generations in one small JSON file in the data directory (mode 0600), replaced
atomically on every change, under a lock shared by every process.

A host app that mounts the panel uses its own users instead; this is only for
``billsync web``.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from billsync.locations import private_file, private_folder

USERS_FILE = "web-users.json"
NAME = re.compile(r"^[\w.@+-]{1,100}$")
MIN_PASSWORD = 8
#: Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("billsync-no-such-user")


@dataclass(frozen=True)
class User(UserMixin):
    """A standalone admin. Every standalone user administers every connection.

    ``generation`` is drawn anew each time their sessions end (log out, new password,
    ``billsync web revoke-sessions``). It is part of the id a session keeps, so an older
    session, a copied cookie included, no longer loads its user. Random, not a count: a
    user deleted and created again does not bring back the old one's sessions.
    """

    name: str
    generation: str = ""
    is_admin: bool = True

    def get_id(self) -> str:
        return f"{self.name}:{self.generation}"


class UserStore:
    """The users file. Reads it on every look-up, so ``billsync web create-user`` takes
    effect in a running panel without a restart."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / USERS_FILE

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

    @contextmanager
    def _change(self) -> Iterator[dict[str, dict]]:
        """The users to change, written back after: read and write under an exclusive lock
        on a file beside them, so no process or thread loses another's change."""
        with open(private_file(self.path.with_suffix(".lock"))) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            users = self._read()
            yield users
            self._write(users)

    def names(self) -> list[str]:
        return sorted(self._read())

    def get(self, name: str) -> User | None:
        record = self._read().get(name)
        return User(name, record.get("generation", "")) if record else None

    def load(self, user_id: str) -> User | None:
        """The user a session's id (``User.get_id``) names, while its generation is current."""
        name, _, generation = user_id.rpartition(":")
        user = self.get(name)
        return user if user is not None and user.generation == generation else None

    def set_password(self, name: str, password: str) -> User:
        """Creates the user, or changes their password; raises ValueError for a bad name
        or a password shorter than MIN_PASSWORD."""
        if not NAME.match(name):
            raise ValueError("a user name has 1 to 100 letters, digits or . @ + - _")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
        with self._change() as users:
            generation = secrets.token_hex(8)
            users[name] = {"password_hash": generate_password_hash(password), "generation": generation}
        return User(name, generation)

    def revoke_sessions(self, name: str) -> bool:
        """Ends every session of this user (False: no such user)."""
        with self._change() as users:
            if name not in users:
                return False
            users[name]["generation"] = secrets.token_hex(8)
        return True

    def delete(self, name: str) -> bool:
        with self._change() as users:
            found = users.pop(name, None) is not None
        return found

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is theirs; the same work is done for unknown names."""
        record = self._read().get(name)
        ok = check_password_hash(record["password_hash"] if record else _DUMMY_HASH, password)
        return User(name, record.get("generation", "")) if record and ok else None
