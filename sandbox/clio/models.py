"""The Clio resources the emulator serves, field by field, as Clio's OpenAPI document names them.

Every property of a served type's ``<Type>_base`` schema is served, in the document's
order (``tests/sandbox/test_clio_openapi.py`` reads the lists back from the document, so
they cannot drift). Of the resources Clio nests in a type (the rest of its ``<Type>``
schema) the emulator serves those it keeps records for: contacts' email addresses, phone
numbers and addresses, bills, contacts, allocations, bank accounts, currencies,
discounts, interest. The others (matters, activities, groups, bill themes, custom
fields, users other than ``who_am_i``…) are answered with 400 like an unknown field, so a
client relying on one learns early instead of reading nulls (the test names each one).
"""

from __future__ import annotations

from typing import Any, Callable

from billsync.sandbox.clio.fields import Model, Nested
from billsync.sandbox.clio.store import Record, Store

Resolver = Callable[[Store, Record], Any]

#: ``Contact_base``.
CONTACT_FIELDS = tuple(
    "id etag name first_name middle_name last_name date_of_birth type created_at updated_at prefix title "
    "initials clio_connect_email locked_clio_connect_email client_connect_user_id primary_email_address "
    "secondary_email_address primary_phone_number secondary_phone_number ledes_client_id "
    "has_clio_for_clients_permission is_client is_clio_for_client_user is_co_counsel is_bill_recipient "
    "sales_tax_number currency".split()
)
#: ``Bill_base``.
BILL_FIELDS = tuple(
    "id etag number issued_at created_at due_at tax_rate secondary_tax_rate updated_at subject purchase_order "
    "type memo start_at end_at balance state kind total paid paid_at pending due discount_services_only "
    "can_update credits_issued shared last_sent_at services_secondary_tax services_sub_total services_tax "
    "services_taxable_sub_total services_secondary_taxable_sub_total taxable_sub_total "
    "secondary_taxable_sub_total sub_total tax_sum secondary_tax_sum total_tax available_state_transitions".split()
)
#: ``LineItem_base``.
LINE_ITEM_FIELDS = tuple(
    "id etag type description date price taxable kind note secondary_taxable total tax secondary_tax sub_total "
    "quantity group_ordering created_at updated_at".split()
)
#: ``Allocation_base``.
ALLOCATION_FIELDS = tuple(
    "id etag date amount interest voided_at created_at updated_at description has_online_payment destroyable "
    "payment_type".split()
)
#: ``CreditMemo_base``.
CREDIT_MEMO_FIELDS = tuple("id etag date amount description discount voided_at created_at updated_at".split())
#: ``BankAccount_base``.
BANK_ACCOUNT_FIELDS = tuple(
    "account_number balance bank_transactions_count clio_payment_page_link clio_payment_page_qr_code "
    "clio_payments_enabled controlled_account created_at currency currency_symbol currency_id default_account "
    "domicile_branch etag general_ledger_number holder id institution name swift transit_number type "
    "updated_at".split()
)
#: ``BankTransaction_base``.
BANK_TRANSACTION_FIELDS = tuple(
    "id type etag created_at updated_at bank_account_id source confirmation date amount currency currency_id "
    "description exchange_rate transaction_type funds_in funds_out clio_payments_transaction "
    "current_account_balance read_only_confirmation".split()
)
#: ``Webhook_base``.
WEBHOOK_FIELDS = tuple("id etag url fields shared_secret model status events expires_at created_at updated_at".split())
#: The part of ``User_base`` the emulated user has (``who_am_i`` only).
USER_FIELDS = tuple(
    "id etag name first_name last_name initials email enabled account_owner subscription_type time_zone "
    "created_at updated_at".split()
)
ADDRESS_FIELDS = tuple("id etag street city province postal_code country name created_at updated_at primary".split())
PHONE_FIELDS = tuple("id etag number name primary created_at updated_at".split())
EMAIL_FIELDS = tuple("id etag address name primary created_at updated_at".split())
CURRENCY_FIELDS = tuple("id etag code sign created_at updated_at".split())
DISCOUNT_FIELDS = tuple("rate type note early_payment_rate early_payment_period".split())
INTEREST_FIELDS = tuple("balance period rate total type".split())
POLYMORPHIC_FIELDS = tuple("id type identifier secondary_identifier tertiary_identifier".split())
ACCOUNT_FIELDS = tuple("id etag name state created_at updated_at".split())


def _related(field: str, collection: str) -> Resolver:
    """Resolver of a reference such as ``bill["client"]`` to the record it names."""

    def resolve(store: Store, record: Record) -> Record | None:
        ref = record.get(field)
        return store[collection].get(ref["id"]) if ref else None

    return resolve


