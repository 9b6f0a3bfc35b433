"""Contacts reach QuickBooks with their phones, e-mail and addresses as Clio's own integration
maps them, and edits in Clio follow (issue 14): a demo firm in the Clio emulator, through the
daemon, into the QBO emulator."""

from __future__ import annotations

import httpx
import pytest

from billsync.daemon.store.models import Link
from billsync.sandbox.demo import generate_firm
from billsync.v1 import billsync_pb2 as pb
from tests.e2e.conftest import api_requests, connect, qbo_objects, seed_firm, set_preferences, sync
from tests.harness import settle, sync_after_changes

#: A phone number longer than QuickBooks' 21 characters.
LONG_NUMBER = "+1 (217) 555-0114 ext. 12345"


@pytest.fixture
def ready(sandbox):
    set_preferences(sandbox, CustomTxnNumbers=True, WarnDuplicateBillNumber=True, AutoApplyCredit=False)
    return sandbox


def customers_by_contact(box) -> dict[str, dict]:
    """The QBO customer of each synced Clio contact, by Clio id."""
    customers = {c["Id"]: c for c in qbo_objects(box, "Customer")}
    return {link.clio_id: customers[link.qbo_id] for link in Link.select().where(Link.kind == "contact")}


def test_contacts_land_with_their_details_and_edits_in_clio_follow(ready, e2e_client):
    seed_firm(ready, bills=30, seed=3)
    firm = generate_firm(30, seed=3)
    connection = connect(e2e_client)
    run = sync(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    settle(e2e_client, connection.id)  # a run that read half of the edits below would end the next sync early

    # Only contacts billed on an issued bill go (the engine already asked only for those).
    contacts = {str(c["id"]): c for c in firm.contacts}
    landed = customers_by_contact(ready)
    assert not set(landed) & {str(i) for i in firm.cases["contact_without_bills"]}
    assert len(landed) > 10
    for clio_id, customer in landed.items():
        contact = contacts[clio_id]
        primary = next((p["number"] for p in contact["phone_numbers"] if p["primary"]), None)
        assert (customer.get("PrimaryPhone") or {}).get("FreeFormNumber") == primary, contact["name"]
        assert (customer.get("PrimaryEmailAddr") or {}).get("Address") == contact["primary_email_address"]
        # Each demo contact has at most one address besides Billing: where the client is, it ships.
        located = [a for a in contact["addresses"] if a["name"] != "Billing"]
        ship = customer.get("ShipAddr") or {}
        assert (ship.get("City"), ship.get("PostalCode")) == (
            (located[0]["city"], located[0]["postal_code"]) if located else (None, None)
        ), contact["name"]
    [muller] = [c for c in firm.contacts if c["name"] == "Müller GmbH"]
    bill_to = landed[str(muller["id"])]["BillAddr"]
    assert (bill_to["Line1"], bill_to["City"], bill_to["Country"]) == ("Postfach 10 20 30", "Berlin", "Germany")

    # A bookkeeper adds what Clio does not have; then a Clio user changes phones and addresses.
    qbo_user = f"{ready.qbo_url}/_sandbox/user/{ready.qbo_config.realm_id}/Customer"
    own = {"Mobile": {"FreeFormNumber": "030 555 0100"}, "WebAddr": {"URI": "https://mueller.example"}}
    httpx.post(f"{qbo_user}/{landed[str(muller['id'])]['Id']}/edit", json=own).raise_for_status()
    clio = ready.clio_url + "/_sandbox"
    phones = [
        {"name": "Work", "number": "+49 30 5550142"},
        {"name": "Home", "number": "+49 30 5550143"},
        {"name": "Fax", "number": "+49 30 5550144"},
    ]
    work = {
        "name": "Work",
        "street": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "Germany",
    }
    billing = {"name": "Billing", "street": "Postfach 10 20 30", "city": "Berlin", "country": "Germany"}
    edit = {"phones": phones, "addresses": [work, billing]}
    httpx.patch(f"{clio}/contacts/{muller['id']}", json=edit).raise_for_status()
    [globex] = [c for c in firm.contacts if c["name"] == "Globex Zürich LLC"]
    long_mobile = [{"name": "Work", "number": "(217) 555-0199"}, {"name": "Mobile", "number": LONG_NUMBER}]
    httpx.patch(f"{clio}/contacts/{globex['id']}", json={"phones": long_mobile}).raise_for_status()

    run = sync_after_changes(e2e_client, connection.id)
    assert run.state == pb.RUN_STATE_SUCCEEDED, run.error
    after = customers_by_contact(ready)
    customer = after[str(muller["id"])]
    phone = lambda field: (customer.get(field) or {}).get("FreeFormNumber")  # noqa: E731
    assert (phone("PrimaryPhone"), phone("AlternatePhone"), phone("Fax")) == (
        "+49 30 5550142",
        "+49 30 5550143",
        "+49 30 5550144",
    )
    assert (customer["ShipAddr"]["Line1"], customer["ShipAddr"]["PostalCode"]) == ("Unter den Linden 1", "10117")
    assert customer["BillAddr"]["Line1"] == "Postfach 10 20 30"
    assert (customer["Mobile"], customer["WebAddr"]) == (own["Mobile"], own["WebAddr"]), "the bookkeeper's own"
    link = Link.get(Link.kind == "contact", Link.clio_id == str(muller["id"]))
    assert (link.state, link.reason) == ("synced", "")

    # A number too long for QuickBooks is left out, said on the link; the rest goes.
    customer = after[str(globex["id"])]
    assert customer["PrimaryPhone"] == {"FreeFormNumber": "(217) 555-0199"} and "Mobile" not in customer
    link = Link.get(Link.kind == "contact", Link.clio_id == str(globex["id"]))
    assert link.state == "synced"
    assert link.reason.startswith("Left out of QuickBooks, too long for it: Mobile (28 characters, at most 21)")

    # Nothing changed since: nothing is written again.
    before = api_requests(ready)
    sync(e2e_client, connection.id)
    assert api_requests(ready)["qbo_writes"] == before["qbo_writes"]
