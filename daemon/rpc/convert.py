"""Turns database rows into billsync.v1 messages, and the contract's enums into the
database's words. The only module that knows both vocabularies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from billsync.daemon.alerts.conditions import CONDITIONS
from billsync.daemon.alerts.subscriptions import CHANNELS
from billsync.daemon.errors import InvalidArgument
from billsync.daemon.qbo import faults
from billsync.daemon.qbo import lists as qbo_lists
from billsync.daemon.qbo import settings as qbo_settings
from billsync.daemon.store import models
from billsync.daemon.sync import mapping, preview, reconcile
from billsync.daemon.sync.decisions import KIND_ENTITY
from billsync.daemon.sync.taxes import TaxTreatment
from billsync.v1 import billsync_pb2 as pb

KIND = {
    "contact": pb.KIND_CONTACT,
    "invoice": pb.KIND_INVOICE,
    "payment": pb.KIND_PAYMENT,
    "credit_memo": pb.KIND_CREDIT_MEMO,
    "trust": pb.KIND_TRUST,
}
LINK_STATE = {s: pb.LinkState.Value(f"LINK_STATE_{s.upper()}") for s in models.LINK_STATES}
CONNECTION_STATE = {s: pb.ConnectionState.Value(f"CONNECTION_STATE_{s.upper()}") for s in models.CONNECTION_STATES}
RUN_STATE = {s: pb.RunState.Value(f"RUN_STATE_{s.upper()}") for s in models.RUN_STATES}
PROVIDER = {pb.PROVIDER_CLIO: "clio", pb.PROVIDER_QBO: "qbo"}
SEVERITY = {s: pb.CheckSeverity.Value(f"CHECK_SEVERITY_{s.upper()}") for s in qbo_settings.Severity}
TAX_TREATMENT = {t: pb.TaxTreatment.Value(f"TAX_TREATMENT_{t.upper()}") for t in TaxTreatment}


def _reverse(table: dict[str, int], value: int, what: str) -> str | None:
    """The database word for an enum value; None for UNSPECIFIED (meaning "any")."""
    if value == 0:
        return None
    for word, number in table.items():
        if number == value:
            return word
    raise InvalidArgument(f"unknown {what} {value}")


def kind_name(value: int) -> str | None:
    return _reverse(KIND, value, "kind")


def link_state_name(value: int) -> str | None:
    return _reverse(LINK_STATE, value, "link state")


def provider_name(value: int) -> str:
    if value not in PROVIDER:
        raise InvalidArgument("provider must be PROVIDER_CLIO or PROVIDER_QBO")
    return PROVIDER[value]


def timestamp(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value.replace(tzinfo=dt.timezone.utc))
    return ts


def datetime_of(message: Message, field: str) -> dt.datetime | None:
    """A Timestamp field of a request as the database's naive UTC; None when unset."""
    if not message.HasField(field):
        return None
    try:
        return getattr(message, field).ToDatetime()
    except ValueError as e:  # seconds or nanos out of range: not a moment at all
        raise InvalidArgument(f"{field} must be a time between the years 1 and 9999") from e


def settings_check(check: dict) -> pb.SettingsCheck:
    """A settings check as stored on the connection, with its severity (derived, not stored)."""
    return pb.SettingsCheck(**check, severity=SEVERITY[qbo_settings.severity(check["key"])])


def settings(values: dict) -> pb.Settings:
    return pb.Settings(
        start_date=values.get("start_date", ""),
        sync_interval_seconds=values.get("sync_interval_seconds", 0),
        item_mapping=values.get("item_mapping", {}),
        time_zone=values.get("time_zone", ""),
        tax_as_line=bool(values.get("tax_as_line")),
        deposit_account_id=values.get("deposit_account_id", ""),
        deposit_account_name=values.get("deposit_account_name", ""),
        tax_codes=values.get("tax_codes") or {},
        trust_enabled=values.get("trust_enabled", False),
        trust_bank_account_id=values.get("trust_bank_account_id", ""),
        trust_bank_account_name=values.get("trust_bank_account_name", ""),
        trust_liability_account_id=values.get("trust_liability_account_id", ""),
        trust_liability_account_name=values.get("trust_liability_account_name", ""),
        trust_start_date=values.get("trust_start_date", ""),
    )


def trust_reconciliation(rows: list[reconcile.ClientBalance], differences_only: bool) -> pb.TrustReconciliationResponse:
    differing = [row for row in rows if row.difference]
    return pb.TrustReconciliationResponse(
        clients=[
            pb.ClientTrustBalance(
                clio_client_id=row.clio_client_id,
                qbo_customer_id=row.qbo_customer_id,
                name=row.name,
                clio_balance=str(row.clio),
                qbo_balance=str(row.qbo),
                difference=str(row.difference),
            )
            for row in (differing if differences_only else rows)
        ],
        clio_total=str(sum((row.clio for row in rows), Decimal("0.00"))),
        qbo_total=str(sum((row.qbo for row in rows), Decimal("0.00"))),
        differing=len(differing),
    )


