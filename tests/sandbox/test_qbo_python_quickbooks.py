"""python-quickbooks (PyPI), with intuitlib's AuthClient, against the emulator.

Only URLs change: the QBO base URL (``QuickBooks.sandbox_api_url_v3``) and the OAuth
endpoints intuitlib reads from Intuit's discovery document (fetched over the internet,
so the test serves it the emulator's endpoints instead), and oauthlib is told that plain
http is fine on localhost.
"""

from __future__ import annotations

import intuitlib.client
import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

from billsync.sandbox.qbo.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET


@pytest.fixture
def client(qbo, monkeypatch) -> QuickBooks:
    discovery = {
        "authorization_endpoint": f"{qbo.url}/connect/oauth2",
        "token_endpoint": f"{qbo.url}/oauth2/v1/tokens/bearer",
        "revocation_endpoint": f"{qbo.url}/v2/oauth2/tokens/revoke",
        "issuer": qbo.url,
        "jwks_uri": f"{qbo.url}/jwks",
        "userinfo_endpoint": f"{qbo.url}/userinfo",
    }
    monkeypatch.setattr(intuitlib.client, "get_discovery_doc", lambda *a, **k: discovery)
    monkeypatch.setattr(QuickBooks, "sandbox_api_url_v3", f"{qbo.url}/v3")
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain http
    auth = AuthClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, "http://localhost/callback", "sandbox")
    auth.refresh(refresh_token=qbo.mint()["refresh_token"])  # the emulator's token endpoint
    return QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=qbo.realm, minorversion=75)


def test_create_query_update_delete(client, services) -> None:
    customer = Customer()
    customer.DisplayName = "Jane Doe: not allowed"
    with pytest.raises(Exception):
        customer.save(qb=client)
    customer.DisplayName = "Jane Doe"
    customer.save(qb=client)
    assert customer.Id and str(customer.SyncToken) == "0"

    found = Customer.filter(DisplayName="Jane Doe", qb=client)
    assert [c.Id for c in found] == [customer.Id]

    customer.CompanyName = "Doe LLP"
    customer.save(qb=client)
    assert Customer.get(customer.Id, qb=client).CompanyName == "Doe LLP"

    line = SalesItemLine()
    line.Amount = 250
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Ref()
    line.SalesItemLineDetail.ItemRef.value = services["item"]
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = [line]
    invoice.save(qb=client)
    stored = Invoice.get(invoice.Id, qb=client)
    assert stored.TotalAmt == 250 and stored.DocNumber == "1001"
    assert Invoice.count(qb=client) == 1

    stored.delete(qb=client)
    assert Invoice.count(qb=client) == 0
