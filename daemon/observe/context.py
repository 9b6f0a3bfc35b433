"""What the work of a thread concerns: the connection and run it serves, the last QBO answer.

The HTTP client and the rate limiter are shared by every connection of a daemon, so a
request learns whose it is from these context variables: the scheduler binds them around
each step of a cycle (:func:`bound`), and a task handed to a thread pool inherits them when
submitted through ``contextvars.copy_context().run``. Metrics label by them, and every log
line carries them (``observe.logs``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

connection_id: ContextVar[int | None] = ContextVar("billsync_connection_id", default=None)
run_id: ContextVar[int | None] = ContextVar("billsync_run_id", default=None)
#: The ``intuit_tid`` of the last QBO answer in this context: the lines recording what that
#: request did quote it, so that a support ticket with Intuit can name the request.
intuit_tid: ContextVar[str] = ContextVar("billsync_intuit_tid", default="")


@contextmanager
def bound(connection: int, run: int | None = None) -> Iterator[None]:
    """Work done inside concerns ``connection`` (and ``run``); no QBO answer is known yet."""
    tokens = (connection_id.set(connection), run_id.set(run), intuit_tid.set(""))
    try:
        yield
    finally:
        for variable, token in zip((connection_id, run_id, intuit_tid), tokens):
            variable.reset(token)


def connection_label() -> str:
    """The connection label of a metric: its id, or "" for work outside any connection."""
    current = connection_id.get()
    return "" if current is None else str(current)
