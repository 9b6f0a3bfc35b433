"""A QuickBooks company that already holds some of a demo firm before its first sync: the
stage of issue 19's preview and decisions, in the e2e tests and the browser's."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from billsync.sandbox.demo import Firm, generate_firm
from billsync.sandbox.server import Sandbox
from tests.harness import seed_firm


@dataclass(frozen=True)
class Books:
    """A firm seeded in Clio and what QuickBooks holds of it, each by Clio id → QBO Id."""

    firm: Firm
    #: Contacts QuickBooks has a customer of the same name and e-mail of.
    matched: dict[str, str]
    #: Contacts QuickBooks has a customer of the same name of, with another e-mail.
    renamed: dict[str, str]
    #: People QuickBooks has a customer of the same given and family names of, displayed
    #: otherwise ("Smith, John").
    alike: dict[str, str]
    #: Bills whose numbers invoices typed in QuickBooks have: the first of the bill's total,
    #: the others of 10.00.
    taken: dict[str, str]

    def contact(self, clio_id: str) -> dict:
        return next(c for c in self.firm.contacts if str(c["id"]) == clio_id)

    def bill(self, clio_id: str) -> dict:
        return next(b for b in self.firm.bills if str(b["id"]) == clio_id)


def seed_qbo(box: Sandbox, objects: dict[str, list[dict]], *, raw: bool = False) -> dict[str, list[str]]:
    """Adds objects to the QBO company, as its users made them; their Ids by entity."""
    answer = httpx.post(f"{box.qbo_url}/_sandbox/seed", json={"objects": objects, "raw": raw}, timeout=60)
    answer.raise_for_status()
    return answer.json()["created"]


def seed_books(
    box: Sandbox, bills: int, *, matched: int, renamed: int, taken: int, from_bill: int, alike: int = 0
) -> Books:
    """The demo firm of ``bills`` bills in Clio; in QuickBooks, customers of the names and
    e-mails of ``matched`` clients, of the names of ``renamed`` others with another e-mail,
    of the given and family names of ``alike`` other people displayed "Family, Given", and
    invoices under the numbers of ``taken`` issued bills from the ``from_bill``-th on."""
    firm = generate_firm(bills)
    seed_firm(box, bills=bills)
    billed = {str(b["client"]["id"]) for b in firm.bills}
    people = [c for c in firm.contacts if str(c["id"]) in billed and c.get("primary_email_address")]
    people = [c for c in people if ":" not in c["name"] and c["name"] not in {p["name"] for p in people if p is not c}]
    same, other = people[:matched], people[matched : matched + renamed]
    persons = [c for c in people[matched + renamed :] if c.get("type") == "Person" and c.get("first_name")]
    persons = [c for c in persons if not [p for p in persons if p is not c and p["last_name"] == c["last_name"]]]
    like = persons[:alike]
    customers = seed_qbo(
        box,
        {
            "Customer": [
                {"DisplayName": c["name"], "PrimaryEmailAddr": {"Address": c["primary_email_address"]}} for c in same
            ]
            + [{"DisplayName": c["name"], "PrimaryEmailAddr": {"Address": "someone.else@example.org"}} for c in other]
            + [
                {
                    "DisplayName": f"{c['last_name']}, {c['first_name']}",
                    "GivenName": c["first_name"],
                    "FamilyName": c["last_name"],
                }
                for c in like
            ]
        },
    )["Customer"]
    issued = [b for b in firm.bills if b["state"] in ("awaiting_payment", "paid") and len(b["number"]) <= 21]
    numbered = issued[from_bill : from_bill + taken]
    holders = seed_qbo(
        box,
        {
            "Invoice": [
                {
                    "DocNumber": bill["number"],
                    "CustomerRef": {"value": customers[matched + renamed - 1]},
                    "TxnDate": "2024-01-02",
                    "TotalAmt": float(bill["total"]) if n == 0 else 10.0,  # numbers, as QBO stores them
                    "Balance": float(bill["total"]) if n == 0 else 10.0,
                    "PrivateNote": "typed in QuickBooks",
                    "Line": [],
                }
                for n, bill in enumerate(numbered)
            ]
        },
        raw=True,
    )["Invoice"]
    return Books(
        firm=firm,
        matched={str(c["id"]): qbo_id for c, qbo_id in zip(same, customers)},
        renamed={str(c["id"]): qbo_id for c, qbo_id in zip(other, customers[matched:])},
        alike={str(c["id"]): qbo_id for c, qbo_id in zip(like, customers[matched + renamed :])},
        taken={str(b["id"]): qbo_id for b, qbo_id in zip(numbered, holders)},
    )
