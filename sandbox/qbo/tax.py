"""Sales tax of a sales form, computed as QBO computes it for the company's kind.

QBO, not the client, decides a form's tax: the client names what is taxable and how, and
may supply an amount that QBO keeps in place of its own. What differs is the company
(``sandbox/README.md``, *Sales tax as QBO computes it*):

- Sales tax off (any kind): "If sales tax is disabled (Preferences.TaxPrefs.UsingSalesTax is
  set to false) then TxnTaxDetail is ignored and not stored" (Intuit's Invoice reference).
- ``us``, the default company, switched on by the admin API: it has no tax lists to compute
  with, so it keeps ``TxnTaxDetail`` as sent, the rule of the emulator before tax was
  computed (the reading taken so that the default company does what it always did).
- ``us-legacy``: lines ``TAX`` or ``NON`` ("pseudo tax codes") and one code for the whole
  transaction whose rates apply to the taxable lines (Intuit, *Manage sales tax for US
  locales*, before 2017); recorded in ``qbo-recorded/cdc-basic.yml`` (Id 100: 325.75 at 8 %
  is 26.06).
- ``us-ast``: the same lines, but the code is automated sales tax's for the destination
  (Intuit blog, 2017-12-11, *Using QuickBooks Online API automated sales tax*), and a sent
  amount is kept only as ``TxnTaxDetail.UseAutomatedSalesTax`` and the company's
  ``AllowPartnerTaxOverride`` allow (Finance.xsd ``TxnTaxDetail``).
- ``ca``, ``uk``, ``au``: "They use TaxCode objects to specify sales tax at the line level"
  (Intuit, *Manage sales tax for non-US locales*); each rate is charged on the taxable total
  of the lines whose code includes it (quickbooks-ruby #547), and a supplied ``TaxLine``
  amount is kept beside QBO's own figure (``OverrideDeltaAmount``).

Every amount is rounded half-up to the cent (*doubt*: #547 does not tell half-up from
half-even). The module only computes; :func:`billsync.sandbox.qbo.txns.prepare_form` calls
:func:`compute` once the lines are priced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Iterable

from billsync.sandbox.qbo import prefs, regions
from billsync.sandbox.qbo.errors import QBOFault
from billsync.sandbox.qbo.refs import CENT, money
from billsync.sandbox.qbo.regions import CompanyKind
from billsync.sandbox.qbo.store import Company, Entity

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
PSEUDO = ("TAX", "NON")
LINE_CODE = "Line.SalesItemLineDetail.TaxCodeRef"
#: "If an invoice is taxable, there is a limit of 750 lines per invoice" (Intuit's Invoice reference).
TAXABLE_LINE_LIMIT = 750
#: What a company calls its tax in the 6000 for a line without a code: "Make sure all your
#: transactions have a GST/HST rate before you save." (Canada: activepieces #8539,
#: quickbooks-ruby #351), "… a VAT rate …" (UK: intuit/quickbooks-online-mcp-server #94), and
#: by analogy "… a GST rate …" for Australia (*doubt*: not quoted anywhere).
TAX_NAMES = {"CA": "GST/HST", "GB": "VAT", "AU": "GST"}
#: GlobalTaxCalculationEnum (Finance.xsd); "Default: TaxExcluded" (Intuit's Invoice reference).
TAX_EXCLUDED, TAX_INCLUSIVE, NOT_APPLICABLE = "TaxExcluded", "TaxInclusive", "NotApplicable"


@dataclass(frozen=True)
class Charge:
    """One rate charged on a form: the rate, the amount it is charged on, and QBO's own tax."""

    rate: Entity
    net: Decimal
    computed: Decimal

    @property
    def percent(self) -> Decimal:
        return Decimal(str(self.rate.get("RateValue", 0)))


def compute(company: Company, entity: Entity, *, subtotal: Decimal, discount: Decimal) -> Decimal:
    """Give ``entity`` the ``TxnTaxDetail`` QBO would store, and return what its tax adds to
    ``TotalAmt`` (nothing where prices include tax, or sales tax is off).

    The sent amount is parsed whatever becomes of it, as QBO binds the body before it
    ignores anything.
    """
    sent = entity.pop("TxnTaxDetail", None) or {}
    money(sent.get("TotalTax", 0), "TxnTaxDetail.TotalTax")
    where = regions.region(company.kind)
    lines = [line for line in entity.get("Line") or [] if line.get("DetailType") == "SalesItemLineDetail"]
    if where.country == "US":
        for line in lines:
            line["SalesItemLineDetail"].setdefault("TaxCodeRef", {"value": "NON"})
    if not prefs.using_sales_tax(company):
        return ZERO
    if company.kind == CompanyKind.US:
        entity["TxnTaxDetail"] = {**sent, "TotalTax": money(sent.get("TotalTax", 0), "TxnTaxDetail.TotalTax")}
        return entity["TxnTaxDetail"]["TotalTax"]
    if where.country == "US":
        entity["TxnTaxDetail"] = _us(company, entity, lines, sent, subtotal=subtotal, discount=discount)
        return entity["TxnTaxDetail"]["TotalTax"]
    detail, added = _global(company, entity, lines, sent, subtotal=subtotal, discount=discount)
    entity["TxnTaxDetail"] = detail
    return added


