"""Rules of the JournalEntry: balanced lines of debits and credits, and the accounts they move.

A journal entry is a list of ``JournalEntryLineDetail`` lines, each a ``PostingType``
(``Credit`` or ``Debit``: Finance.xsd ``PostingTypeEnum``), an ``AccountRef`` and an
``Amount``, optionally naming who it concerns as ``Entity {Type, EntityRef}`` (Finance.xsd
``EntityTypeRef``). "The total of the debits must equal the total of the credits" (Finance.xsd,
the ``JournalEntry`` type's own documentation). The faults, in the order QBO's answers show
them (see ``sandbox/README.md``, *Journal entries*):

- fewer than two lines: 6000 "Fill out at least two detail lines to continue." (recorded in
  finoptimal/fo_qbo ``fo_qbo/errors.py``, a ``JournalEntry`` create);
- a line without its account: 2020 "Required parameter AccountRef is missing in the request",
  element ``AccountRef`` (the same recording, one Error per line); an account missing or
  inactive: 610, as for every reference;
- a line on Accounts Receivable without a customer: 6000 "When you use Accounts Receivable, you
  must choose a customer in the Name field." (the same recording, a ``JournalEntry`` update);
- debits unequal to credits: 6000 "Please balance debits and credits." (*doubt*: the words are
  QBO's screen message as clones of its journal screen copy it, beside "You must fill out at
  least two detail lines", whose API wording is recorded above; no recording of the API's);
- a ``DocNumber`` another journal entry has: 6140 "... TxnType=Journal Entry with TxnId=N"
  (recorded in the same file), whatever the preferences (*doubt*: the stricter reading).

Posting moves each account's ``CurrentBalance`` by the line's amount, debits up and credits
down, for every account type: Intuit's Account reference shows Accounts Payable, a liability
with a credit balance, at ``"CurrentBalance": -1091.23`` (*doubt*, see the README). An update
undoes the old lines first; a delete undoes them.
"""

from __future__ import annotations

from decimal import Decimal

from billsync.sandbox.qbo import jsonutil
from billsync.sandbox.qbo.currency import home_currency
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import check_length, money, named_ref, require, resolve
from billsync.sandbox.qbo.store import Company, Entity

DETAIL = "JournalEntryLineDetail"
POSTING_TYPES = ("Credit", "Debit")
#: Entity types a line may name that the emulator keeps (Finance.xsd ``EntityTypeEnum`` also
#: has Employee, Job and Other, which it does not serve).
ENTITY_TYPES = ("Customer", "Vendor")
#: The two accounts a law firm's trust ledger posts to, by Finance.xsd ``AccountSubTypeEnum``:
#: ``TrustAccounts`` ("money held by you for the benefit of someone else … used by attorneys")
#: and ``TrustAccountsLiabilities`` ("to offset Trust Accounts in assets"); Clio asks for "a
#: trust bank account and a trust liability account" (Clio help, "Syncing Trust Transactions
#: with QuickBooks Online"). Seeded on request (``POST /_sandbox/seed {"trust": true}``).
TRUST_ACCOUNTS = (
    {"Name": "Client Trust Account", "AccountType": "Bank", "AccountSubType": "TrustAccounts"},
    {
        "Name": "Client Trust Liability",
        "AccountType": "Other Current Liability",
        "AccountSubType": "TrustAccountsLiabilities",
    },
)
DUPLICATE_NUMBER = (
    "Duplicate Document Number Error : You must specify a different number. This number has already been "
    "used. DocNumber={doc} is assigned to TxnType=Journal Entry with TxnId={txn}"
)


def _business(detail: str) -> QBOFault:
    return QBOFault("6000", detail=detail)


def _entity(company: Company, detail: dict) -> dict | None:
    """The line's ``Entity``, its reference resolved (610 when it names nothing live)."""
    sent = detail.get("Entity")
    if not sent:
        return None
    kind = sent.get("Type")
    if kind not in ENTITY_TYPES:
        raise QBOFault("2170", element="Entity.Type", detail=str(kind))
    target = resolve(company, kind, sent.get("EntityRef"), "Entity.EntityRef")
    return {"Type": kind, "EntityRef": named_ref(target)}


