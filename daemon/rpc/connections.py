"""Connections: creating them, their settings, and the revoke, purge and delete lifecycle."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from peewee import fn

from billsync import words
from billsync.daemon.errors import FailedPrecondition, InvalidArgument, NotFound
from billsync.daemon.rpc.validation import echo, text
from billsync.daemon.store import counts as link_counts
from billsync.daemon.store import events
from billsync.daemon.store.db import database
from billsync.daemon.store.models import DEFAULT_SETTINGS, ClioLine, Connection, Link, Pin, PlanMark, Watermark
from billsync.daemon.sync.taxes import TaxKey

log = logging.getLogger(__name__)

MIN_INTERVAL, MAX_INTERVAL = 30, 7 * 24 * 3600
#: The ``item_mapping`` keys: Clio's two kinds of line, and its tax (``sync.mapping.TAX_ITEM``).
ITEM_KINDS = tuple(DEFAULT_SETTINGS["item_mapping"])
#: The ``tax_codes`` keys: which of Clio's taxes a line bears.
TAX_KEYS = tuple(TaxKey)


def get(connection_id: int) -> Connection:
    connection = Connection.get_or_none(Connection.id == connection_id)
    if connection is None:
        raise NotFound(f"there is no connection {connection_id}")
    return connection


def create(name: str, settings: dict, actor: str, *, held: bool = False) -> Connection:
    """A new connection named ``name`` (validated by the caller); ``held``: its first sync
    waits until someone starts it (:func:`start`)."""
    with database.atomic():
        settings = merge_settings(dict(DEFAULT_SETTINGS), settings)
        connection = Connection.create(name=name, settings=settings, held=held)
        events.record(connection, "connection.created", f"Connection {name!r} created", actor)
    return connection


def start(connection: Connection, actor: str) -> None:
    """Lets a held connection sync (the scheduler starts none that is held), once."""
    if not connection.held:
        return
    with database.atomic():
        if Connection.update(held=False).where(Connection.id == connection.id, Connection.held == True).execute():  # noqa: E712
            events.record(connection, "connection.started", "First sync started", actor)
    connection.held = False


def merge_settings(current: dict, changes: dict) -> dict:
    """Validates ``changes`` and returns ``current`` with them applied."""
    merged = {**current, "item_mapping": dict(current.get("item_mapping", {}))}
    if "start_date" in changes:
        merged["start_date"] = date(changes["start_date"], "start_date")
    if changes.get("sync_interval_seconds"):
        interval = changes["sync_interval_seconds"]
        if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            raise InvalidArgument(f"sync_interval_seconds must be between {MIN_INTERVAL} and {MAX_INTERVAL}")
        merged["sync_interval_seconds"] = interval
    if "time_zone" in changes:
        merged["time_zone"] = time_zone(changes["time_zone"])
    if "tax_as_line" in changes:
        merged["tax_as_line"] = bool(changes["tax_as_line"])
    for key, code in changes.get("tax_codes", {}).items():
        if key not in TAX_KEYS:
            raise InvalidArgument(f"tax_codes keys are {', '.join(TAX_KEYS)}, not {echo(key)}")
        codes, names = dict(merged.get("tax_codes") or {}), dict(merged.get("tax_code_names") or {})
        if code:  # checked in QuickBooks by the caller, which names the code
            codes[key], names[key] = code, changes.get("tax_code_names", {}).get(key, code)
        else:
            codes.pop(key, None)
            names.pop(key, None)
        merged["tax_codes"], merged["tax_code_names"] = codes, names
    if "deposit_account_id" in changes:
        # Checked in QuickBooks by the caller, which names the account.
        merged["deposit_account_id"] = changes["deposit_account_id"]
        merged["deposit_account_name"] = changes.get("deposit_account_name", "")
    if "trust_enabled" in changes:
        merged["trust_enabled"] = bool(changes["trust_enabled"])
    for key in ("trust_bank_account_id", "trust_liability_account_id"):
        if key in changes:
            # Checked in QuickBooks by the caller, which names the account.
            name = key.removesuffix("_id") + "_name"
            merged[key], merged[name] = changes[key], changes.get(name, "")
    if "trust_start_date" in changes:
        merged["trust_start_date"] = date(changes["trust_start_date"], "trust_start_date")
    for kind, item in changes.get("item_mapping", {}).items():
        if kind not in ITEM_KINDS:
            raise InvalidArgument(f"item_mapping keys are {', '.join(ITEM_KINDS)}, not {echo(kind)}")
        if ":" in item or len(item) > 100:
            raise InvalidArgument("a QBO item name has at most 100 characters and no ':'")
        item = text(item, f"item_mapping[{kind!r}]").strip()
        merged["item_mapping"][kind] = item or DEFAULT_SETTINGS["item_mapping"][kind]
    return merged


def date(value: str, field: str) -> str:
    """A date like 2026-01-31, or "" (none)."""
    value = text(value.strip(), field)
    if value:
        try:
            dt.date.fromisoformat(value)
        except ValueError as e:
            raise InvalidArgument(f"{field} must be a date like 2026-01-31, not {echo(value)}") from e
    return value


def time_zone(name: str) -> str:
    """An IANA time zone name the daemon's tz database knows, or "" (the browser's zone)."""
    name = text(name.strip(), "time_zone")
    if name:
        try:
            zoneinfo.ZoneInfo(name)
        except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError) as e:
            raise InvalidArgument(
                f"time_zone must be a name like Europe/London or America/New_York, not {echo(name)}"
            ) from e
    return name


def update_settings(connection: Connection, changes: dict, actor: str) -> Connection:
    merged = merge_settings(connection.settings, changes)
    if merged != connection.settings:
        with database.atomic():
            Connection.update(settings=merged).where(Connection.id == connection.id).execute()
            described = words.settings_changed(connection.settings, merged)
            events.record(connection, "settings.changed", described, actor)
        connection.settings = merged
    return connection


def mark_revoked(connection: Connection, actor: str) -> Connection:
    """Forgets the tokens and stops syncing; keeps every link so a reconnect resumes."""
    with database.atomic():
        Connection.update(state="revoked", clio_tokens=None, qbo_tokens=None, next_run_at=None).where(
            Connection.id == connection.id
        ).execute()
        kept = words.kept(sum(n for _, _, n in link_counts.stored(connection)))
        events.record(connection, "connection.revoked", kept, actor)
    return get(connection.id)


def check_purge_confirmation(connection: Connection, confirm: str) -> None:
    expected = [v for v in (connection.qbo_company_name, connection.qbo_realm_id) if v] or [connection.name]
    if confirm.strip() not in expected:
        raise FailedPrecondition(
            f"Purge deletes every link of {echo(connection.name)}; reconnecting to a QuickBooks company that still "
            "holds the synced objects will duplicate them. To confirm, set confirm to "
            f"{' or '.join(map(echo, expected))}."
        )


def purge_links(connection: Connection, actor: str) -> int:
    """Deletes every link, re-sync mark, watermark and line of Clio's indexed in one
    transaction; nothing is deleted in QBO."""
    with database.atomic():
        deleted = Link.delete().where(Link.connection == connection).execute()
        PlanMark.delete().where(PlanMark.connection == connection).execute()
        ClioLine.delete().where(ClioLine.connection == connection).execute()
        Pin.delete().where(Pin.connection == connection).execute()
        Watermark.delete().where(Watermark.connection == connection).execute()
        Connection.update(cdc_since=None, qbo_checks=None).where(Connection.id == connection.id).execute()
        events.record(connection, "connection.purged", words.forgotten(deleted), actor)
    return deleted


def delete(connection: Connection, actor: str) -> None:
    """Deletes a connection that holds no grant and no link, with its runs, activity log and
    watermarks. A grant must be revoked with the providers first (Revoke), and links, the
    only proof of what is in QuickBooks, go only through Purge and its confirmation.

    One statement checks and deletes, so an authorization completing meanwhile either
    lands first (and the delete is refused) or finds the connection gone.
    """
    deleted = (
        Connection.delete()
        .where(
            Connection.id == connection.id,
            Connection.clio_tokens.is_null(),
            Connection.qbo_tokens.is_null(),
            ~fn.EXISTS(Link.select().where(Link.connection == connection.id)),
        )
        .execute()
    )
    if deleted:
        log.info("connection %d deleted by %s", connection.id, actor)
        return
    now = get(connection.id)
    if now.clio_tokens is not None or now.qbo_tokens is not None:
        raise FailedPrecondition(f"{echo(now.name)} still holds access to Clio or QuickBooks: revoke it first")
    raise FailedPrecondition(
        f"{echo(now.name)} still has links to what it put in QuickBooks: purge it first "
        "(Purge asks to confirm, since reconnecting that company afterwards may duplicate its objects)"
    )


def state_counts(connection: Connection) -> list[tuple[str, str, int]]:
    """(kind, state, count) of the connection's links, read from the counts the database
    maintains: a GROUP BY over a million links would make every Status slow."""
    return link_counts.stored(connection)
