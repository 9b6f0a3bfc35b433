"""Resources Clio nests in the served ones but the emulator keeps no records of.

Clio's OpenAPI document lists them, so the emulator serves every one rather than refusing
the field: a client asking for one reads what the live API would send an account without
such data. A bill, line item or allocation with a client gets that client's matter (the
emulator's model: one open matter per client contact, made up from the contact and with
its id, so it is the same wherever it appears); a bank transaction names its matter, or
none for funds held at the client level. Everything else has nothing behind
it: an empty list where Clio's type is an array, ``null`` where it is an object (the live
API sends ``null`` for an unset nested resource).
"""

from __future__ import annotations

from typing import Any

from billsync.sandbox.clio.fields import Model, Nested
from billsync.sandbox.clio.store import Record, Store

#: ``Matter_base``.
MATTER_FIELDS = tuple(
    "id etag number display_number custom_number currency description status location client_reference client_id "
    "billable maildrop_address billing_method open_date close_date pending_date created_at updated_at shared "
    "has_tasks last_activity_date matter_stage_updated_at".split()
)
#: ``ActivityRate_base``.
ACTIVITY_RATE_FIELDS = tuple("id etag rate flat_rate created_at updated_at contact_id co_counsel_contact_id".split())
#: ``CustomFieldValue``.
CUSTOM_FIELD_VALUE_FIELDS = tuple(
    "id etag field_name created_at updated_at field_type field_required field_displayed field_display_order value "
    "soft_deleted custom_field picklist_option matter contact".split()
)
#: ``CustomFieldSetAssociation_base``.
CUSTOM_FIELD_SET_ASSOCIATION_FIELDS = tuple("id etag display_order created_at updated_at".split())
#: ``InstantMessenger_base``.
INSTANT_MESSENGER_FIELDS = tuple("id etag address name created_at updated_at".split())
#: ``WebSite_base``.
WEB_SITE_FIELDS = tuple("id etag address name default_web_site created_at updated_at".split())
#: ``NotificationMethod_base``.
NOTIFICATION_METHOD_FIELDS = tuple("id etag type email_address is_default_email_address created_at updated_at".split())
#: ``AccountBalance_base``.
ACCOUNT_BALANCE_FIELDS = tuple("id balance type name currency_id".split())
#: ``KycFieldValue_base``.
KYC_FIELD_VALUE_FIELDS = tuple(
    "id etag field_name field_label created_at updated_at field_type field_value field_possible_values group".split()
)
#: ``Avatar_base``.
AVATAR_FIELDS = tuple("id etag created_at updated_at url _destroy".split())
#: ``PaymentProfile_base``.
PAYMENT_PROFILE_FIELDS = tuple(
    "id etag created_at updated_at billing_setting_id name terms discount_rate discount_period interest_rate "
    "interest_period interest_type".split()
)
#: ``Folder_base``.
FOLDER_FIELDS = tuple("id etag created_at updated_at deleted_at type locked name root".split())
#: ``LegalAidUkContact_base``.
LEGAL_AID_UK_CONTACT_FIELDS = tuple(
    "id disability disability_code ethnicity ethnicity_title financially_eligible gender gender_title "
    "national_insurance_number".split()
)
#: ``Group_base``.
GROUP_FIELDS = tuple("client_connect_user etag id name type updated_at".split())
#: ``BillTheme_base``.
BILL_THEME_FIELDS = tuple("id etag created_at updated_at account_id default name config".split())
#: ``Balance_base``.
BALANCE_FIELDS = tuple("id amount type interest_amount due".split())
#: ``MatterBalance_base``.
MATTER_BALANCE_FIELDS = ("id", "amount")
#: ``BillingSetting_base``.
BILLING_SETTING_FIELDS = tuple(
    "id etag rounded_duration rounding use_decimal_rounding currency currency_sign tax_rate tax_name "
    "apply_tax_by_default apply_secondary_tax_by_default time_on_flat_rate_contingency_matters_is_non_billable "
    "use_secondary_tax secondary_tax_rate secondary_tax_rule secondary_tax_name notify_after_bill_created "
    "use_utbms_codes created_at updated_at multi_currency_billing billing_currencies".split()
)
#: ``LegalAidUkBill_base``.
LEGAL_AID_UK_BILL_FIELDS = tuple(
    "additional_travel_payment adjourned_hearing_fee advocacy_costs advice_time bill_type case_concluded "
    "case_stage_level cla_exemption_code cla_reference cmrh_oral cmrh_telephone cost_of_counsel costs_are_those_of "
    "court_location date_of_claim designated_accredited_representative detention_travel_and_waiting_costs "
    "disbursements_vat exceptional_case_funding_reference exemption_criteria_satisfied fee_code follow_on_work "
    "ho_interview ho_ucn id independent_medical_reports_claimed jr_form_filling maat_id meetings_attended "
    "mht_ref_no net_disbursements net_profit_costs niat_disbursement_prior_authority_number "
    "number_of_attendances outcome_for_the_client profit_costs_ex_vat prior_authority_reference "
    "representation_order_date stage_reached substantive_hearing travel_and_waiting_costs travel_time "
    "value_of_costs waiting_time".split()
)
#: ``SplitInvoice_base``.
SPLIT_INVOICE_FIELDS = tuple(
    "id bill_id linked_invoices_display_numbers linked_invoices_ids split_connection_id split_portion etag "
    "created_at updated_at".split()
)
#: ``Activity_base``.
ACTIVITY_FIELDS = tuple(
    "id etag type date quantity_in_hours rounded_quantity_in_hours quantity rounded_quantity quantity_redacted "
    "price note flat_rate billed on_bill total contingency_fee created_at updated_at reference non_billable "
    "non_billable_total no_charge tax_setting currency".split()
)
#: ``LineItemTotals_base``.
LINE_ITEM_TOTALS_FIELDS = tuple("quantity price discount_percent total sub_total".split())


def matter(client: Record) -> Record:
    """The one matter of a client contact: same id, number ``00007-<client>``, open since the
    contact was created, in the contact's currency."""
    client_id = client["id"]
    return {
        "id": client_id,
        "etag": f'"matter-{client_id}"',
        "number": client_id,
        "display_number": f"{client_id:05d}-{client.get('last_name') or client['name']}",
        "custom_number": None,
        "currency": client["currency"],
        "description": f"General matters of {client['name']}",
        "status": "Open",
        "location": None,
        "client_reference": None,
        "client_id": client_id,
        "billable": True,
        "maildrop_address": None,
        "billing_method": "hourly",
        "open_date": client["created_at"].date(),
        "close_date": None,
        "pending_date": None,
        "created_at": client["created_at"],
        "updated_at": client["updated_at"],
        "shared": False,
        "has_tasks": False,
        "last_activity_date": None,
        "matter_stage_updated_at": None,
    }


def _none(store: Store, record: Record) -> Any:
    return None


def _empty(store: Store, record: Record) -> list[Record]:
    return []


def absent(fields: tuple[str, ...], many: bool = False) -> Nested:
    """A nested resource with nothing behind it: ``[]`` if Clio's type is an array (``many``), else ``null``."""
    return Nested(Model(None, fields), _empty if many else _none)
