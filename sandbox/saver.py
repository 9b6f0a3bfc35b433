"""Writing an emulator's state file a short while after a change, and at once on demand.

Each emulator persists to its own JSON file when given one. A change marks the state dirty
and a background timer writes it at most once per ``delay`` seconds, atomically (write to a
temporary file, then rename), so a process killed without warning loses at most the last
``delay`` seconds; :meth:`Saver.flush` writes at once, at shutdown.
"""

from __future__ import annotations

import os
import threading
from typing import Callable


class Saver:
    """Writes ``snapshot()`` to ``path`` a short while after the last change."""

    def __init__(self, path: str, snapshot: Callable[[], str], delay: float = 1.0) -> None:
        self.path = path
        self.snapshot = snapshot
        self.delay = delay
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        #: One write at a time: the timer's and a shutdown's flush would share the temporary file.
        self._writing = threading.Lock()

    def mark_dirty(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.delay, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write now (also called at shutdown and by the admin API)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
        temporary = f"{self.path}.tmp"
        with self._writing:
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(self.snapshot())
            os.replace(temporary, self.path)