def _post_line(company: Company, line: dict) -> tuple[str, Decimal]:
    """Check one line in place; return its posting type and amount."""
    if line.get("DetailType") != DETAIL:
        raise QBOFault("2020", element="Line.DetailType")
    detail = line.setdefault(DETAIL, {})
    posting = require(detail, "PostingType")
    if posting not in POSTING_TYPES:
        raise QBOFault("2170", element="PostingType", detail=str(posting))
    account = resolve(company, "Account", require(detail, "AccountRef"), "AccountRef")
    detail["AccountRef"] = named_ref(account, "Name")
    amount = money(require(line, "Amount", "Line.Amount"), "Line.Amount")
    if amount < 0:  # QBO signs by PostingType; the emulator's choice to refuse a signed amount
        raise _business(f"Line.Amount may not be negative: {amount}")
    line["Amount"] = amount
    entity = _entity(company, detail)
    if entity:
        detail["Entity"] = entity
    else:
        detail.pop("Entity", None)
    if account.get("AccountType") == "Accounts Receivable" and (entity or {}).get("Type") != "Customer":
        raise _business("When you use Accounts Receivable, you must choose a customer in the Name field.")
    if account.get("AccountType") == "Accounts Payable" and (entity or {}).get("Type") != "Vendor":
        raise _business("When you use Accounts Payable, you must choose a vendor in the Name field.")
    return posting, amount


def _check_number(company: Company, entity: Entity, include: set[str]) -> None:
    number = entity.get("DocNumber")
    check_length(number, 21, "DocNumber")
    if not number or "allowduplicatedocnum" in include:
        return
    for other in company.objects.get("JournalEntry", {}).values():
        if other.get("DocNumber") == number and other["Id"] != entity.get("Id"):
            fault = QBOFault("6140", element="DocNumber", doc=number, txn=other["Id"])
            fault.error["Detail"] = DUPLICATE_NUMBER.format(doc=number, txn=other["Id"])
            raise fault


def prepare_journal_entry(company: Company, name: str, entity: Entity, old: Entity | None, include: set[str]) -> None:
    """JournalEntry: at least two lines, references live, debits equal to credits."""
    lines = entity.get("Line") or []
    if len(lines) < 2:
        raise _business("Fill out at least two detail lines to continue.")
    totals = {posting: Decimal("0.00") for posting in POSTING_TYPES}
    used = {int(line["Id"]) for line in lines if str(line.get("Id", "")).isdigit()}
    for number, line in enumerate(lines, start=1):
        posting, amount = _post_line(company, line)
        totals[posting] += amount
        if "Id" not in line:
            # Numbered from "0", as Intuit's sample company's "Opening Balance" entry is.
            line["Id"] = str(max(used) + 1 if used else 0)
            used.add(int(line["Id"]))
        line["LineNum"] = number
    if totals["Debit"] != totals["Credit"]:
        raise _business("Please balance debits and credits.")
    _check_number(company, entity, include)
    entity["TotalAmt"] = totals["Debit"]
    entity.setdefault("TxnDate", jsonutil.now().date().isoformat())
    entity.setdefault("CurrencyRef", home_currency(company))
    entity.setdefault("Adjustment", False)


def _move(company: Company, entry: Entity | None, sign: int) -> None:
    for line in (entry or {}).get("Line") or []:
        detail = line.get(DETAIL) or {}
        account = company.get("Account", (detail.get("AccountRef") or {}).get("value"))
        if account is None:
            continue
        debit = Decimal(str(line.get("Amount", 0))) * (1 if detail.get("PostingType") == "Debit" else -1)
        balance = money(account.get("CurrentBalance", 0), "CurrentBalance") + sign * debit
        account["CurrentBalance"] = balance
        account["CurrentBalanceWithSubAccounts"] = balance  # sub-accounts are not emulated


def settle(company: Company, name: str, old: Entity | None, new: Entity | None) -> None:
    """Move the accounts' ``CurrentBalance``: undo ``old``'s lines, post ``new``'s (None = absent)."""
    _move(company, old, -1)
    _move(company, new, 1)
