"""The emulator's QuickBooks screens: Company Settings, and an object opened from a deep link."""

from __future__ import annotations

import httpx


def test_company_settings_switch_both_settings_as_a_person_would(qbo):
    url = f"{qbo.sandbox.qbo_url}/app/settings"
    page = httpx.get(url)
    assert page.status_code == 200 and "Warn if duplicate bill number is used" in page.text
    saved = httpx.post(url, data={"custom_txn_numbers": "on", "warn_duplicate": "on"}, follow_redirects=True)
    assert "Settings saved." in saved.text
    prefs = qbo.api("GET", "/preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert {"Name": "WarnDuplicateBillNumber", "Value": "true"} in prefs["OtherPrefs"]["NameValue"]
    httpx.post(url, data={})
    assert qbo.api("GET", "/preferences").json()["Preferences"]["SalesFormsPrefs"]["CustomTxnNumbers"] is False


def test_deep_links_open_the_object_or_say_it_was_deleted(qbo, services):
    page = httpx.get(f"{qbo.sandbox.qbo_url}/app/customerdetail", params={"nameId": services["customer"]})
    assert page.status_code == 200 and "Amy&#39;s Bird Sanctuary" in page.text
    invoice = qbo.api(
        "POST",
        "/invoice",
        json={
            "CustomerRef": {"value": services["customer"]},
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": services["item"]}},
                }
            ],
        },
    ).json()["Invoice"]
    qbo.admin("POST", f"/user/{qbo.sandbox.qbo_config.realm_id}/Invoice/{invoice['Id']}/delete")
    gone = httpx.get(f"{qbo.sandbox.qbo_url}/app/invoice", params={"txnId": invoice["Id"]})
    assert gone.status_code == 404 and "was deleted" in gone.text
    assert httpx.get(f"{qbo.sandbox.qbo_url}/app/nonsense").status_code == 404
