"""Clio's trust transactions as QBO journal entries: the payload and the plan, pure as the
rest of :mod:`billsync.daemon.sync.mapping` and :mod:`billsync.daemon.sync.planner` are. What a
cycle reads and writes of the trust account is :mod:`billsync.daemon.sync.trust`'s."""

from __future__ import annotations

from dataclasses import dataclass, replace

from billsync.daemon.store.models import Kind, LinkState
from billsync.daemon.sync.causes import Cause
from billsync.daemon.sync.decisions import TRUST_DEPENDENCY, Action, LinkLike, Op, retire, write
from billsync.daemon.sync.mapping import (
    DESCRIPTION_MAX,
    DOC_NUMBER_MAX,
    Invalid,
    Record,
    marker,
    money,
    qbo_date,
)
from billsync.daemon.sync.planner import DELETED, amount, customer_name, wait_for_customer

#: ``T-`` and the Clio id: a journal entry's number is free text, this one names its source.
TRUST_DOC_PREFIX = "T-"


def journal_entry(
    transaction: Record, customer_id: str, *, bank_account_id: str, liability_account_id: str, account: str
) -> Record:
    """A trust transaction as a two-line JournalEntry, booked as Clio books it: money into
    trust debits the trust bank account and credits the trust liability; money out credits
    the bank and debits the liability (Clio help, "How does the QuickBooks trust accounting
    sync work"). The client is named on the liability line only, so that QuickBooks can
    tell each client's share of the liability; a bank line names nobody.

    The sign of ``amount`` (``funds_in`` − ``funds_out``) says the direction: Clio documents
    no values for ``transaction_type`` or ``source``, so nothing here reads them.
    """
    signed = money(transaction.get("amount"))
    if not signed:
        raise Invalid("A trust transaction of 0.00 cannot be recorded in QuickBooks", code=Cause.FAIL_AMOUNT)
    amount, money_in = abs(signed), signed > 0
    number = f"{TRUST_DOC_PREFIX}{transaction['id']}"
    if len(number) > DOC_NUMBER_MAX:
        reason = f"Trust transaction {transaction['id']}: its number {number} is too long for QuickBooks"
        raise Invalid(reason, code=Cause.FAIL_NUMBER_LENGTH)
    matter = (transaction.get("matter") or {}).get("display_number")
    description = " — ".join(str(part) for part in (transaction.get("description"), matter) if part)

    def line(posting: str, account_id: str, *, client: bool) -> Record:
        detail: Record = {"PostingType": posting, "AccountRef": {"value": account_id}}
        if client:
            detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": customer_id}}
        body: Record = {"Amount": amount, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": detail}
        if description:
            body["Description"] = description[:DESCRIPTION_MAX]
        return body

    bank, liability = ("Debit", "Credit") if money_in else ("Credit", "Debit")
    return {
        "DocNumber": number,
        "TxnDate": qbo_date(transaction.get("date")),
        "Line": [line(bank, bank_account_id, client=False), line(liability, liability_account_id, client=True)],
        "PrivateNote": marker("bank_transaction", transaction["id"], account=account),
    }


@dataclass(frozen=True)
class TrustAccounts:
    """The two QBO accounts Clio's trust account maps to (Account Ids)."""

    bank: str
    liability: str


def trust_label(transaction: Record, currency: str = "") -> str:
    """``Journal entry T-17: USD 250.00 into trust for Amy Alder``."""
    signed = money(transaction.get("amount"))
    way = "into trust" if signed >= 0 else "out of trust"
    client = customer_name(transaction.get("client"))
    number = f"{TRUST_DOC_PREFIX}{transaction['id']}"
    return f"Journal entry {number}: {amount(abs(signed), currency)} {way} for {client}"


def plan_trust(
    transaction: Record,
    link: LinkLike | None,
    *,
    customer_id: str | None,
    accounts: TrustAccounts | None,
    start_date: str,
    account: str,
    deleted: bool = False,
    held: str = "",
    currency: str = "",
    force: bool = False,
) -> Op:
    """A bank transaction of the mapped trust account as a JournalEntry.

    Deleted in Clio (``deleted``: found gone by the sweep, Clio keeping no trace of it), its
    journal entry is deleted. One dated before the trust start date is skipped, as bills
    issued before theirs; one already in QuickBooks is left there. ``accounts`` None: the
    trust accounts are not mapped yet, and ``held`` says why else trust is held (the
    ledgers differ): both wait on :data:`TRUST_DEPENDENCY`, released by the settings. An
    edit in Clio (amount, date, description, client) is an update, by the fingerprint.
    """
    op = Op(Kind.TRUST, str(transaction["id"]), trust_label(transaction, currency))
    if deleted:
        return retire(op, link, action=Action.DELETE, why=DELETED)
    date = str(transaction.get("date") or "")[:10]
    if start_date and date < start_date:
        if link is not None and link.state == LinkState.SYNCED:
            return op
        reason = f"Dated {date}, before the trust start date {start_date}"
        return replace(op, action=Action.SKIP, reason=reason, code=Cause.SKIP_BEFORE_START)
    if accounts is None or held:
        reason = held or "Waiting for the trust accounts to be chosen in the settings"
        code = Cause.WAIT_TRUST_LEDGERS if held else Cause.WAIT_TRUST_ACCOUNTS
        return replace(op, action=Action.WAIT, reason=reason, code=code, depends_on=TRUST_DEPENDENCY)
    if customer_id is None:
        return wait_for_customer(op, transaction.get("client"))
    try:
        body = journal_entry(
            transaction,
            customer_id,
            bank_account_id=accounts.bank,
            liability_account_id=accounts.liability,
            account=account,
        )
    except Invalid as e:
        return replace(op, action=Action.FAIL, reason=str(e), code=e.code)
    return write(op, body, link, force=force)
