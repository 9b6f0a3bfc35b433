"""A WSGI app served by waitress in a background thread, and stopped at once.

The daemon's webhook receiver, the emulators and the tests all serve this way. Waitress's own
loop runs while any socket is open, keep-alive connections included, so this runs the loop one
round at a time until told to stop, and then closes every socket from the loop's thread.

Stopping lets the request threads finish first: a thread that finishes a request wakes the
loop through a pipe. Once that pipe is closed, its number may belong to another file, so a
request thread that outlived the grace period must never write to it: the wake-up becomes a
no-op before anything is closed.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

logging.getLogger("waitress").setLevel(logging.ERROR)


class AddressInUse(OSError):
    """Another process listens on the address: most often the same service, already running."""


def bind(app: Any, host: str, port: int, **adjustments: Any) -> Any:
    """A waitress server listening on ``host:port``; AddressInUse, naming it, when it is taken."""
    try:
        # poll(), not select(): select() cannot watch a descriptor numbered 1024 or more.
        return create_server(app, host=host, port=port, asyncore_use_poll=True, **adjustments)
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
        raise AddressInUse(f"{host}:{port} is in use") from e


class BackgroundServer:
    """``app`` on ``host:port`` (0: any free port) with waitress, once :meth:`start` is called."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8, **adjustments: Any) -> None:
        self.host = host
        self.server = bind(app, host, port, threads=threads, **adjustments)
        self.thread = threading.Thread(target=self._serve, name=f"wsgi-{self.port}", daemon=True)
        self._stopping = threading.Event()

    @property
    def port(self) -> int:
        return self.server.effective_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self.thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Lets request threads finish within ``timeout``, then closes every socket."""
        if self._stopping.is_set():
            return
        self.server.task_dispatcher.shutdown(timeout=timeout)
        self._stopping.set()
        with contextlib.suppress(OSError):  # the loop also wakes by itself within a second
            self.server.pull_trigger()
        self.thread.join(timeout)

    def _serve(self) -> None:
        adjustments = self.server.adj
        while not self._stopping.is_set():
            wasyncore.loop(timeout=adjustments.asyncore_loop_timeout, use_poll=True, map=self.server._map, count=1)
        self.server.pull_trigger = lambda: None
        wasyncore.close_all(self.server._map, ignore_all=True)
