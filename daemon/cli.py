"""``billsync``: runs the daemon, and talks to a running one.

Exit codes: 0 success, 1 the daemon refused the request (the message says why),
2 bad usage, 3 the daemon cannot be reached.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import click
from google.protobuf.json_format import MessageToDict

from billsync import words
from billsync.daemon.errors import BillsyncError, ConfigError
from billsync.daemon.rpc.client import DaemonClient, DaemonError, default_token
from billsync.v1 import billsync_pb2 as pb

Message = TypeVar("Message", pb.SyncProgress, pb.PreviewProgress)

KIND_NAMES = {
    "contact": pb.KIND_CONTACT,
    "invoice": pb.KIND_INVOICE,
    "payment": pb.KIND_PAYMENT,
    "credit_memo": pb.KIND_CREDIT_MEMO,
    "trust": pb.KIND_TRUST,
}
STATE_NAMES = {n.removeprefix("LINK_STATE_").lower(): v for n, v in pb.LinkState.items() if v}


def short(enum: Any, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower().replace("_", " ")


def utc(ts: Any) -> str:
    return f"{ts.ToDatetime():%Y-%m-%d %H:%M} UTC"


class Context:
    def __init__(self, address: str | None, as_json: bool) -> None:
        self.as_json = as_json
        if not default_token():
            raise ConfigError(
                "no API token: set BILLSYNC_API_TOKEN to the daemon's token (or BILLSYNC_DATA_DIR to the folder "
                "of a demo daemon, which keeps its token there)"
            )
        self.client = DaemonClient(address, actor=getpass.getuser())

    def connection_id(self, given: int | None) -> int:
        """The connection named, or the only one there is."""
        if given:
            return given
        found = list(self.client.all_connections())
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
        Context(address, as_json)
        if ctx.invoked_subcommand not in ("daemon", "doctor", "migrate", "sandbox", "web")
        else None
    )


@main.command()
def daemon() -> None:
    """Run the daemon (configured from BILLSYNC_* environment keys)."""
    from billsync.daemon import allocator
    from billsync.daemon.config import Config
    from billsync.daemon.observe import logs
    from billsync.daemon.process import Daemon

    config = Config.from_env()
    logs.configure(config.log_format)
    allocator.tune()  # before the daemon starts a thread
    d = Daemon(config)
    d.start()  # which logs its port: on stderr, every line is one of the log's (``observe.logs``)
    d.serve_until_signalled()


@main.command()
def migrate() -> None:
    """Apply pending database migrations to BILLSYNC_DATABASE_URL."""
    from billsync.daemon.config import Config
    from billsync.daemon.store import migrations
    from billsync.daemon.store.db import open_database

    applied = migrations.migrate(open_database(Config.from_env().database_url))
    click.echo(f"applied {', '.join(applied)}" if applied else "the database is up to date")


@main.command("doctor")
@click.option("--offline", is_flag=True, help="Skip the checks that need the network.")
def doctor_command(offline: bool) -> None:
    """Check the configuration, the database and the providers; exit 1 when something is wrong."""
    import os

    from billsync.daemon import doctor

    findings = doctor.examine(dict(os.environ), network=not offline)
    for finding in findings:
        click.echo(str(finding))
    wrong = [f for f in findings if f.severity is not doctor.Severity.OK]
    click.echo(f"{len(wrong)} problem(s)" if wrong else "all good")
    sys.exit(1 if wrong else 0)


@main.group(invoke_without_command=True)
@click.pass_context
def connections(ctx: click.Context) -> None:
    """List connections (or create or delete one)."""
    if ctx.invoked_subcommand is None:
        found = pb.ListConnectionsResponse(connections=ctx.obj.client.all_connections())
        lines = [
            f"{c.id:>4}  {c.name}  [{words.CONNECTION_STATES[words.plain(pb.ConnectionState, c.state)]}]  QBO: "
            f"{c.qbo_company_name or '-'}  Clio: {c.clio_account or '-'}"
            for c in found.connections
        ]
        ctx.obj.emit(found, "\n".join(lines) or "no connections")


@connections.command("create")
@click.argument("name")
@click.option("--start-date", default="", help="Skip bills issued before this date (YYYY-MM-DD).")
@click.option("--hold", is_flag=True, help="The first sync waits for 'billsync sync': preview it first.")
@click.pass_obj
def connections_create(obj: Context, name: str, start_date: str, hold: bool) -> None:
    """Create a connection; then authorize both sides in the web admin."""
    c = obj.client.create_connection(name, start_date=start_date, hold_first_sync=hold)
    obj.emit(c, f"created connection {c.id} ({c.name})")


@connections.command("delete")
@click.argument("connection_id", type=int)
@click.pass_obj
def connections_delete(obj: Context, connection_id: int) -> None:
    """Delete a connection and its activity log; one still authorized or with links is
    refused (revoke, or purge, it first)."""
    obj.emit(obj.client.delete_connection(connection_id), f"deleted connection {connection_id}")


def describe_run(run: pb.Run) -> str:
    """A run as the panel says it: its state and why it started, then what it did (or, while
    it runs, how far it got per kind), failures included."""
    state = words.RUN_STATES.get(words.plain(pb.RunState, run.state), "")
    lines = [f"{state} ({words.trigger(run.trigger)}, started {utc(run.started_at)})"]
    if run.state == pb.RUN_STATE_RUNNING:
        for p in run.progress:
            kind = words.kind_label(words.plain(pb.Kind, p.kind))
            lines.append(f"  {kind}: {p.done:,} of {p.total:,} done" if p.total else f"  {kind}: {p.done:,} done")
    else:
        lines.append("  " + words.run_outcome(run))
    if any(p.failed for p in run.progress):
        lines.append("  'billsync status' lists what failed and why; 'billsync resync --all' tries again")
    return "\n".join(lines)


#: Where Clio's tax goes, by the QBO company's sales tax setting (``Connection.tax_treatment``).
CLIO_TAX = {
    pb.TAX_TREATMENT_TOTAL_TAX: "on each invoice as its sales tax (QuickBooks has sales tax on)",
    pb.TAX_TREATMENT_TAX_LINE: "on a line of its own, on the tax item (QuickBooks has sales tax off)",
    pb.TAX_TREATMENT_TAX_CODES: "by the tax codes mapped in the settings (QuickBooks taxes by codes)",
    pb.TAX_TREATMENT_AUTOMATED: "on each invoice as its sales tax, overriding QuickBooks' automated sales tax",
}


def describe_link(link: pb.Link) -> str:
    """One line per item: id, state, what it is, why, and since when a problem fails."""
    state = words.LINK_STATES[words.plain(pb.LinkState, link.state)]
    why = f": {link.reason}" if link.reason else ""
    code = f" [QBO {link.error_code}]" if link.error_code else ""
    since = f" (failing since {utc(link.failing_since)})" if link.HasField("failing_since") else ""
    return f"{link.id:>8}  {state:<21} {link.label or link.clio_id}{why}{code}{since}"


@main.command()
@connection_option
@click.pass_obj
def status(obj: Context, connection: int | None) -> None:
    """Show a connection's sync status, settings checks and problems."""
    s = obj.client.status(obj.connection_id(connection))
    c = s.connection
    lines = [
        f"{c.name}: {words.CONNECTION_STATES[words.plain(pb.ConnectionState, c.state)]}",
        f"  QuickBooks: {c.qbo_company_name or 'not connected'}  Clio: {c.clio_account or 'not connected'}",
    ]
    if c.tax_treatment in CLIO_TAX:
        lines.append(f"  Clio's tax goes {CLIO_TAX[c.tax_treatment]}")
    if books := words.books(c.home_currency, c.multicurrency):
        lines.append(f"  {books}")
    if c.held:
        lines.append("  Its first sync waits: 'billsync preview' shows what it would do, 'billsync sync' starts it")
    if s.action_required:
        lines.append("Action required in QuickBooks (what it holds waits until it is done):")
        lines += [f"  {i}. {step}" for i, step in enumerate(s.fix_steps, 1)]
    counts: dict[str, list[str]] = {}
    for n in s.counts:
        state = words.lower(words.LINK_STATES[words.plain(pb.LinkState, n.state)])
        counts.setdefault(words.plain(pb.Kind, n.kind), []).append(f"{n.count:,} {state}")
    lines += [f"  {words.kind_label(k)}: {', '.join(v)}" for k, v in counts.items()] or ["  nothing synced yet"]
    if s.HasField("current_run"):
        lines.append(describe_run(s.current_run))
    if s.HasField("last_run"):
        lines.append("Last run: " + describe_run(s.last_run))
    if s.HasField("next_run_at"):
        lines.append("Next run: " + utc(s.next_run_at))
    if s.problem_count:
        needs = "item needs" if s.problem_count == 1 else "items need"
        lines.append(f"{s.problem_count} {needs} attention (billsync resync --all):")
        lines += ["  " + describe_link(link) for link in s.problems]
        if more := s.problem_count - len(s.problems):
            lines.append(f"  … and {more} more: billsync links --state failed (and --state broken) lists them all")
    obj.emit(s, "\n".join(lines))


