"""Why a record is skipped, waits or fails, as a code: what a preview groups and counts by,
without parsing the words a bookkeeper reads (``Op.reason``), which stay as they are.

Each value begins with the action it goes with (``skip:``, ``wait:``, ``fail:``, and
``adopt:`` or ``create:`` for how a record meets what QuickBooks already holds). None is
stored: a link keeps its ``error_code`` as before (:data:`billsync.daemon.sync.currency.CURRENCY`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Cause(enum.StrEnum):
    SKIP_DRAFT = "skip:draft"
    SKIP_AWAITING_APPROVAL = "skip:awaiting_approval"
    #: A bill in a state Clio added since (neither issued, draft, awaiting approval, void nor deleted).
    SKIP_NOT_ISSUED = "skip:not_issued"
    SKIP_BEFORE_START = "skip:before_start"
    #: Voided (a bill, a payment) or deleted in Clio before it was ever synced.
    SKIP_VOIDED = "skip:voided"
    SKIP_DELETED = "skip:deleted"
    #: A payment of a bill that is skipped.
    SKIP_BILL_SKIPPED = "skip:bill_skipped"
    #: A credit application of a credit note voided in Clio.
    SKIP_CREDIT_VOIDED = "skip:credit_voided"
    #: A bookkeeper decided it is not to sync (a ``Pin``).
    SKIP_DECIDED = "skip:decided"

    #: QBO's settings would renumber invoices or take a number twice.
    WAIT_SETTINGS = "wait:settings"
    WAIT_TAX_CODES = "wait:tax_codes"
    WAIT_CUSTOMER = "wait:customer"
    WAIT_INVOICE = "wait:invoice"
    WAIT_CREDIT_MEMO = "wait:credit_memo"
    WAIT_TRUST_ACCOUNTS = "wait:trust_accounts"
    WAIT_TRUST_LEDGERS = "wait:trust_ledgers"

    #: A currency the company cannot book (stored as ``error_code`` "currency", as before).
    FAIL_CURRENCY = "fail:currency"
    FAIL_NAME = "fail:name"
    FAIL_NO_NUMBER = "fail:no_number"
    FAIL_NUMBER_LENGTH = "fail:number_length"
    #: An invoice billsync did not make for this bill already has its number in QuickBooks.
    FAIL_NUMBER_TAKEN = "fail:number_taken"
    FAIL_NO_LINES = "fail:no_lines"
    #: No QuickBooks item mapped for a kind of line.
    FAIL_ITEM = "fail:item"
    FAIL_TAX_ITEM = "fail:tax_item"
    FAIL_TAX_CODE = "fail:tax_code"
    FAIL_TAX_RATES = "fail:tax_rates"
    #: Clio's own figures do not add up (lines, subtotal, taxes, total).
    FAIL_SUMS = "fail:sums"
    #: An amount QuickBooks cannot record: zero, or less.
    FAIL_AMOUNT = "fail:amount"
    #: What a bookkeeper decided cannot be done (the object chosen is gone, linked to another
    #: record, in another currency, or of another amount).
    FAIL_DECISION = "fail:decision"

    #: A customer QuickBooks already had, of the contact's name and e-mail.
    ADOPT_NAME_EMAIL = "adopt:name_email"
    #: An object QuickBooks already had with this record's marker (made by billsync before).
    ADOPT_MARKER = "adopt:marker"
    #: The object QuickBooks already had that a bookkeeper chose (a ``Pin``).
    ADOPT_DECIDED = "adopt:decided"
    #: A customer made under its disambiguated name: another customer has the contact's name.
    CREATE_NAME_TAKEN = "create:name_taken"
    #: A customer made while QuickBooks has customers of a like name (a person's given and
    #: family names, a company's name) under other display names: the same client, perhaps.
    CREATE_LIKE_NAMED = "create:like_named"


@dataclass(frozen=True)
class Why:
    """Why a record is not written now: its cause, and the words a bookkeeper reads."""

    code: Cause
    reason: str