def qbo_choices(choices: qbo_lists.Choices) -> pb.QboChoices:
    return pb.QboChoices(
        items=[pb.QboItem(id=i.id, name=i.name, type=i.type) for i in choices.items],
        accounts=[
            pb.QboAccount(
                id=a.id,
                name=a.name,
                account_type=a.account_type,
                account_sub_type=a.sub_type,
                takes_deposits=a.takes_deposits,
            )
            for a in choices.accounts
        ],
        tax_codes=[
            pb.QboTaxCode(
                id=c.id,
                name=c.name,
                rates=[pb.QboTaxRate(id=r.id, name=r.name, percent=f"{r.value.normalize():f}") for r in c.rates],
            )
            for c in choices.tax_codes
        ],
    )


def connection(c: models.Connection) -> pb.Connection:
    return pb.Connection(
        id=c.id,
        name=c.name,
        state=CONNECTION_STATE[c.state],
        clio_authorized=c.clio_tokens is not None,
        qbo_authorized=c.qbo_tokens is not None,
        clio_account=c.clio_account,
        qbo_realm_id=c.qbo_realm_id,
        qbo_company_name=c.qbo_company_name,
        created_at=timestamp(c.created_at),
        settings=settings(c.settings),
        tax_treatment=TAX_TREATMENT.get(c.tax_treatment, pb.TAX_TREATMENT_UNSPECIFIED),
        home_currency=c.home_currency or "",
        multicurrency=bool(c.multicurrency),
        held=c.held,
    )


def state_counts(counts: list[tuple[str, str, int]]) -> list[pb.StateCount]:
    """(kind, state, count) rows as the answer carries them."""
    return [pb.StateCount(kind=KIND[k], state=LINK_STATE[s], count=n) for k, s, n in counts]


def link(row: models.Link, qbo_app_url: str = "") -> pb.Link:
    return pb.Link(
        id=row.id,
        kind=KIND[row.kind],
        clio_id=row.clio_id,
        qbo_id=row.qbo_id or "",
        state=LINK_STATE[row.state],
        label=row.label,
        reason=row.reason,
        error_code=row.error_code,
        attempts=row.attempts,
        updated_at=timestamp(row.updated_at),
        failing_since=timestamp(row.failing_since),
        qbo_url=qbo_app_url and row.qbo_id and deep_link(qbo_app_url, row.kind, row.qbo_id) or "",
        conflict_url=conflict_url(row, qbo_app_url),
    )


ENTITY_KIND = {entity: kind for kind, entity in KIND_ENTITY.items()}


def conflict_url(row: models.Link, qbo_app_url: str) -> str:
    """A deep link to the QBO document that holds what the item needs (the invoice that
    already has its number), as the refusal the link keeps names it; "" otherwise."""
    found = faults.holder(row.error_code, row.reason) if qbo_app_url and row.state == "failed" else None
    if found is None or found[0] not in ENTITY_KIND:
        return ""
    return deep_link(qbo_app_url, ENTITY_KIND[found[0]], found[1])


QBO_PAGES = {
    "contact": "customerdetail?nameId=",
    "invoice": "invoice?txnId=",
    "payment": "recvpayment?txnId=",
    "credit_memo": "creditmemo?txnId=",
    "trust": "journal?txnId=",
}


def deep_link(qbo_app_url: str, kind: str, qbo_id: str) -> str:
    return f"{qbo_app_url}/app/{QBO_PAGES[kind]}{qbo_id}"


def settings_page(qbo_app_url: str) -> str:
    """QuickBooks' Company Settings page, where the fix steps of Action required start."""
    return f"{qbo_app_url}/app/settings" if qbo_app_url else ""


def run(r: models.Run | None) -> pb.Run | None:
    if r is None:
        return None
    return pb.Run(
        id=r.id,
        state=RUN_STATE[r.state],
        trigger=r.trigger,
        started_at=timestamp(r.started_at),
        finished_at=timestamp(r.finished_at),
        progress=kind_progress(r.progress),
        error=r.error,
    )


def kind_progress(progress: dict[str, dict[str, int]]) -> list[pb.KindProgress]:
    return [pb.KindProgress(kind=KIND[k], **p) for k, p in progress.items()]


# --- previews --------------------------------------------------------------------------------

FATE = {f: pb.Fate.Value(f"FATE_{f.upper()}") for f in preview.Fate}
CHOICE = {c: pb.Choice.Value(f"CHOICE_{c.upper()}") for c in models.Choice}


def choice(value: int) -> models.Choice | None:
    """The choice of a DecideMatch; None (UNSPECIFIED) withdraws the decision."""
    word = _reverse(CHOICE, value, "choice")
    return models.Choice(word) if word else None


