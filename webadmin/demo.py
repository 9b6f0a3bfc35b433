"""Demo mode (BILLSYNC_DEMO=1): the demo firm connected, so the panel opens on it.

On first start, with no connection yet, ``billsync web`` creates one and walks both
OAuth flows against the emulators exactly as an admin's browser would (our callback
URL, the providers' consent pages, the code back through CompleteAuthorization); the
consent pages are approved by :mod:`billsync.sandbox.consent` instead of a click.
"""

from __future__ import annotations

import logging
import time

from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.sandbox.consent import approve, callback_params
from billsync.v1 import billsync_pb2 as pb

log = logging.getLogger(__name__)

DEMO_CONNECTION = "Sandbox Law LLP"
PROVIDERS = {pb.PROVIDER_CLIO: "clio", pb.PROVIDER_QBO: "qbo"}


def connect_demo_firm(client: DaemonClient, panel_url: str, wait: float = 60.0) -> None:
    """Creates and authorizes the demo connection unless one exists; waits for the daemon."""
    deadline = time.monotonic() + wait
    while True:
        try:
            existing = client.list_connections(page_size=1).connections
            break
        except DaemonError:
            if time.monotonic() > deadline:
                log.error("the daemon did not answer within %.0f s; the demo firm is not connected", wait)
                return
            time.sleep(0.5)
    if existing:
        return
    connection = client.create_connection(DEMO_CONNECTION)
    for provider, name in PROVIDERS.items():
        redirect_uri = f"{panel_url.rstrip('/')}/oauth/{name}/callback"
        started = client.start_authorization(connection.id, provider, redirect_uri=redirect_uri)
        params = callback_params(approve(started.authorize_url))
        client.complete_authorization(
            provider,
            state=params["state"],
            code=params["code"],
            realm_id=params.get("realmId", ""),
            redirect_uri=redirect_uri,
        )
    log.info("demo firm connected as connection %d", connection.id)
