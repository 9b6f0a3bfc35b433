"""Loading a demo firm (:func:`billsync.sandbox.demo.generate_firm`) into the emulator's store."""

from __future__ import annotations

from billsync.sandbox.clio.store import Store
from billsync.sandbox.demo import Firm, generate_firm

#: Firm attributes in the order their records may refer to one another.
COLLECTIONS = (
    "contacts",
    "bank_accounts",
    "bills",
    "line_items",
    "payments",
    "credit_memos",
    "allocations",
    "bank_transactions",
)


def load_firm(store: Store, firm: Firm) -> dict[str, int]:
    """Replace everything in ``store`` (webhooks included) with copies of ``firm``'s records.

    Records are copied so the same :class:`Firm` can be loaded again, or compared, after
    the emulator has changed its own copies. No webhook fires: this is history, not news.

    Returns:
        The number of records loaded per collection.
    """
    with store.lock:
        store.reset()
        for name in COLLECTIONS:
            for record in getattr(firm, name):
                store.save(name, dict(record))
        return {name: len(store[name]) for name in COLLECTIONS}


def seed(store: Store, bills: int, seed_value: int = 1, region: str = "us", *, foreign: bool = False) -> dict[str, int]:
    """Generate and load a firm of ``bills`` bills of ``region`` (with a client billed in
    another currency if ``foreign``): what the admin API's seed does."""
    return load_firm(store, generate_firm(bills, seed_value, region, foreign=foreign))
