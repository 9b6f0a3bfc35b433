"""Serve the QBO and Clio emulators side by side, each on its own port, with waitress.

Waitress is a production WSGI server with a thread pool, which gives each emulator
hundreds of requests per second on two cores, and it closes a socket without answering
when a view raises its ``ClientDisconnected`` (how :mod:`billsync.sandbox.faults` drops
connections). Tests bind port 0 and read back ``qbo_url``/``clio_url``.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from flask import Flask

from billsync.sandbox.qbo.app import create_app as create_qbo_app
from billsync.sandbox.qbo.config import DEFAULT_REALM_ID, QBOConfig
from billsync.sandbox.qbo.state import QBOState
from billsync.serving import BackgroundServer

HOST = "127.0.0.1"
#: Worker threads per emulator: more than QBO's 10-in-flight ceiling, so the ceiling and
#: not the pool is what a burst of requests meets.
THREADS = 16


def _state_path(state_file: str | None, product: str) -> str | None:
    """``firm.json`` -> ``firm-qbo.json`` / ``firm-clio.json``: one name, two files."""
    if not state_file:
        return None
    root, ext = os.path.splitext(state_file)
    return f"{root}-{product}{ext or '.json'}"


class Sandbox:
    """Both emulators, ready to start and stop; state is reachable for tests.

    Args:
        qbo_port: port of the QBO emulator (0: any free port).
        clio_port: port of the Clio emulator (0: any free port).
        realm_id: the QBO company seeded at start.
        time_scale: divides every limit window and token lifetime of both emulators.
        state_file: base name of the JSON files both emulators persist to
            (``x.json`` -> ``x-qbo.json`` and ``x-clio.json``), or None for memory only.
        qbo_config: full QBO settings (the arguments above override their fields).
        clio_config: full Clio settings, or None for the defaults.
        clio: also serve the Clio emulator (needs :mod:`billsync.sandbox.clio.app`).
        connection_limit: open sockets each emulator accepts; every connection a daemon
            syncs keeps its own keep-alive socket, so a benchmark of 1,000 connections
            needs more than the default.
    """

    def __init__(
        self,
        qbo_port: int = 0,
        clio_port: int = 0,
        realm_id: str = DEFAULT_REALM_ID,
        time_scale: float = 1.0,
        state_file: str | None = None,
        qbo_config: QBOConfig | None = None,
        clio_config: Any = None,
        clio: bool = True,
        connection_limit: int = 200,
    ) -> None:
        self.qbo_config = replace(
            qbo_config or QBOConfig(),
            realm_id=realm_id,
            time_scale=time_scale,
            state_file=_state_path(state_file, "qbo"),
        )
        self.qbo_app = create_qbo_app(self.qbo_config)
        self.clio_app: Flask | None = None
        if clio:
            from billsync.sandbox.clio.app import ClioConfig
            from billsync.sandbox.clio.app import create_app as create_clio_app

            self.clio_config = replace(
                clio_config or ClioConfig(), time_scale=time_scale, state_file=_state_path(state_file, "clio")
            )
            self.clio_app = create_clio_app(self.clio_config)
        self._ports = (qbo_port, clio_port)
        self._connection_limit = connection_limit
        self._served: list[BackgroundServer] = []

    @property
    def qbo(self) -> QBOState:
        """The QBO emulator's store, tokens, limits and statistics."""
        return self.qbo_app.extensions["qbo_sandbox"]

    @property
    def clio(self) -> Any:
        """The Clio emulator's state (``ClioSandbox``), or None when not served."""
        return self.clio_app.extensions["clio"] if self.clio_app else None

    @property
    def qbo_url(self) -> str:
        return self._served[0].url

    @property
    def clio_url(self) -> str | None:
        return self._served[1].url if len(self._served) > 1 else None

    def start(self) -> "Sandbox":
        """Bind and serve; returns once both sockets accept connections."""
        apps = [self.qbo_app] + ([self.clio_app] if self.clio_app else [])
        self._served = [
            BackgroundServer(
                app,
                HOST,
                port,
                THREADS,
                connection_limit=self._connection_limit,
                channel_timeout=30,
                ident="sandbox",
            ).start()
            for app, port in zip(apps, self._ports)
        ]
        return self

    def stop(self) -> None:
        """Stop serving and save state if a state file was given."""
        self.qbo.hold.switch(False)  # a held request would keep its server thread
        for served in self._served:
            served.stop()
        self.qbo.webhooks.stop()
        if self.qbo.saver is not None:
            self.qbo.saver.flush()
        if self.clio_app is not None:
            self.clio_app.extensions["clio"].flush()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