# --- US: TAX/NON lines and one code for the transaction ------------------------------------


def _us(
    company: Company, entity: Entity, lines: list[Entity], sent: Entity, *, subtotal: Decimal, discount: Decimal
) -> Entity:
    """Legacy sales tax, or automated sales tax on a company of kind ``us-ast``."""
    for line in lines:
        if _code_id(line) not in PSEUDO:
            raise QBOFault("2500", element=LINE_CODE, detail=LINE_CODE)
    taxable = sum((line["Amount"] for line in lines if _code_id(line) == "TAX"), ZERO)
    if not any(_code_id(line) == "TAX" for line in lines):
        return {"TotalTax": ZERO}  # as the recorded forms of NON lines: no code, no TaxLine
    _limit(lines)
    automated = company.kind == CompanyKind.US_AST
    code = _ast_code(company, entity) if automated else _legacy_code(company, entity, sent)
    if entity.get("ApplyTaxAfterDiscount") is True and subtotal:
        # Finance.xsd ApplyTaxAfterDiscount: "If true, subtract the discount first and then
        # calculate the sales tax"; false or null, "calculate the sales tax first".
        taxable = taxable * (subtotal - discount) / subtotal
    charges = [_charge(rate, taxable) for rate, _, _ in _rates(company, code)]
    if "TotalTax" in sent and (not automated or _override_allowed(company, sent)):
        total = money(sent["TotalTax"], "TxnTaxDetail.TotalTax")
        amounts = _shares(total, [charge.percent for charge in charges])
    elif sent.get("TaxLine") and not automated:
        supplied = _supplied(company, sent, {charge.rate["Id"] for charge in charges})
        amounts = [supplied.get(charge.rate["Id"], charge.computed) for charge in charges]
    else:
        amounts = [charge.computed for charge in charges]
    return {
        "TxnTaxCodeRef": {"value": code["Id"]},
        "TotalTax": sum(amounts, ZERO),
        "TaxLine": [_tax_line(charge, amount) for charge, amount in zip(charges, amounts)],
    }


def _legacy_code(company: Company, entity: Entity, sent: Entity) -> Entity:
    """The sent ``TxnTaxCodeRef`` ("the overall rate to use for all taxable lines", Intuit's
    US page), else the customer's ``DefaultTaxCodeRef`` as the recorded company gave every
    customer (*doubt*: no recording shows a form sent without one). Neither is a 6000
    (*doubt*: wording the emulator's)."""
    ref = sent.get("TxnTaxCodeRef")
    if not ref:
        customer = company.get("Customer", (entity.get("CustomerRef") or {}).get("value")) or {}
        ref = customer.get("DefaultTaxCodeRef")
    if not ref:
        raise QBOFault(
            "6000",
            element="TxnTaxDetail.TxnTaxCodeRef",
            detail="Make sure all your taxable transactions have a sales tax rate before you save.",
        )
    code = _known_code(company, ref, "TxnTaxDetail.TxnTaxCodeRef")
    if code["Id"] in PSEUDO:
        raise QBOFault("2500", element="TxnTaxDetail.TxnTaxCodeRef", detail="TxnTaxDetail.TxnTaxCodeRef")
    return code


def _ast_code(company: Company, entity: Entity) -> Entity:
    """AST's code for the destination: "the transaction's shipping address", else the
    company's address (Intuit blog, 2017-12-11); the sent ``TxnTaxCodeRef`` "is replaced by
    the automated sales tax engine recommendation" (Intuit's Invoice reference)."""
    state = (entity.get("ShipAddr") or {}).get("CountrySubDivisionCode")
    return regions.ast_code(company, state)


def _override_allowed(company: Company, sent: Entity) -> bool:
    """Whether AST keeps a sent amount. "Whenever an explicit tax amount is sent in the
    transaction request the AST engine honors the amount and prorates it across tax rates"
    (Intuit blog, 2017-12-11), but Finance.xsd ``UseAutomatedSalesTax``: true, the form
    "will always have AST rates"; false, "it will depend on the QBO user pref -
    AllowPartnerTaxOverride". An override is sent as ``TxnTaxCodeRef`` with ``TotalTax``
    (hlu2 of Intuit, QuickBooks-V3-PHP-SDK #199: "you will provide TxnTaxDetail.TxnTaxCodeRef
    and TxnTaxDetail.TotalTax"; the code's value "does not matter", so it is not checked).
    Where the sources disagree (python-quickbooks #301: "always calculated based on tax
    percent") the stricter reading is that all three must hold."""
    return (
        sent.get("UseAutomatedSalesTax") is not True
        and bool(sent.get("TxnTaxCodeRef"))
        and prefs.allow_partner_tax_override(company)
    )


