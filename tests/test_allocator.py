"""The daemon's allocator settings (``daemon.allocator``), in a process of their own."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest


def tuned(**env: str) -> str:
    program = "from billsync.daemon import allocator; print(' '.join(allocator.tune()))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    run = subprocess.run([sys.executable, "-c", program], env={**clean, **env}, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_glibc_is_told_to_give_memory_back_unless_the_operator_said_otherwise():
    assert tuned() == "MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072"
    assert tuned(MALLOC_ARENA_MAX="8") == "MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072"
