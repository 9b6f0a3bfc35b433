"""Where billsync is: the daemon's default address and the folder of its files, shared by
the daemon, its clients and the panel."""

from __future__ import annotations

import os
from pathlib import Path

#: Where the daemon listens, and its clients dial, unless BILLSYNC_ADDRESS says otherwise.
DEFAULT_ADDRESS = "127.0.0.1:50051"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/billsync``, else ``~/.local/share/billsync``."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "billsync"


def private_folder(path: Path) -> Path:
    """Creates ``path`` and its missing parents readable by this user only (0700): the data
    folder holds client names, invoice labels and secrets. A folder that exists is left as is."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def private_file(path: Path) -> Path:
    """Creates ``path`` empty if absent; either way only this user may read or write it (0600)."""
    os.close(os.open(private_folder(path.parent) / path.name, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return path


def read_or_create(path: Path, fresh: str) -> str:
    """Returns the secret kept at ``path``, writing ``fresh`` there (mode 0600) first if absent."""
    if not path.exists():
        private_folder(path.parent)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(fresh)
    return path.read_text().strip()
