"""The Clio resources the emulator serves, field by field, as Clio's OpenAPI names them.

Only the billing-relevant part of each schema is emulated; a field Clio has but the
emulator does not keep (``bill_theme``, ``matters``…) is answered with 400 like an unknown
field, so a client relying on it learns early instead of reading nulls. Nested resources
show the fields of Clio's ``*_base`` schema of their type.
"""

from __future__ import annotations

from typing import Any

from billsync.sandbox.clio.fields import Model, Nested
from billsync.sandbox.clio.store import Record, Store

CONTACT_FIELDS = frozenset(
    "id etag name first_name middle_name last_name prefix title initials type "
    "primary_email_address secondary_email_address is_client created_at updated_at".split()
)
BILL_FIELDS = frozenset(
    "id etag number issued_at due_at created_at updated_at subject purchase_order memo type "
    "kind state balance total paid paid_at pending due credits_issued sub_total tax_rate "
    "secondary_tax_rate tax_sum secondary_tax_sum total_tax last_sent_at shared can_update "
    "available_state_transitions".split()
)
LINE_ITEM_FIELDS = frozenset(
    "id etag type description date price quantity kind taxable secondary_taxable note "
    "sub_total total tax secondary_tax group_ordering created_at updated_at".split()
)
ALLOCATION_FIELDS = frozenset(
    "id etag date amount interest voided_at description destroyable created_at updated_at".split()
)
CREDIT_MEMO_FIELDS = frozenset("id etag date amount description discount voided_at created_at updated_at".split())
WEBHOOK_FIELDS = frozenset(
    "id etag url fields shared_secret model status events expires_at created_at updated_at".split()
)
USER_FIELDS = frozenset(
    "id etag name first_name last_name initials email enabled account_owner "
    "subscription_type time_zone created_at updated_at".split()
)
DISCOUNT_FIELDS = ("rate", "type", "note", "early_payment_rate", "early_payment_period")
EMAIL_FIELDS = frozenset("id etag address name primary created_at updated_at".split())
PARENT_FIELDS = frozenset("id type identifier".split())
CURRENCY_FIELDS = ("id", "etag", "code", "sign", "created_at", "updated_at")
ACCOUNT_FIELDS = ("id", "etag", "name", "state", "created_at", "updated_at")
DEFAULT = ("id", "etag")


def _related(field: str, collection: str) -> Any:
    """Resolver of a reference such as ``bill["client"]`` to the record it names."""

    def resolve(store: Store, record: Record) -> Record | None:
        ref = record.get(field)
        return store[collection].get(ref["id"]) if ref else None

    return resolve


def _embedded(field: str) -> Any:
    """Resolver of a value stored inside the record itself (a discount, a parent)."""
    return lambda store, record: record.get(field)


def _credit_memo_allocations(store: Store, record: Record) -> list[Record]:
    return store["allocations"].referring("parent", ("CreditMemo", record["id"]))


def _embedded_nested(field: str, fields: tuple[str, ...]) -> Nested:
    return Nested(frozenset(fields), fields, _embedded(field))


CONTACT_REF = Nested(CONTACT_FIELDS, DEFAULT, _related("contact", "contacts"))
BILL_REF = Nested(BILL_FIELDS, DEFAULT, _related("bill", "bills"))
DISCOUNT = _embedded_nested("discount", DISCOUNT_FIELDS)

CONTACTS = Model(
    "contacts",
    CONTACT_FIELDS,
    {"email_addresses": Nested(EMAIL_FIELDS, DEFAULT, _embedded("email_addresses"))},
)
BILLS = Model(
    "bills",
    BILL_FIELDS,
    {
        "client": Nested(CONTACT_FIELDS, DEFAULT, _related("client", "contacts")),
        "discount": DISCOUNT,
        "currency": _embedded_nested("currency", CURRENCY_FIELDS),
    },
)
LINE_ITEMS = Model("line_items", LINE_ITEM_FIELDS, {"bill": BILL_REF, "discount": DISCOUNT})
ALLOCATIONS = Model(
    "allocations",
    ALLOCATION_FIELDS,
    {
        "bill": BILL_REF,
        "contact": CONTACT_REF,
        "parent": Nested(PARENT_FIELDS, ("id", "type"), _embedded("parent")),
    },
)
CREDIT_MEMOS = Model(
    "credit_memos",
    CREDIT_MEMO_FIELDS,
    {
        "contact": CONTACT_REF,
        "allocations": Nested(ALLOCATION_FIELDS, DEFAULT, _credit_memo_allocations),
    },
)
WEBHOOKS = Model("webhooks", WEBHOOK_FIELDS)
USERS = Model("users", USER_FIELDS, {"account": _embedded_nested("account", ACCOUNT_FIELDS)})

#: The list/show endpoints by URL name.
RESOURCES: dict[str, Model] = {
    model.collection: model for model in (CONTACTS, BILLS, LINE_ITEMS, ALLOCATIONS, CREDIT_MEMOS, WEBHOOKS)
}

#: Webhook model identifiers the emulator delivers for (Clio has no allocation webhooks).
WEBHOOK_MODELS = {"contact": CONTACTS, "bill": BILLS}
