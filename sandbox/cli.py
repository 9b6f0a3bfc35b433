"""``billsync sandbox``: serve the QBO and Clio emulators until interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from billsync.locations import private_folder
from billsync.sandbox.faults import FaultConfig
from billsync.sandbox.qbo.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REALM_ID, QBOConfig
from billsync.sandbox.qbo.regions import CompanyKind
from billsync.serving import AddressInUse


@click.command("sandbox")
@click.option("--qbo-port", default=8701, show_default=True, help="Port of the QBO emulator (0: any).")
@click.option("--clio-port", default=8702, show_default=True, help="Port of the Clio emulator (0: any).")
@click.option("--realm-id", default=DEFAULT_REALM_ID, show_default=True, help="QBO company seeded at start.")
@click.option("--clio-account", default=None, help="Name of the emulated Clio firm.")
@click.option("--time-scale", default=1.0, show_default=True, help="Run limits and token lifetimes this much faster.")
@click.option("--fault-rate", default=0.0, show_default=True, help="Share of API requests that fail (5xx, slow, drop).")
@click.option("--state-file", default=None, help="Persist both emulators to NAME-qbo.json / NAME-clio.json.")
@click.option(
    "--demo",
    "demo_bills",
    type=int,
    default=0,
    show_default=True,
    help="Load a demo firm of this many bills (sandbox.demo) into the Clio emulator, unless one was saved.",
)
@click.option("--no-clio", is_flag=True, help="Serve the QBO emulator only.")
@click.option(
    "--region",
    type=click.Choice([kind.value for kind in CompanyKind]),
    default=CompanyKind.US.value,
    show_default=True,
    help="Kind of QBO company seeded: US without sales tax, US automated or legacy sales tax, Canada, UK, Australia.",
)
@click.option(
    "--multicurrency",
    is_flag=True,
    help="Seed the QBO company with multicurrency on, and bill the demo firm's client abroad in EUR.",
)
def sandbox(
    qbo_port: int,
    clio_port: int,
    realm_id: str,
    clio_account: str | None,
    time_scale: float,
    fault_rate: float,
    state_file: str | None,
    demo_bills: int,
    no_clio: bool,
    region: str,
    multicurrency: bool,
) -> None:
    """Serve local emulators of the QBO Accounting API v3 and the Clio API v4."""
    from billsync.sandbox.server import Sandbox

    if state_file:
        private_folder(Path(state_file).parent)  # beside the daemon's files, as private
    faults = FaultConfig(rate=fault_rate)
    clio_config = None
    if not no_clio:
        from billsync.sandbox.clio.app import ClioConfig

        clio_config = ClioConfig(faults=faults, **({"account_name": clio_account} if clio_account else {}))
    box = Sandbox(
        qbo_port=qbo_port,
        clio_port=clio_port,
        realm_id=realm_id,
        time_scale=time_scale,
        state_file=state_file,
        qbo_config=QBOConfig(faults=faults, kind=region, multicurrency=multicurrency),
        clio_config=clio_config,
        clio=not no_clio,
    )
    if demo_bills and box.clio is not None and not any(box.clio.store.counts().values()):
        from billsync.sandbox.clio.loader import seed as seed_clio

        # Only into an empty firm: a saved one is kept.
        seed_clio(box.clio.store, demo_bills, region=region, foreign=multicurrency)
        box.clio.flush()
    try:
        box.start()
    except AddressInUse as e:
        raise click.ClickException(f"{e}: the emulators are already running (or another program holds that port)")
    click.echo(f"QBO  {box.qbo_url}  realm {realm_id} ({region})  client {DEFAULT_CLIENT_ID} / {DEFAULT_CLIENT_SECRET}")
    if box.clio_url:
        click.echo(f"Clio {box.clio_url}")
    click.echo("Admin API: <url>/_sandbox/  -  Ctrl-C to stop")
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # honcho stops with SIGTERM, a terminal with SIGINT
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    box.stop()  # which saves the state files