# --- Canada, the UK, Australia: a code on every line -------------------------------------


def _global(
    company: Company, entity: Entity, lines: list[Entity], sent: Entity, *, subtotal: Decimal, discount: Decimal
) -> tuple[Entity, Decimal]:
    """Tax per rate on the taxable total of the lines whose code charges it."""
    country = regions.region(company.kind).country
    calculation = entity.setdefault("GlobalTaxCalculation", TAX_EXCLUDED)
    if calculation not in (TAX_EXCLUDED, TAX_INCLUSIVE, NOT_APPLICABLE):
        raise QBOFault("6000", element="GlobalTaxCalculation", detail=f"GlobalTaxCalculation {calculation} is invalid")
    codes: dict[str, Entity] = {}
    gross: dict[str, Decimal] = {}
    for line in lines:
        ref = line["SalesItemLineDetail"].get("TaxCodeRef")
        if not ref or not ref.get("value"):
            raise QBOFault(
                "6000",
                element=LINE_CODE,
                detail=f"Make sure all your transactions have a {TAX_NAMES[country]} rate before you save.",
            )
        code = _known_code(company, ref, LINE_CODE)
        codes[code["Id"]] = code
        gross[code["Id"]] = gross.get(code["Id"], ZERO) + line["Amount"]
    taxed = {code_id: code for code_id, code in codes.items() if _details(code)}
    if taxed and calculation == NOT_APPLICABLE:
        # *Doubt*: no source says what QBO answers; a taxed code cannot charge nothing.
        raise QBOFault("6000", element="GlobalTaxCalculation", detail="A taxable line needs a tax calculation")
    if taxed:
        _limit(lines)
    # "DiscountAmt … prorated through item lines for tax calculation" (Intuit's reference,
    # SalesTransaction); the discount lowers every code's lines by the same fraction.
    after_discount = (subtotal - discount) / subtotal if subtotal else Decimal(1)
    bases: dict[str, tuple[Entity, Decimal]] = {}
    for code_id, code in taxed.items():
        net = gross[code_id] * after_discount
        if calculation == TAX_INCLUSIVE:  # the lines' amounts include the tax (*doubt*: for completeness)
            net = net / (1 + sum((percent for _, percent, _ in _rates(company, code)), ZERO) / HUNDRED)
        for rate, base in _bases(company, code, net):
            previous = bases.get(rate["Id"], (rate, ZERO))[1]
            bases[rate["Id"]] = (rate, previous + base)
    charges = [_charge(rate, base) for rate, base in bases.values()]
    supplied = _supplied(company, sent, set(bases)) if sent.get("TaxLine") else {}
    amounts = [supplied.get(charge.rate["Id"], charge.computed) for charge in charges]
    total = sum(amounts, ZERO)
    # TxnTaxCodeRef is "For US editions only" (Finance.xsd): not kept.
    detail: Entity = {"TotalTax": total}
    if charges:
        detail["TaxLine"] = [_tax_line(charge, amount) for charge, amount in zip(charges, amounts)]
    return detail, ZERO if calculation == TAX_INCLUSIVE else total


def _bases(company: Company, code: Entity, net: Decimal) -> Iterable[tuple[Entity, Decimal]]:
    """(rate, amount it is charged on) for each rate of a code, on ``net``. A compound rate
    (``TaxTypeApplicable`` TaxOnAmountPlusTax, or TaxOnTax) is charged on the amount plus, or
    on, the tax of the rate whose ``TaxOrder`` its ``TaxOnTaxOrder`` names (Finance.xsd
    ``TaxRateDetail``, ``TaxTypeApplicablityEnum``; read so by ERPNext's QuickBooks migrator,
    which follows ``TaxOnTaxOrder`` to the detail of that ``TaxOrder``). *Doubt*: whether QBO
    rounds the earlier tax before compounding; here it does not."""
    rates = _rates(company, code)
    by_order = {detail.get("TaxOrder"): percent for _, percent, detail in rates}
    for rate, percent, detail in rates:
        applies = detail.get("TaxTypeApplicable") or "TaxOnAmount"
        parent = by_order.get(detail.get("TaxOnTaxOrder"))
        if applies == "TaxOnAmount" or parent is None or detail.get("TaxOnTaxOrder") == detail.get("TaxOrder"):
            yield rate, net
        elif applies == "TaxOnAmountPlusTax":
            yield rate, net + net * parent / HUNDRED
        else:
            yield rate, net * parent / HUNDRED