def follow(
    obj: Context,
    stream: Iterable[Message],
    progress_of: Callable[[Message], Iterable[pb.KindProgress]] = lambda event: event.run.progress,
) -> Message | None:
    """Shows a run's progress (or a preview's: ``progress_of`` finds it in a message), a bar
    per kind on stderr, until it ends; returns its last message."""
    from tqdm import tqdm

    bars: dict[int, tqdm] = {}
    last = None
    for event in stream:
        last = event
        if obj.as_json:
            continue
        for p in progress_of(event):
            bar = bars.get(p.kind) or bars.setdefault(
                p.kind, tqdm(desc=words.kind_label(words.plain(pb.Kind, p.kind)), unit="item", file=sys.stderr)
            )
            bar.total = p.total
            bar.update(p.done - bar.n)
    for bar in bars.values():
        bar.close()
    return last


@main.command()
@connection_option
@click.pass_obj
def sync(obj: Context, connection: int | None) -> None:
    """Start a sync (or join the running one) and show its progress."""
    last = follow(obj, obj.client.sync(obj.connection_id(connection)))
    if last is not None:
        obj.emit(last, describe_run(last.run))
        if last.run.state == pb.RUN_STATE_FAILED:
            sys.exit(1)


def describe_preview(summary: pb.PreviewSummary, items: list[pb.PreviewItem], *, every: bool) -> str:
    """A preview as a bookkeeper reads it: per kind, what the sync would do and the money it
    writes; then per month; then the conflicts (with ``every``, every item)."""
    lines = ["What the next sync would do (nothing was written):"]
    counts: dict[int, list[str]] = {}
    for c in summary.counts:
        amounts = ", ".join(f"{m.currency} {words.amount(m.amount)}" for m in c.money)
        said = words.foreseen(c.count, words.plain(pb.Fate, c.fate), c.cause) + (f", {amounts}" if amounts else "")
        counts.setdefault(c.kind, []).append(said)
    for kind, said in counts.items():
        lines.append(f"  {words.kind_label(words.plain(pb.Kind, kind))}: " + "; ".join(said))
    if not counts:
        lines.append("  nothing: Clio has nothing new to send")
    months: dict[str, list[str]] = {}
    for m in summary.months:
        said = f"{words.count(m.count, words.plain(pb.Kind, m.kind))} {m.money.currency} {words.amount(m.money.amount)}"
        months.setdefault(m.month, []).append(said)
    if months:
        lines.append("Written per month:")
        lines += [f"  {month}  " + "; ".join(said) for month, said in sorted(months.items())]
    if summary.items_to_create:
        lines.append("Items it would create in QuickBooks to write lines on: " + ", ".join(summary.items_to_create))
    shown = items if every else [i for i in items if i.conflict]
    if summary.conflicts:
        lines.append(f"{summary.conflicts:,} to settle before syncing:")
    elif every and shown:
        lines.append("Every item:")
    lines += [
        f"  {words.FATES[words.plain(pb.Fate, i.fate)]:<30} {i.label or i.clio_id}"
        + (f": {i.reason}" if i.reason else "")
        for i in shown
    ]
    return "\n".join(lines)


