"""The installed product: one ``billsync`` package whose layers point one way, and that
runs beside python-daemon (whose top-level name ``daemon`` billsync must not take)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: What ``pip install .`` reads of the checkout.
SOURCES = ("setup.cfg", "pyproject.toml", "README.md", "proto", "daemon", "webadmin", "sandbox")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install .`` of a copy of this checkout into a folder of its own (its dependencies
    are the venv's). A copy, because setuptools leaves ``build/`` behind and builds from it."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, capture_output=True, cwd=target,
    )  # fmt: skip
    return target


def run_installed(installed: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Runs with the installed copy first on the path, away from the checkout's folders."""
    environ = {**os.environ, "PYTHONPATH": str(installed), **env}
    return subprocess.run(args, cwd=cwd, env=environ, capture_output=True, text=True, timeout=120)


def test_pip_install_puts_billsync_and_nothing_else_at_the_top_level(installed: Path) -> None:
    top = sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin")
    assert top == ["billsync"]
    assert {p.name for p in (installed / "billsync").iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        "v1", "daemon", "webadmin", "sandbox",
    }  # fmt: skip


def test_the_layers_point_one_way(installed: Path, tmp_path: Path) -> None:
    """The contracts in pyproject.toml: the daemon's rooms depend downward only, the emulators
    import nothing of the daemon or the panel, the panel reaches the daemon through its client."""
    result = run_installed(
        installed, str(BIN / "lint-imports"), "--no-cache", str(ROOT / "pyproject.toml"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_product_runs_beside_python_daemon(installed: Path, tmp_path: Path) -> None:
    probe = "import daemon, billsync.daemon.process; print(daemon.DaemonContext.__module__)"
    result = run_installed(installed, sys.executable, "-c", probe, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "daemon.daemon"  # python-daemon's own module, not ours
    database = f"sqlite:///{tmp_path / 'billsync.db'}"
    migrated = run_installed(
        installed,
        sys.executable,
        "-m",
        "billsync",
        "migrate",
        cwd=tmp_path,
        BILLSYNC_DATABASE_URL=database,
        BILLSYNC_DATA_DIR=str(tmp_path),
        BILLSYNC_DEMO="1",
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.startswith("applied m0001_initial")


def test_the_code_passes_ruff() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
