"""A WSGI app served by waitress in a background thread, and stopped at once.

The daemon's webhook receiver, the emulators and the tests all serve this way. Waitress's
loop runs while any socket is open, keep-alive connections included, so stopping closes
every socket from inside the loop, after the request threads are done (a thread that
finishes a request wakes the loop through a pipe that must still be open then).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from waitress.server import create_server

logging.getLogger("waitress").setLevel(logging.ERROR)


class BackgroundServer:
    """``app`` on ``host:port`` (0: any free port) with waitress, once :meth:`start` is called."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8, **adjustments: Any) -> None:
        self.host = host
        self.server = create_server(app, host=host, port=port, threads=threads, **adjustments)
        self.thread = threading.Thread(target=self.server.run, name=f"wsgi-{self.port}", daemon=True)

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
        def close_all() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.task_dispatcher.shutdown(timeout=timeout)
        self.server.trigger.pull_trigger(close_all)
        self.thread.join(timeout)