@main.command()
@connection_option
@click.option("--items", "every", is_flag=True, help="List every item, not only the conflicts.")
@click.pass_obj
def preview(obj: Context, connection: int | None, every: bool) -> None:
    """Show what the next sync (before the first: the whole first sync) would do, writing nothing."""
    items: list[pb.PreviewItem] = []

    def collecting(stream: Iterable[pb.PreviewProgress]) -> Iterator[pb.PreviewProgress]:
        for message in stream:
            items.extend(message.items)
            yield message

    last = follow(obj, collecting(obj.client.preview(obj.connection_id(connection))), lambda m: m.progress)
    summary = last.summary if last is not None else pb.PreviewSummary()
    obj.emit(pb.PreviewProgress(items=items, summary=summary), describe_preview(summary, items, every=every))


@main.command()
@connection_option
@click.argument("link_ids", nargs=-1, type=int)
@click.option("--all", "all_problems", is_flag=True, help="Every broken and failed item.")
@click.pass_obj
def resync(obj: Context, connection: int | None, link_ids: tuple[int, ...], all_problems: bool) -> None:
    """Push broken or failed items again, follow the run that does, and show where they stand."""
    if not link_ids and not all_problems:
        raise click.UsageError("name the link ids to re-sync, or pass --all")
    connection_id = obj.connection_id(connection)
    r = obj.client.resync(connection_id, link_ids=link_ids, all_problems=all_problems)
    if not r.requested:
        obj.emit(pb.ListLinksResponse(), "nothing to re-sync")
        return
    if not obj.as_json:
        items = "1 item" if r.requested == 1 else f"{r.requested:,} items"
        click.echo(f"re-sync requested for {items}; following the run that sends them", err=True)
    last = follow(obj, obj.client.sync(connection_id, follow_after_run_id=r.after_run_id))
    if link_ids:
        after = list(obj.client.list_links(connection_id, link_ids=link_ids, page_size=len(link_ids)).links)
        still = sum(link.state in (pb.LINK_STATE_FAILED, pb.LINK_STATE_BROKEN) for link in after)
        more = 0
    else:
        s = obj.client.status(connection_id)
        after, still, more = list(s.problems), s.problem_count, s.problem_count - len(s.problems)
    lines = [describe_link(link) for link in after]
    if more:
        lines.append(f"… and {more:,} more: billsync links --state failed (and --state broken) lists them all")
    if last is not None and last.run.state == pb.RUN_STATE_FAILED:
        lines.insert(0, describe_run(last.run))
    obj.emit(pb.ListLinksResponse(links=after), "\n".join(lines) or "every item re-synced is in QuickBooks")
    if still:
        click.echo(f"billsync: {still:,} {'item still fails' if still == 1 else 'items still fail'}", err=True)
        sys.exit(1)