def _embedded(field: str) -> Resolver:
    """Resolver of a value kept inside the record itself (a discount, a contact's addresses)."""
    return lambda store, record: record.get(field)


def _address(test: Callable[[Record], bool]) -> Resolver:
    """Resolver of a contact's first address that passes ``test`` (``primary_address``…)."""
    return lambda store, record: next((a for a in record.get("addresses") or () if test(a)), None)


def _client_addresses(store: Store, record: Record) -> list[Record] | None:
    client = store["contacts"].get(record["client"]["id"])
    return client and client.get("addresses")


def _credit_memo_allocations(store: Store, record: Record) -> list[Record]:
    return store["allocations"].referring("parent", ("CreditMemo", record["id"]))


ADDRESS = Model(None, ADDRESS_FIELDS)
CURRENCY = Nested(Model(None, CURRENCY_FIELDS), _embedded("currency"))
DISCOUNT = Nested(Model(None, DISCOUNT_FIELDS, default=DISCOUNT_FIELDS), _embedded("discount"))

CONTACTS = Model(
    "contacts",
    CONTACT_FIELDS,
    {
        "addresses": Nested(ADDRESS, _embedded("addresses")),
        "email_addresses": Nested(Model(None, EMAIL_FIELDS), _embedded("email_addresses")),
        "phone_numbers": Nested(Model(None, PHONE_FIELDS), _embedded("phone_numbers")),
        "primary_work_address": Nested(ADDRESS, _address(lambda a: a["name"] == "Work")),
        "primary_address": Nested(ADDRESS, _address(lambda a: a["primary"])),
        "secondary_address": Nested(ADDRESS, _address(lambda a: not a["primary"])),
        "currency": CURRENCY,
    },
)
BANK_ACCOUNTS = Model("bank_accounts", BANK_ACCOUNT_FIELDS)
#: A bill as nested in another record (``Bill_base``: none of its fields is a resource).
BILL = Model("bills", BILL_FIELDS)
BILLS = Model(
    "bills",
    BILL_FIELDS,
    {
        "client": Nested(CONTACTS, _related("client", "contacts")),
        "discount": DISCOUNT,
        "interest": Nested(Model(None, INTEREST_FIELDS, default=INTEREST_FIELDS), _embedded("interest")),
        "original_bill": Nested(BILL, _related("original_bill", "bills")),
        "destination_account": Nested(BANK_ACCOUNTS, _related("destination_account", "bank_accounts")),
        "currency": CURRENCY,
        "client_addresses": Nested(ADDRESS, _client_addresses),
    },
)
LINE_ITEMS = Model(
    "line_items", LINE_ITEM_FIELDS, {"bill": Nested(BILL, _related("bill", "bills")), "discount": DISCOUNT}
)
ALLOCATIONS = Model(
    "allocations",
    ALLOCATION_FIELDS,
    {
        "bill": Nested(BILL, _related("bill", "bills")),
        "source_bank_account": Nested(BANK_ACCOUNTS, _related("source_bank_account", "bank_accounts")),
        "destination_bank_account": Nested(BANK_ACCOUNTS, _related("destination_bank_account", "bank_accounts")),
        "contact": Nested(CONTACTS, _related("contact", "contacts")),
        "parent": Nested(Model(None, POLYMORPHIC_FIELDS, default=("id", "type")), _embedded("parent")),
    },
)
CREDIT_MEMOS = Model(
    "credit_memos",
    CREDIT_MEMO_FIELDS,
    {
        "contact": Nested(CONTACTS, _related("contact", "contacts")),
        "allocations": Nested(ALLOCATIONS, _credit_memo_allocations),
    },
)
BANK_TRANSACTIONS = Model(
    "bank_transactions",
    BANK_TRANSACTION_FIELDS,
    {
        "client": Nested(CONTACTS, _related("client", "contacts")),
        "bank_account": Nested(BANK_ACCOUNTS, _related("bank_account", "bank_accounts")),
        "bill": Nested(BILL, _related("bill", "bills")),
        "allocation": Nested(ALLOCATIONS, _related("allocation", "allocations")),
    },
)
WEBHOOKS = Model("webhooks", WEBHOOK_FIELDS)
USERS = Model("users", USER_FIELDS, {"account": Nested(Model(None, ACCOUNT_FIELDS), _embedded("account"))})

#: The list/show endpoints by URL name.
RESOURCES: dict[str, Model] = {
    model.collection: model
    for model in (CONTACTS, BILLS, LINE_ITEMS, ALLOCATIONS, CREDIT_MEMOS, BANK_ACCOUNTS, BANK_TRANSACTIONS, WEBHOOKS)
}

#: Webhook model identifiers the emulator delivers for (Clio has no allocation webhooks).
WEBHOOK_MODELS = {"contact": CONTACTS, "bill": BILLS}
