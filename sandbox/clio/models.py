"""The Clio resources the emulator serves, field by field, as Clio's OpenAPI document names them.

Every property of a served type's ``<Type>_base`` schema is served, in the document's
order (``tests/sandbox/test_clio_openapi.py`` reads the lists back from the document, so
they cannot drift), and so is every resource Clio nests in a type (the rest of its
``<Type>`` schema): those the emulator keeps records for (contacts' email addresses, phone
numbers and addresses, bills, contacts, allocations, bank accounts, currencies,
discounts, interest) from those records, the others as :mod:`.synthesized` makes them up.
"""

from __future__ import annotations

from typing import Any, Callable

from billsync.sandbox.clio.fields import Model, Nested
from billsync.sandbox.clio.store import Record, Store
from billsync.sandbox.clio.synthesized import (
    ACCOUNT_BALANCE_FIELDS,
    ACTIVITY_FIELDS,
    ACTIVITY_RATE_FIELDS,
    AVATAR_FIELDS,
    BALANCE_FIELDS,
    BILL_THEME_FIELDS,
    BILLING_SETTING_FIELDS,
    CUSTOM_FIELD_SET_ASSOCIATION_FIELDS,
    CUSTOM_FIELD_VALUE_FIELDS,
    FOLDER_FIELDS,
    GROUP_FIELDS,
    INSTANT_MESSENGER_FIELDS,
    KYC_FIELD_VALUE_FIELDS,
    LEGAL_AID_UK_BILL_FIELDS,
    LEGAL_AID_UK_CONTACT_FIELDS,
    LINE_ITEM_TOTALS_FIELDS,
    MATTER_BALANCE_FIELDS,
    MATTER_FIELDS,
    NOTIFICATION_METHOD_FIELDS,
    PAYMENT_PROFILE_FIELDS,
    SPLIT_INVOICE_FIELDS,
    WEB_SITE_FIELDS,
    absent,
    matter,
)

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
#: ``User_base``.
USER_FIELDS = tuple(
    "account_owner clio_connect court_rules_default_attendee created_at default_calendar_id email enabled etag "
    "first_name id initials last_name name phone_number rate roles subscription_type time_zone updated_at".split()
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


def _through(first: Resolver, then: Resolver) -> Resolver:
    """Resolver of a reference of a referenced record (a line item's bill's client)."""

    def resolve(store: Store, record: Record) -> Any:
        middle = first(store, record)
        return middle and then(store, middle)

    return resolve


def _matter(client: Resolver) -> Resolver:
    """Resolver of the matter of the client ``client`` finds (:func:`.synthesized.matter`)."""

    def resolve(store: Store, record: Record) -> Record | None:
        found = client(store, record)
        return found and matter(found)

    return resolve


_client_matter = _matter(_related("client", "contacts"))
_bill_client_matter = _matter(_through(_related("bill", "bills"), _related("client", "contacts")))


def _held_for(store: Store, record: Record) -> Record | None:
    """A bank transaction's matter: the one it names (matter ids are their client's), or
    none for funds held at the client level."""
    ref = record.get("matter")
    client = ref and store["contacts"].get(ref["id"])
    return client and matter(client)


def _account_balances(store: Store, record: Record) -> list[Record]:
    """A contact's ``account_balances`` ("The current balance of the bank account available
    to the matter or contact", ``AccountBalance_base``): per trust account the contact has
    funds in, the sum of the contact's transactions there. Operating accounts are left out:
    the emulator's operating ledger holds only bill payments, which are the firm's money."""
    sums: dict[int, Any] = {}
    for transaction in store["bank_transactions"].referring("client", record["id"]):
        if transaction["type"] == "liability":
            account_id = transaction["bank_account_id"]
            sums[account_id] = sums.get(account_id, 0) + transaction["amount"]
    balances = []
    for account_id, balance in sums.items():
        account = store["bank_accounts"].get(account_id)
        if account is not None:
            balances.append(
                {
                    "id": account_id,
                    "balance": balance,
                    "type": account["type"],
                    "name": account["name"],
                    "currency_id": account["currency_id"],
                }
            )
    return balances


def _matters(store: Store, record: Record) -> list[Record]:
    """A bill's matters: its client's one matter."""
    found = _client_matter(store, record)
    return [found] if found else []


def _user(store: Store, record: Record) -> Record | None:
    return store.user()


def _client_addresses(store: Store, record: Record) -> list[Record] | None:
    client = store["contacts"].get(record["client"]["id"])
    return client and client.get("addresses")


def _credit_memo_allocations(store: Store, record: Record) -> list[Record]:
    return store["allocations"].referring("parent", ("CreditMemo", record["id"]))


ADDRESS = Model(None, ADDRESS_FIELDS)
CURRENCY = Nested(Model(None, CURRENCY_FIELDS), _embedded("currency"))
DISCOUNT = Nested(Model(None, DISCOUNT_FIELDS, default=DISCOUNT_FIELDS), _embedded("discount"))
USERS = Model("users", USER_FIELDS, {"account": Nested(Model(None, ACCOUNT_FIELDS), _embedded("account"))})
#: The emulator's one user, nested in what it made (it made everything).
USER = Nested(USERS, _user)
MATTER = Model(None, MATTER_FIELDS)

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
        "activity_rates": absent(ACTIVITY_RATE_FIELDS, many=True),
        "custom_field_values": absent(CUSTOM_FIELD_VALUE_FIELDS, many=True),
        "custom_field_set_associations": absent(CUSTOM_FIELD_SET_ASSOCIATION_FIELDS, many=True),
        "instant_messengers": absent(INSTANT_MESSENGER_FIELDS, many=True),
        "web_sites": absent(WEB_SITE_FIELDS, many=True),
        "notification_methods": absent(NOTIFICATION_METHOD_FIELDS, many=True),
        "account_balances": Nested(
            Model(None, ACCOUNT_BALANCE_FIELDS, default=ACCOUNT_BALANCE_FIELDS), _account_balances
        ),
        "related_contacts": absent(CONTACT_FIELDS, many=True),
        "kyc_field_values": absent(KYC_FIELD_VALUE_FIELDS, many=True),
        "company": absent(CONTACT_FIELDS),
        "avatar": absent(AVATAR_FIELDS),
        "payment_profile": absent(PAYMENT_PROFILE_FIELDS),
        "folder": absent(FOLDER_FIELDS),
        "co_counsel_rate": absent(ACTIVITY_RATE_FIELDS),
        "primary_web_site": absent(WEB_SITE_FIELDS),
        "legal_aid_uk_contact": absent(LEGAL_AID_UK_CONTACT_FIELDS),
    },
)
BANK_ACCOUNTS = Model("bank_accounts", BANK_ACCOUNT_FIELDS, {"user": USER})
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
        "user": USER,
        "matters": Nested(MATTER, _matters),
        "group": absent(GROUP_FIELDS),
        "bill_theme": absent(BILL_THEME_FIELDS),
        "balances": absent(BALANCE_FIELDS, many=True),
        "matter_totals": absent(MATTER_BALANCE_FIELDS, many=True),
        "billing_setting": absent(BILLING_SETTING_FIELDS),
        "legal_aid_uk_bill": absent(LEGAL_AID_UK_BILL_FIELDS),
        "split_invoice": absent(SPLIT_INVOICE_FIELDS),
    },
)
LINE_ITEMS = Model(
    "line_items",
    LINE_ITEM_FIELDS,
    {
        "bill": Nested(BILL, _related("bill", "bills")),
        "discount": DISCOUNT,
        "activity": absent(ACTIVITY_FIELDS),
        "matter": Nested(MATTER, _bill_client_matter),
        "user": USER,
        "included_line_item_totals": absent(LINE_ITEM_TOTALS_FIELDS),
    },
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
        "matter": Nested(MATTER, _bill_client_matter),
    },
)
CREDIT_MEMOS = Model(
    "credit_memos",
    CREDIT_MEMO_FIELDS,
    {
        "contact": Nested(CONTACTS, _related("contact", "contacts")),
        "allocations": Nested(ALLOCATIONS, _credit_memo_allocations),
        "user": USER,
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
        "matter": Nested(MATTER, _held_for),
    },
)
WEBHOOKS = Model("webhooks", WEBHOOK_FIELDS, {"user": USER})
#: ``GET /currencies.json`` ("Return the data for all Currencies"; ``Currency`` nests nothing).
CURRENCIES = Model("currencies", CURRENCY_FIELDS)

#: The list/show endpoints by URL name.
RESOURCES: dict[str, Model] = {
    model.collection: model
    for model in (
        CONTACTS,
        BILLS,
        LINE_ITEMS,
        ALLOCATIONS,
        CREDIT_MEMOS,
        BANK_ACCOUNTS,
        BANK_TRANSACTIONS,
        WEBHOOKS,
        CURRENCIES,
    )
}

#: Webhook model identifiers the emulator delivers for (Clio has no allocation webhooks).
WEBHOOK_MODELS = {"contact": CONTACTS, "bill": BILLS}