@main.command()
@connection_option
@click.pass_obj
def revoke(obj: Context, connection: int | None) -> None:
    """Revoke access to both accounts and stop syncing; links are kept."""
    c = obj.client.revoke(obj.connection_id(connection))
    obj.emit(c, f"revoked {c.name}: {words.kept()}")


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
            f"This revokes {c.name}'s access and makes billsync forget every item it synced (nothing is deleted in "
            "QuickBooks). If you reconnect to a QuickBooks company that still holds them, they will be duplicated.",
            err=True,
        )
        confirmation = click.prompt(
            f"Type the QuickBooks company name ({c.qbo_company_name or c.qbo_realm_id or c.name}) to confirm", err=True
        )
    r = obj.client.purge(connection_id, confirm=confirmation)
    obj.emit(r, f"purged {r.connection.name}: {words.forgotten(r.links_deleted)}")


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
    lines = [f"{utc(e.at)}  {words.who(e.actor):<12} {words.event(e.type):<22} {e.message}" for e in r.events]
    more = f"\nmore: --page-token {r.next_page_token}" if r.next_page_token else ""
    obj.emit(r, ("\n".join(lines) or "no events") + more)


def describe_settings(s: pb.Settings) -> str:
    plain = {"start_date": s.start_date, "sync_interval_seconds": s.sync_interval_seconds, "time_zone": s.time_zone}
    lines = [
        *(f"{words.SETTINGS[key]}: {words.setting_value(key, value)}" for key, value in plain.items()),
        f"{words.SETTINGS['deposit_account_name']}: "
        + (
            f"{s.deposit_account_name} (account {s.deposit_account_id})"
            if s.deposit_account_id
            else words.setting_value("deposit_account_name", "")
        ),
    ]
    lines += [f"{label}: {s.item_mapping.get(kind, '')}" for kind, label in words.SETTINGS["item_mapping"].items()]
    lines += [f"{words.SETTINGS['tax_code_names'][key]}: {code}" for key, code in sorted(s.tax_codes.items())]
    return "\n".join(lines)


