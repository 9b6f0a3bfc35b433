"""``billsync``: runs the daemon, and talks to a running one.

Exit codes: 0 success, 1 the daemon refused the request (the message says why),
2 bad usage, 3 the daemon cannot be reached.
"""

from __future__ import annotations

import getpass
import json
import logging
import sys
from typing import Any

import click
from google.protobuf.json_format import MessageToDict

from billsync.daemon.errors import BillsyncError
from billsync.daemon.rpc.client import DaemonClient, DaemonError
from billsync.v1 import billsync_pb2 as pb

KIND_NAMES = {
    "contact": pb.KIND_CONTACT,
    "invoice": pb.KIND_INVOICE,
    "payment": pb.KIND_PAYMENT,
    "credit_memo": pb.KIND_CREDIT_MEMO,
}
STATE_NAMES = {n.removeprefix("LINK_STATE_").lower(): v for n, v in pb.LinkState.items() if v}


def short(enum: Any, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower().replace("_", " ")


class Context:
    def __init__(self, address: str | None, as_json: bool) -> None:
        self.as_json = as_json
        self.client = DaemonClient(address, actor=getpass.getuser())

    def connection_id(self, given: int | None) -> int:
        """The connection named, or the only one there is."""
        if given:
            return given
        found = self.client.list_connections().connections
        if len(found) == 1:
            return found[0].id
        if not found:
            raise click.UsageError("there is no connection yet: create one with 'billsync connections create NAME'")
        names = ", ".join(f"{c.id} ({c.name})" for c in found)
        raise click.UsageError(f"there are several connections; choose one with --connection: {names}")

    def emit(self, message: Any, human: str) -> None:
        if self.as_json:
            click.echo(
                json.dumps(MessageToDict(message, preserving_proto_field_name=True), indent=2, ensure_ascii=False)
            )
        else:
            click.echo(human)


connection_option = click.option(
    "-c",
    "--connection",
    "connection",
    type=int,
    envvar="BILLSYNC_CONNECTION",
    help="Connection id (default: the only one).",
)


class Main(click.Group):
    """Turns the errors a shell user can act on into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DaemonError as e:
            click.echo(f"billsync: {e}", err=True)
            sys.exit(3 if e.unreachable else 1)
        except BillsyncError as e:
            click.echo(f"billsync: {e}", err=True)
            sys.exit(1)


@click.group(cls=Main)
@click.option("--address", envvar="BILLSYNC_ADDRESS", help="The daemon's host:port (default 127.0.0.1:50051).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def main(ctx: click.Context, address: str | None, as_json: bool) -> None:
    """Keeps QuickBooks Online in step with billing in Clio."""
    ctx.obj = (
        Context(address, as_json) if ctx.invoked_subcommand not in ("daemon", "migrate", "sandbox", "web") else None
    )


@main.command()
def daemon() -> None:
    """Run the daemon (configured from BILLSYNC_* environment keys)."""
    from billsync.daemon.config import Config
    from billsync.daemon.process import Daemon

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    d = Daemon(Config.from_env())
    port = d.start()
    click.echo(f"billsync daemon listening on port {port}", err=True)
    d.serve_until_signalled()


@main.command()
def migrate() -> None:
    """Apply pending database migrations to BILLSYNC_DATABASE_URL."""
    from billsync.daemon.config import Config
    from billsync.daemon.store import migrations
    from billsync.daemon.store.db import open_database

    applied = migrations.migrate(open_database(Config.from_env().database_url))
    click.echo(f"applied {', '.join(applied)}" if applied else "the database is up to date")


@main.group(invoke_without_command=True)
@click.pass_context
def connections(ctx: click.Context) -> None:
    """List connections (or create one)."""
    if ctx.invoked_subcommand is None:
        found = ctx.obj.client.list_connections()
        lines = [
            f"{c.id:>4}  {c.name}  [{short(pb.ConnectionState, c.state, 'CONNECTION_STATE_')}]  QBO: "
            f"{c.qbo_company_name or '-'}  Clio: {c.clio_account or '-'}"
            for c in found.connections
        ]
        ctx.obj.emit(found, "\n".join(lines) or "no connections")


@connections.command("create")
@click.argument("name")
@click.option("--start-date", default="", help="Skip bills issued before this date (YYYY-MM-DD).")
@click.pass_obj
def connections_create(obj: Context, name: str, start_date: str) -> None:
    """Create a connection; then authorize both sides in the web admin."""
    c = obj.client.create_connection(name, start_date=start_date)
    obj.emit(c, f"created connection {c.id} ({c.name})")


def describe_run(run: pb.Run) -> str:
    parts = [
        f"{short(pb.Kind, p.kind, 'KIND_')} {p.done}/{p.total}" + (f" ({p.failed} failed)" if p.failed else "")
        for p in run.progress
    ]
    when = run.started_at.ToDatetime().strftime("%Y-%m-%d %H:%M:%S UTC")
    text = f"{short(pb.RunState, run.state, 'RUN_STATE_')} ({run.trigger}, started {when})" + (
        ": " + ", ".join(parts) if parts else ""
    )
    return text + (f" — {run.error}" if run.error else "")


def describe_link(link: pb.Link) -> str:
    state = short(pb.LinkState, link.state, "LINK_STATE_")
    code = f" [QBO {link.error_code}]" if link.error_code else ""
    return f"{link.id:>8}  {state:<8} {link.label or link.clio_id}{': ' + link.reason if link.reason else ''}{code}"


@main.command()
@connection_option
@click.pass_obj
def status(obj: Context, connection: int | None) -> None:
    """Show a connection's sync status, settings checks and problems."""
    s = obj.client.status(obj.connection_id(connection))
    c = s.connection
    lines = [
        f"{c.name}: {short(pb.ConnectionState, c.state, 'CONNECTION_STATE_')}",
        f"  QuickBooks: {c.qbo_company_name or 'not connected'}  Clio: {c.clio_account or 'not connected'}",
    ]
    if s.action_required:
        lines.append("Action required in QuickBooks (what it holds waits until it is done):")
        lines += [f"  {i}. {step}" for i, step in enumerate(s.fix_steps, 1)]
    counts: dict[int, list[str]] = {}
    for n in s.counts:
        counts.setdefault(n.kind, []).append(f"{n.count} {short(pb.LinkState, n.state, 'LINK_STATE_')}")
    lines += [f"  {short(pb.Kind, k, 'KIND_')}: {', '.join(v)}" for k, v in counts.items()] or ["  nothing synced yet"]
    if s.HasField("current_run"):
        lines.append("Running: " + describe_run(s.current_run))
    if s.HasField("last_run"):
        lines.append("Last run: " + describe_run(s.last_run))
    if s.HasField("next_run_at"):
        lines.append("Next run: " + s.next_run_at.ToDatetime().strftime("%Y-%m-%d %H:%M:%S UTC"))
    if s.problem_count:
        lines.append(f"{s.problem_count} item(s) need attention (billsync resync --all):")
        lines += ["  " + describe_link(link) for link in s.problems]
    obj.emit(s, "\n".join(lines))


@main.command()
@connection_option
@click.pass_obj
def sync(obj: Context, connection: int | None) -> None:
    """Start a sync (or join the running one) and show its progress."""
    from tqdm import tqdm

    bars: dict[int, tqdm] = {}
    last = None
    for event in obj.client.sync(obj.connection_id(connection)):
        last = event
        if obj.as_json:
            continue
        for p in event.run.progress:
            bar = bars.get(p.kind) or bars.setdefault(
                p.kind, tqdm(desc=short(pb.Kind, p.kind, "KIND_"), unit="item", file=sys.stderr)
            )
            bar.total = p.total
            bar.update(p.done - bar.n)
    for bar in bars.values():
        bar.close()
    if last is not None:
        obj.emit(last, describe_run(last.run))
        if last.run.state == pb.RUN_STATE_FAILED:
            sys.exit(1)


@main.command()
@connection_option
@click.argument("link_ids", nargs=-1, type=int)
@click.option("--all", "all_problems", is_flag=True, help="Every broken and failed item.")
@click.pass_obj
def resync(obj: Context, connection: int | None, link_ids: tuple[int, ...], all_problems: bool) -> None:
    """Push broken or failed items again."""
    if not link_ids and not all_problems:
        raise click.UsageError("name the link ids to re-sync, or pass --all")
    r = obj.client.resync(obj.connection_id(connection), link_ids=link_ids, all_problems=all_problems)
    obj.emit(r, "\n".join(describe_link(link) for link in r.links) or "nothing to re-sync")


@main.command()
@connection_option
@click.pass_obj
def revoke(obj: Context, connection: int | None) -> None:
    """Revoke access to both accounts and stop syncing; links are kept."""
    c = obj.client.revoke(obj.connection_id(connection))
    obj.emit(c, f"revoked {c.name}: links kept; authorize again to resume")


@main.command()
@connection_option
@click.option("--confirm", "confirmation", help="The QBO company name or realm id (otherwise asked).")
@click.pass_obj
def purge(obj: Context, connection: int | None, confirmation: str | None) -> None:
    """Revoke access and delete every link, for a clean start. Nothing is deleted in QBO."""
    connection_id = obj.connection_id(connection)
    if confirmation is None:
        c = obj.client.status(connection_id).connection
        click.echo(
            f"This revokes {c.name} and deletes all its links. If you reconnect to a QuickBooks company that still "
            "holds the synced objects, they will be duplicated.",
            err=True,
        )
        confirmation = click.prompt(
            f"Type the QuickBooks company name ({c.qbo_company_name or c.qbo_realm_id or c.name}) to confirm", err=True
        )
    r = obj.client.purge(connection_id, confirm=confirmation)
    obj.emit(r, f"purged {r.connection.name}: {r.links_deleted} links deleted")


@main.command()
@connection_option
@click.option("--kind", type=click.Choice(sorted(KIND_NAMES)))
@click.option("--state", type=click.Choice(sorted(STATE_NAMES)))
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--page-token", default="")
@click.pass_obj
def links(
    obj: Context, connection: int | None, kind: str | None, state: str | None, limit: int, page_token: str
) -> None:
    """List links, filtered by kind and state."""
    r = obj.client.list_links(
        obj.connection_id(connection),
        kind=KIND_NAMES.get(kind or "", pb.KIND_UNSPECIFIED),
        state=STATE_NAMES.get(state or "", pb.LINK_STATE_UNSPECIFIED),
        page_size=limit,
        page_token=page_token,
    )
    more = f"\nmore: --page-token {r.next_page_token}" if r.next_page_token else ""
    obj.emit(r, ("\n".join(describe_link(link) for link in r.links) or "no links") + more)


@main.command()
@connection_option
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--page-token", default="")
@click.option("--oldest-first", is_flag=True, help="In the order they happened (default: the latest first).")
@click.pass_obj
def events(obj: Context, connection: int | None, limit: int, page_token: str, oldest_first: bool) -> None:
    """Show the activity log, the latest first."""
    r = obj.client.list_events(
        obj.connection_id(connection), page_size=limit, page_token=page_token, newest_first=not oldest_first
    )
    lines = [f"{e.at.ToDatetime():%Y-%m-%d %H:%M:%S}  {e.actor:<12} {e.type:<22} {e.message}" for e in r.events]
    more = f"\nmore: --page-token {r.next_page_token}" if r.next_page_token else ""
    obj.emit(r, ("\n".join(lines) or "no events") + more)


def _register_product_commands() -> None:
    """``billsync sandbox`` and ``billsync web`` live with their packages."""
    from billsync.sandbox.cli import sandbox
    from billsync.webadmin.cli import web

    main.add_command(sandbox)
    main.add_command(web)


_register_product_commands()