def decision(pin: models.Pin | None) -> pb.Decision | None:
    if pin is None:
        return None
    return pb.Decision(
        kind=KIND[pin.kind],
        clio_id=pin.clio_id,
        choice=CHOICE[pin.choice],
        qbo_id=pin.qbo_id,
        actor=pin.actor,
        decided_at=timestamp(pin.decided_at),
    )


def qbo_customer(row: dict, home_currency: str) -> pb.QboCustomer:
    """A QBO customer as a search answers it; its balance in its currency (the home one unless it says)."""
    in_currency = str((row.get("CurrencyRef") or {}).get("value") or home_currency)
    return pb.QboCustomer(
        id=str(row["Id"]),
        name=str(row.get("DisplayName", "")),
        email=str((row.get("PrimaryEmailAddr") or {}).get("Address", "")),
        balance=money(preview.Money(in_currency, mapping.money(row.get("Balance")))),
    )


def money(m: preview.Money | None) -> pb.Money | None:
    return pb.Money(currency=m.currency, amount=f"{m.amount:.2f}") if m is not None else None


def preview_item(item: preview.Item, pin: models.Pin | None = None) -> pb.PreviewItem:
    return pb.PreviewItem(
        decision=decision(pin),
        kind=KIND[item.kind],
        clio_id=item.clio_id,
        label=item.label,
        fate=FATE[item.fate],
        cause=item.cause or "",
        reason=item.reason,
        qbo_id=item.qbo_id,
        money=money(item.money),
        month=item.month,
        conflict=item.conflict,
    )


def preview_summary(summary: preview.Summary) -> pb.PreviewSummary:
    return pb.PreviewSummary(
        counts=[
            pb.PreviewCount(
                kind=KIND[c.kind],
                fate=FATE[c.fate],
                cause=c.cause or "",
                count=c.count,
                money=[money(preview.Money(code, amount)) for code, amount in sorted(c.money.items())],
            )
            for c in summary.counts
        ],
        months=[
            pb.PreviewMonth(
                kind=KIND[m.kind], month=m.month, count=m.count, money=money(preview.Money(m.currency, m.amount))
            )
            for m in summary.months
        ],
        items_to_create=summary.items_to_create,
        home_currency=summary.home_currency,
        conflicts=sum(item.conflict for item in summary.items),
    )


def event(e: models.Event) -> pb.Event:
    return pb.Event(id=e.id, at=timestamp(e.at), actor=e.actor, type=e.type, message=e.message, link_id=e.link_id or 0)


# --- API tokens ----------------------------------------------------------------------------

ROLE = {r: pb.ApiTokenRole.Value(f"API_TOKEN_ROLE_{r.upper()}") for r in models.Role}


def role_name(value: int) -> models.Role:
    if not value:
        raise InvalidArgument("role must be API_TOKEN_ROLE_READ, _OPERATE or _ADMIN")
    return models.Role(_reverse(ROLE, value, "role"))


def api_token(row: models.ApiToken, connection_ids: list[int]) -> pb.ApiToken:
    return pb.ApiToken(
        id=row.id,
        name=row.name,
        role=ROLE[models.Role(row.role)],
        all_connections=row.all_connections,
        connection_ids=connection_ids,
        may_name_actor=row.may_name_actor,
        created_by=row.created_by,
        created_at=timestamp(row.created_at),
        revoked_at=timestamp(row.revoked_at),
    )


# --- alerts -------------------------------------------------------------------------------

ALERT_CONDITION = {c: pb.AlertCondition.Value(f"ALERT_CONDITION_{c.upper()}") for c in CONDITIONS}
ALERT_CHANNEL = {c: pb.AlertChannel.Value(f"ALERT_CHANNEL_{c.upper()}") for c in CHANNELS}


def alert_channel_name(value: int) -> str:
    return _reverse(ALERT_CHANNEL, value, "alert channel") or ""


def alert_condition_names(values: list[int]) -> list[str]:
    """The conditions' words; UNSPECIFIED is refused, not ignored."""
    if pb.ALERT_CONDITION_UNSPECIFIED in values:
        raise InvalidArgument("conditions must name conditions, not ALERT_CONDITION_UNSPECIFIED")
    return [str(_reverse(ALERT_CONDITION, v, "alert condition")) for v in values]


def alert_subscription(row: models.AlertSubscription, with_secret: bool = False) -> pb.AlertSubscription:
    """A recipient; its webhook secret only ``with_secret`` (the answer that added it)."""
    return pb.AlertSubscription(
        id=row.id,
        connection_id=row.connection_id,
        channel=ALERT_CHANNEL[row.channel],
        target=row.target,
        conditions=[ALERT_CONDITION[c] for c in row.conditions if c in ALERT_CONDITION],
        digest=row.digest,
        secret=row.secret if with_secret and row.secret else "",
        created_at=timestamp(row.created_at),
    )