@main.command()
@connection_option
@click.option(
    "--deposit-account", help="The QBO account id new payments go to ('' for Undeposited Funds); see qbo-lists."
)
@click.option(
    "--tax-code",
    "tax_codes",
    multiple=True,
    metavar="KEY=ID",
    help="Map the lines bearing Clio's taxes (none, primary, secondary, both) to a QBO tax code; see qbo-lists.",
)
@click.option(
    "--item",
    "items",
    multiple=True,
    metavar="KIND=NAME",
    help="Map a Clio line kind (Service, Expense, Tax) to a QBO item.",
)
@click.pass_obj
def settings(
    obj: Context,
    connection: int | None,
    deposit_account: str | None,
    tax_codes: tuple[str, ...],
    items: tuple[str, ...],
) -> None:
    """Show the connection's settings, or change the deposit account, tax codes and item mapping."""
    connection_id = obj.connection_id(connection)
    mapping = dict(item.partition("=")[::2] for item in items)
    codes = dict(code.partition("=")[::2] for code in tax_codes)
    if deposit_account is None and not mapping and not codes:
        s = obj.client.get_settings(connection_id)
    else:
        s = obj.client.update_settings(
            connection_id, deposit_account_id=deposit_account, item_mapping=mapping, tax_codes=codes
        )
    obj.emit(s, describe_settings(s))


@main.command("trust-reconcile")
@connection_option
@click.option("--differences", is_flag=True, help="Only the clients whose two balances differ.")
@click.pass_obj
def trust_reconcile(obj: Context, connection: int | None, differences: bool) -> None:
    """Per client, Clio's trust balance beside the QuickBooks trust liability; exits 1 when any differ."""
    r = obj.client.trust_reconciliation(obj.connection_id(connection), differences_only=differences)
    lines = [f"{'Client':<40} {'Clio':>12} {'QuickBooks':>12} {'Difference':>12}"]
    lines += [
        f"{(c.name or c.clio_client_id or c.qbo_customer_id)[:40]:<40} {c.clio_balance:>12} {c.qbo_balance:>12} "
        f"{c.difference:>12}"
        for c in r.clients
    ]
    lines.append(f"{'Total':<40} {r.clio_total:>12} {r.qbo_total:>12}")
    lines.append(f"{r.differing} client(s) differ" if r.differing else "the two ledgers agree for every client")
    obj.emit(r, "\n".join(lines))
    if r.differing:
        sys.exit(1)