# --- shared -------------------------------------------------------------------------------


def _code_id(line: Entity) -> Any:
    return (line["SalesItemLineDetail"].get("TaxCodeRef") or {}).get("value")


def _known_code(company: Company, ref: Any, element: str) -> Entity:
    """A TaxCode the company has and uses. An unknown or inactive one is 2500 "Invalid
    Reference Id" (QuickBooks-V3-PHP-SDK #102 for an item; *doubt*: by analogy for a code)."""
    code = company.get("TaxCode", ref.get("value")) if isinstance(ref, dict) else None
    if code is None or code.get("Active") is False:
        raise QBOFault("2500", element=element, detail=element)
    return code


def _details(code: Entity) -> list[Entity]:
    return (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []


def _rates(company: Company, code: Entity) -> list[tuple[Entity, Decimal, Entity]]:
    """(TaxRate, percent, TaxRateDetail) of each sales rate of a code, in the code's order; a
    detail naming a rate the company lacks (only a raw seed can make one) charges nothing."""
    found = []
    for detail in _details(code):
        rate = company.get("TaxRate", (detail.get("TaxRateRef") or {}).get("value"))
        if rate is not None:
            found.append((rate, Decimal(str(rate.get("RateValue", 0))), detail))
    return found


def _charge(rate: Entity, base: Decimal) -> Charge:
    """QBO computes each rate on the rate's taxable total, rounded once: 4,495.16 at 9.975 %
    is 448.39 (quickbooks-ruby #547)."""
    net = _cents(base)
    return Charge(rate, net, _cents(net * Decimal(str(rate.get("RateValue", 0))) / HUNDRED))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _supplied(company: Company, sent: Entity, rate_ids: set[str]) -> dict[str, Decimal]:
    """The sent ``TaxLine`` amounts by rate. "TxnTaxDetail … you may supply it when adding a
    transaction" (Intuit's Invoice reference), and a supplied amount is kept (quickbooks-ruby
    #547: 448.40 sent where QBO computes 448.39). A line's ``TaxRateRef`` "must also be one of
    the rates in the referenced tax code's rate list … Any given rate may only be listed once"
    (the same reference); anything else is a 6000 (*doubt*: wording the emulator's)."""
    amounts: dict[str, Decimal] = {}
    for line in sent.get("TaxLine") or []:
        ref = (line.get("TaxLineDetail") or {}).get("TaxRateRef") or {}
        rate_id = str(ref.get("value", ""))
        if rate_id not in rate_ids or rate_id in amounts:
            raise QBOFault(
                "6000",
                element="TxnTaxDetail.TaxLine.TaxLineDetail.TaxRateRef",
                detail=f"Tax rate {rate_id or 'none'} is not charged once by a tax code of this transaction's lines",
            )
        amounts[rate_id] = money(line.get("Amount", 0), "TxnTaxDetail.TaxLine.Amount")
    return amounts


def _shares(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights``, to the cent, the cents left over going to
    the largest remainders (first first on a tie): the amount AST "prorates … across tax
    rates" (Intuit blog, 2017-12-11), the same for a legacy code of several rates (*doubt*:
    the method of prorating is not documented)."""
    if not weights:
        return []
    whole = sum(weights, Decimal(0))
    if not whole:
        weights, whole = [Decimal(1)] + [Decimal(0)] * (len(weights) - 1), Decimal(1)
    sign, cents = (-1 if total < 0 else 1), abs(total) / CENT
    exact = [cents * weight / whole for weight in weights]
    floors = [share.to_integral_value(rounding=ROUND_DOWN) for share in exact]
    left = int(cents - sum(floors))
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * share * CENT for share in floors]


def _tax_line(charge: Charge, amount: Decimal) -> Entity:
    """A TaxLine as recorded (cdc-basic.yml), with ``OverrideDeltaAmount``, "The difference
    between the actual tax and the overridden amount supplied by the user" (Finance.xsd), where
    the amount is not QBO's own."""
    detail: Entity = {
        "TaxRateRef": {"value": charge.rate["Id"]},
        "PercentBased": True,
        "TaxPercent": charge.percent,
        "NetAmountTaxable": charge.net,
    }
    if amount != charge.computed:
        detail["OverrideDeltaAmount"] = amount - charge.computed
    return {"Amount": amount, "DetailType": "TaxLineDetail", "TaxLineDetail": detail}


def _limit(lines: list[Entity]) -> None:
    """ "If an invoice is taxable, there is a limit of 750 lines per invoice" (Intuit's Invoice
    reference); *doubt*: the 6000 and its words are the emulator's."""
    if len(lines) > TAXABLE_LINE_LIMIT:
        raise QBOFault(
            "6000",
            element="Line",
            detail=f"A taxable transaction can have at most {TAXABLE_LINE_LIMIT} lines; this one has {len(lines)}",
        )
