"""The files billsync keeps (database, secrets, panel users) are its user's alone: they hold
client names, invoice labels, OAuth grants and the keys to them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(*args: str, data_dir: Path) -> None:
    """``python -m billsync …`` under a umask that would leave files readable by everyone."""
    env = {**os.environ, "BILLSYNC_DEMO": "1", "BILLSYNC_DATA_DIR": str(data_dir)}
    env.pop("BILLSYNC_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "billsync", *args], env=env, check=True, umask=0, capture_output=True)


def test_a_fresh_data_folder_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "billsync"
    run("migrate", data_dir=data)
    run("web", "create-user", "admin", "--password", "correct horse battery", data_dir=data)
    assert mode(data) == 0o700
    files = sorted(p.name for p in data.iterdir())
    assert {"billsync.db", "api-token", "secret.key"} <= set(files), files
    assert {name: mode(data / name) for name in files} == dict.fromkeys(files, 0o600)


def test_a_database_left_readable_by_others_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "billsync"
    data.mkdir()
    (data / "billsync.db").touch(mode=0o644)
    os.chmod(data / "billsync.db", 0o644)
    run("migrate", data_dir=data)
    assert mode(data / "billsync.db") == 0o600