@main.command("qbo-lists")
@connection_option
@click.pass_obj
def qbo_lists(obj: Context, connection: int | None) -> None:
    """The QuickBooks company's items and accounts, which the settings choose from."""
    r = obj.client.list_qbo_choices(obj.connection_id(connection))
    lines = ["Items:", *(f"  {i.name}  ({i.type})" for i in r.items), "Accounts (* takes payments):"]
    lines += [f"  {a.id:>6} {'*' if a.takes_deposits else ' '} {a.name}  ({a.account_type})" for a in r.accounts]
    if r.tax_codes:
        lines += [
            "Tax codes:",
            *(f"  {c.id:>6} {words.tax_code(c.name, [x.percent for x in c.rates])}" for c in r.tax_codes),
        ]
    obj.emit(r, "\n".join(lines))


ROLE_NAMES = {n.removeprefix("API_TOKEN_ROLE_").lower(): v for n, v in pb.ApiTokenRole.items() if v}


def describe_token(t: pb.ApiToken) -> str:
    reach = "every connection" if t.all_connections else f"connection(s) {', '.join(map(str, t.connection_ids)) or '-'}"
    revoked = f"  revoked {t.revoked_at.ToDatetime():%Y-%m-%d %H:%M}" if t.HasField("revoked_at") else ""
    names = ", names the person acting" if t.may_name_actor else ""
    return f"{t.id:>4}  {t.name or '-'}  {short(pb.ApiTokenRole, t.role, 'API_TOKEN_ROLE_')} on {reach}{names}{revoked}"


@main.group()
def tokens() -> None:
    """API tokens: each with a role and the connections it reaches (an admin's business)."""


@tokens.command("create")
@click.option("--role", type=click.Choice(sorted(ROLE_NAMES)), required=True, help="read, operate or admin.")
@click.option("-c", "--connection", "connection_ids", type=int, multiple=True, help="A connection it reaches (repeat).")
@click.option("--all-connections", is_flag=True, help="Every connection, present and future, instead.")
@click.option("--name", default="", help="What the activity log calls it, e.g. 'panel' or 'reporting'.")
@click.option("--may-name-actor", is_flag=True, help="May name the person acting (for the panel's token).")
@click.pass_obj
def tokens_create(
    obj: Context, role: str, connection_ids: tuple[int, ...], all_connections: bool, name: str, may_name_actor: bool
) -> None:
    """Mint a token; it is printed this once (the daemon keeps only its hash)."""
    if all_connections == bool(connection_ids):
        raise click.UsageError("give --connection ID (once or more) or --all-connections")
    made = obj.client.create_api_token(
        ROLE_NAMES[role],
        name=name,
        connection_ids=connection_ids,
        all_connections=all_connections,
        may_name_actor=may_name_actor,
    )
    if not obj.as_json:
        click.echo(f"created {describe_token(made.token).strip()}; its secret, shown this once:", err=True)
    obj.emit(made, made.secret)


@tokens.command("list")
@click.pass_obj
def tokens_list(obj: Context) -> None:
    """List the tokens minted, revoked ones too (never their secrets)."""
    found = obj.client.list_api_tokens()
    obj.emit(found, "\n".join(describe_token(t) for t in found.tokens) or "no tokens (BILLSYNC_API_TOKEN only)")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def tokens_revoke(obj: Context, token_id: int) -> None:
    """Revoke a token: refused from its next call on."""
    t = obj.client.revoke_api_token(token_id)
    obj.emit(t, f"revoked {describe_token(t).strip()}")


def _register_product_commands() -> None:
    """``billsync sandbox`` and ``billsync web`` live with their packages."""
    from billsync.sandbox.cli import sandbox
    from billsync.webadmin.cli import web

    main.add_command(sandbox)
    main.add_command(web)


_register_product_commands()
