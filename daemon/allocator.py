"""How the C allocator under the daemon keeps memory it was given back.

A cycle's chunks and QBO's pages come and go a few megabytes at a time, from several threads.
glibc's defaults keep what they free: an arena per thread (up to eight per core, each holding
its freed memory), and a threshold under which a large block comes from those arenas, which
rises each time a large block is freed, so that the next pages are carved from the arenas
instead of being mapped and unmapped. The daemon's peak then follows the firm: measured with
``python -m bench memory`` at 10,000 bills, 144 MiB after the catch-up scan with the
defaults, 132 with these settings (glibc's ``mallopt``, https://man7.org/linux/man-pages/man3/mallopt.3.html):

- ``M_ARENA_MAX`` 2: threads share two arenas;
- ``M_MMAP_THRESHOLD`` 128 KiB (glibc's initial value, now fixed): a block that large is
  mapped and goes back to the system when freed;
- ``M_TRIM_THRESHOLD`` 128 KiB: free memory at the top of an arena goes back past that.

Set before the daemon starts a thread. A setting the operator made with glibc's own
environment variable (``MALLOC_ARENA_MAX`` …) is left as it is; on a C library other than
glibc nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

#: mallopt parameters (glibc's malloc.h), their values, and the variable that sets each.
SETTINGS = (
    (-8, 2, "MALLOC_ARENA_MAX"),  # M_ARENA_MAX
    (-3, 128 * 1024, "MALLOC_MMAP_THRESHOLD_"),  # M_MMAP_THRESHOLD
    (-1, 128 * 1024, "MALLOC_TRIM_THRESHOLD_"),  # M_TRIM_THRESHOLD
)

log = logging.getLogger(__name__)


def tune() -> list[str]:
    """Applies :data:`SETTINGS` not set in the environment; returns the variables applied."""
    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name) if libc_name else None
    if libc is None or not hasattr(libc, "mallopt") or not hasattr(libc, "gnu_get_libc_version"):
        return []
    applied = []
    for parameter, value, variable in SETTINGS:
        if variable not in os.environ and libc.mallopt(parameter, value) == 1:
            applied.append(f"{variable}={value}")
    log.info("allocator: %s", ", ".join(applied) or "as the environment set it")
    return applied
