"""Every property QBO's JSON binding knows, class by class, for the entities the emulator serves.

QBO reads a request body into the classes of its v3 schema with Jackson, so a property the
class lacks is refused as a whole (fault 2010) and the Detail names the class and lists what
it knows: ``Property Name:Unrecognized field "Amount" (class
com.intuit.schema.finance.v3.SalesItemLineDetail), not marked as ignorable (18 known
properties: "ItemRef", "DiscountRate", …])`` (python-quickbooks issue #299,
github.com/routablehq/python-quickbooks/issues/299; issue #80 shows the same for ``Item``).
Those classes are generated from Intuit's published schema, so the model below is that
schema: the elements (and attributes: ``domain``, ``sparse``, ``name``…) of each complex type
in Intuit's ``Finance.xsd`` and ``IntuitBaseTypes.xsd`` (github.com/intuit/QuickBooks-V3-Java-SDK,
ipp-v3-java-data/src/main/xsd, October 2024), including properties only QuickBooks Desktop or
other regions use, because the binding knows them all. The 18 properties issue #299 lists for
SalesItemLineDetail are exactly its type's here, less ``UnitCostPrice`` added since.

Notation: ``CLASSES[name] = (base class, properties)``; ``Prop:Class`` holds an object (or a
list of them) of a modelled class, ``Prop:*`` holds anything (the ``…Ex`` extension points,
``xs:any`` in the schema); a plain ``Prop`` holds a value. A class with simple content (a
reference, a memo) carries its text as ``value``, as QBO's JSON does.
"""

from __future__ import annotations

CLASSES: dict[str, tuple[str, str]] = {
    "Customer": (
        "NameBase",
        "Taxable BillAddr:PhysicalAddress ShipAddr:PhysicalAddress OtherAddr:PhysicalAddress ContactName "
        "AltContactName Notes Job BillWithParent RootCustomerRef:ReferenceType ParentRef:ReferenceType Level "
        "CustomerTypeRef:ReferenceType SalesTermRef:ReferenceType SalesRepRef:ReferenceType "
        "TaxGroupCodeRef:ReferenceType TaxRateRef:ReferenceType PaymentMethodRef:ReferenceType "
        "CCDetail:CreditChargeInfo PriceLevelRef:ReferenceType Balance OpenBalanceDate BalanceWithJobs CreditLimit "
        "AcctNum CurrencyRef:ReferenceType OverDueBalance TotalRevenue TotalExpense PreferredDeliveryMethod ResaleNum "
        "JobInfo:JobInfo TDSEnabled CustomerEx:* SecondaryTaxIdentifier ARAccountRef:ReferenceType "
        "PrimaryTaxIdentifier TaxExemptionReasonId IsProject BusinessNumber GSTIN GSTRegistrationType IsCISContractor "
        "ClientCompanyId ClientEntityId Source TaxRegime",
    ),
    "Vendor": (
        "NameBase",
        "ContactName AltContactName Notes BillAddr:PhysicalAddress ShipAddr:PhysicalAddress OtherAddr:PhysicalAddress "
        "TaxCountry TaxIdentifier TaxIdEffectiveDate BusinessNumber ParentRef:ReferenceType "
        "VendorTypeRef:ReferenceType TermRef:ReferenceType PrefillAccountRef:ReferenceType Balance BillRate "
        "OpenBalanceDate CreditLimit AcctNum Vendor1099 T4AEligible T5018Eligible CurrencyRef:ReferenceType "
        "TDSEnabled TDSEntityTypeId TDSSectionTypeId TDSOverrideThreshold TaxReportingBasis "
        "APAccountRef:ReferenceType VendorEx:* GSTIN GSTRegistrationType IsSubContractor SubcontractorType CISRate "
        "HasTPAR VendorPaymentBankDetail:VendorBankAccountDetail Source CostRate",
    ),
    "Item": (
        "IntuitEntity",
        "Name Sku Description Active SubItem ParentRef:ReferenceType Level FullyQualifiedName Taxable "
        "SalesTaxIncluded PercentBased UnitPrice RatePercent Type PaymentMethodRef:ReferenceType "
        "UOMSetRef:ReferenceType IncomeAccountRef:ReferenceType PurchaseDesc PurchaseTaxIncluded PurchaseCost "
        "ExpenseAccountRef:ReferenceType COGSAccountRef:ReferenceType AssetAccountRef:ReferenceType "
        "PrefVendorRef:ReferenceType AvgCost TrackQtyOnHand QtyOnHand QtyOnPurchaseOrder QtyOnSalesOrder ReorderPoint "
        "ManPartNum DepositToAccountRef:ReferenceType SalesTaxCodeRef:ReferenceType PurchaseTaxCodeRef:ReferenceType "
        "InvStartDate BuildPoint PrintGroupedItems SpecialItem SpecialItemType ItemGroupDetail:ItemGroupDetail "
        "ItemAssemblyDetail:ItemAssemblyDetail AbatementRate ReverseChargeRate ServiceType ItemCategoryType ItemEx:* "
        "TaxClassificationRef:ReferenceType UQCDisplayText UQCId ClassRef:ReferenceType Source DeferredRevenue",
    ),
    "Account": (
        "IntuitEntity",
        "Name SubAccount ParentRef:ReferenceType Description FullyQualifiedName AccountAlias TxnLocationType Active "
        "Classification AccountType AccountSubType AccountPurposes:ReferenceType AcctNum AcctNumExtn BankNum "
        "OpeningBalance OpeningBalanceDate CurrentBalance CurrentBalanceWithSubAccounts CurrencyRef:ReferenceType "
        "TaxAccount TaxCodeRef:ReferenceType OnlineBankingEnabled FIName JournalCodeRef:ReferenceType AccountEx:*",
    ),
    "Invoice": (
        "SalesTransaction",
        "Deposit AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment AllowOnlineACHPayment "
        "AllowOnlinePayPalPayment EInvoiceStatus ECloudStatusTimeStamp CfdiUse Exportation GlobalInfo:MXGlobalInfo "
        "invoiceStatus callToAction invoiceStatusLog:StatusInfo InvoiceEx:* LessCIS InvoiceLink PaymentDetailsMessage "
        "ConvenienceFeeDetail:ConvenienceFeeDetail InvoiceLinkSecurityCode InvoiceLinkExpiryDate AutoPayEligible "
        "SchedulePayEligible ScheduledPaymentId GratuityEnabled FinancingProductType SubscriptionPaymentsSetting",
    ),
    "CreditMemo": ("SalesTransaction", "RemainingCredit InvoiceRef:ReferenceType CreditMemoEx:*"),
    "SalesReceipt": ("SalesTransaction", "SalesReceiptEx:* LessCIS"),
    "Estimate": ("SalesTransaction", "ExpirationDate AcceptedBy AcceptedDate EstimateEx:*"),
    "Payment": (
        "Transaction",
        "CustomerRef:ReferenceType RemitToRef:ReferenceType ARAccountRef:ReferenceType "
        "DepositToAccountRef:ReferenceType PaymentMethodRef:ReferenceType PaymentRefNum PaymentType "
        "CheckPayment:CheckPayment CreditCardPayment:CreditCardPayment TotalAmt UnappliedAmt ProcessPayment "
        "PaymentEx:*",
    ),
    "JournalEntry": (
        "Transaction",
        "Adjustment HomeCurrencyAdjustment EnteredInHomeCurrency GlobalTaxCalculation TotalAmt HomeTotalAmt "
        "JournalEntryEx:*",
    ),
    "Preferences": (
        "IntuitEntity",
        "AccountingInfoPrefs:CompanyAccountingPrefs AdvancedInventoryPrefs:AdvancedInventoryPrefs "
        "ProductAndServicesPrefs:ProductAndServicesPrefs SalesFormsPrefs:SalesFormsPrefs "
        "EmailMessagesPrefs:EmailMessagesPrefs PrintDocumentPrefs:PrintDocumentPrefs "
        "VendorAndPurchasesPrefs:VendorAndPurchasesPrefs TimeTrackingPrefs:TimeTrackingPrefs TaxPrefs:TaxPrefs "
        "FinanceChargesPrefs:FinanceChargePrefs CurrencyPrefs:CurrencyPrefs ReportPrefs:ReportPrefs "
        "OtherPrefs:OtherPrefs",
    ),
    "CompanyInfo": (
        "IntuitEntity",
        "CompanyName LegalName CompanyAddr:PhysicalAddress CustomerCommunicationAddr:PhysicalAddress "
        "LegalAddr:PhysicalAddress CompanyEmailAddr:EmailAddress CustomerCommunicationEmailAddr:EmailAddress "
        "CompanyURL:WebSiteAddress PrimaryPhone:TelephoneNumber OtherContactInfo:ContactInfo CompanyFileName "
        "FlavorStratum SampleFile CompanyUserId CompanyUserAdminEmail CompanyStartDate EmployerId "
        "FiscalYearStartMonth TaxYearStartMonth QBVersion Country ShipAddr:PhysicalAddress OtherAddr:PhysicalAddress "
        "Mobile:TelephoneNumber Fax:TelephoneNumber Email:EmailAddress WebAddr:WebSiteAddress LastImportedTime "
        "LastSyncTime SupportedLanguages DefaultTimeZone MultiByteCharsSupported NameValue:NameValue "
        "FifoCalculationStatus CompanyInfoEx:*",
    ),
    "TaxCode": (
        "IntuitEntity",
        "Name Description Active Hidden Taxable TaxGroup SalesTaxRateList:TaxRateList PurchaseTaxRateList:TaxRateList "
        "AdjustmentTaxRateList:TaxRateList TaxCodeEx:* TaxCodeConfigType",
    ),
    "TaxRate": (
        "IntuitEntity",
        "Name Description Active RateValue AgencyRef:ReferenceType TaxReturnLineRef:ReferenceType "
        "EffectiveTaxRate:EffectiveTaxRate SpecialTaxType DisplayType TaxRateEx:* OriginalTaxRate:ReferenceType",
    ),
    "TaxAgency": (
        "Vendor",
        "SalesTaxCodeRef:ReferenceType SalesTaxCountry SalesTaxReturnRef:ReferenceType TaxRegistrationNumber "
        "ReportingPeriod TaxTrackedOnPurchases TaxOnPurchasesAccountRef:ReferenceType TaxTrackedOnSales "
        "TaxTrackedOnSalesAccountRef:ReferenceType TaxOnTax LastFileDate TaxAgencyExt:* TaxAgencyConfig",
    ),
    "PaymentMethod": ("IntuitEntity", "Name Active Type PaymentMethodEx:*"),
    "CompanyCurrency": ("IntuitEntity", "Code Name Active CompanyCurrencyEx:*"),
    "ExchangeRate": ("IntuitEntity", "SourceCurrencyCode TargetCurrencyCode Rate AsOfDate ExchangeRateEx:*"),
    "TaxRateList": ("", "TaxRateDetail:TaxRateDetail originatingGroupId"),
    "TaxRateDetail": ("", "TaxRateRef:ReferenceType TaxTypeApplicable TaxOrder TaxOnTaxOrder"),
    "EffectiveTaxRate": ("", "RateValue EffectiveDate EndDate EffectiveTaxRateEx:*"),
    "NameBase": (
        "IntuitEntity",
        "IntuitId Organization Title GivenName MiddleName FamilyName Suffix FullyQualifiedName CompanyName "
        "DisplayName PrintOnCheckName UserId Active V4IDPseudonym PrimaryPhone:TelephoneNumber "
        "AlternatePhone:TelephoneNumber Mobile:TelephoneNumber Fax:TelephoneNumber PrimaryEmailAddr:EmailAddress "
        "WebAddr:WebSiteAddress OtherContactInfo:ContactInfo DefaultTaxCodeRef:ReferenceType",
    ),
    "PhysicalAddress": (
        "",
        "Id Line1 Line2 Line3 Line4 Line5 City Country CountryCode County CountrySubDivisionCode PostalCode "
        "PostalCodeSuffix Lat Long Tag Note",
    ),
    "ReferenceType": ("", "value name type"),
    "CreditChargeInfo": (
        "",
        "Number Type NameOnAcct CcExpiryMonth CcExpiryYear BillAddrStreet PostalCode CommercialCardCode CCTxnMode "
        "CCTxnType PrevCCTransId Amount ProcessPayment CreditCardChargeInfoEx:*",
    ),
    "JobInfo": ("", "Status StartDate ProjectedEndDate EndDate Description JobTypeRef:ReferenceType"),
    "VendorBankAccountDetail": ("", "BankBranchIdentifier BankAccountNumber BankAccountName StatementText"),
    "IntuitEntity": (
        "",
        "Id SyncToken MetaData:ModificationMetaData CustomField:CustomField AttachableRef:AttachableRef domain status "
        "sparse",
    ),
    "ItemGroupDetail": ("", "ItemGroupLine:ItemComponentLine"),
    "ItemAssemblyDetail": ("", "ItemAssemblyLine:ItemComponentLine"),
    "SalesTransaction": (
        "Transaction",
        "AutoDocNumber CustomerRef:ReferenceType CustomerMemo:MemoRef BillAddr:PhysicalAddress "
        "ShipAddr:PhysicalAddress FreeFormAddress ShipFromAddr:PhysicalAddress RemitToRef:ReferenceType "
        "ClassRef:ReferenceType SalesTermRef:ReferenceType DueDate SalesRepRef:ReferenceType PONumber FOB "
        "ShipMethodRef:ReferenceType ShipDate TrackingNum GlobalTaxCalculation TotalAmt HomeTotalAmt "
        "ApplyTaxAfterDiscount ShippingTaxIncludedInTotalTax TemplateRef:ReferenceType PrintStatus EmailStatus "
        "BillEmail:EmailAddress BillEmailCc:EmailAddress BillEmailBcc:EmailAddress ARAccountRef:ReferenceType Balance "
        "HomeBalance FinanceCharge PaymentMethodRef:ReferenceType PaymentRefNum PaymentType CheckPayment:CheckPayment "
        "CreditCardPayment:CreditCardPayment DepositToAccountRef:ReferenceType DeliveryInfo:TransactionDeliveryInfo "
        "DiscountRate DiscountAmt GovtTxnRefIdentifier TaxExemptionRef:ReferenceType",
    ),
    "MXGlobalInfo": ("", "Periodicity Month Year"),
    "StatusInfo": ("", "status statusDate callToAction"),
    "ConvenienceFeeDetail": ("IntuitEntity", "ConvenienceFeeType ConvenienceFeePercent"),
    "Transaction": (
        "IntuitEntity",
        "DocNumber TxnDate DepartmentRef:ReferenceType CurrencyRef:ReferenceType ExchangeRate PrivateNote TxnStatus "
        "LinkedTxn:LinkedTxn Line:Line TxnTaxDetail:TxnTaxDetail TxnSource TaxFormType TaxFormNum "
        "TransactionLocationType Tag:Tag TxnApprovalInfo:TxnApprovalInfo RecurDataRef:ReferenceType "
        "RecurringInfo:RecurringInfo ProjectRef:ReferenceType TotalCostAmount HomeTotalCostAmount",
    ),
    "CheckPayment": ("", "CheckNum Status NameOnAcct AcctNum BankName CheckPaymentEx:*"),
    "CreditCardPayment": ("", "CreditChargeInfo:CreditChargeInfo CreditChargeResponse:CreditChargeResponse"),
    "CompanyAccountingPrefs": (
        "",
        "UseAccountNumbers DefaultARAccount:ReferenceType DefaultAPAccount:ReferenceType RequiresAccounts "
        "TrackDepartments DepartmentTerminology ClassTrackingPerTxn ClassTrackingPerTxnLine AutoJournalEntryNumber "
        "FirstMonthOfFiscalYear TaxYearMonth TaxForm BookCloseDate OtherContactInfo:ContactInfo CustomerTerminology",
    ),
    "AdvancedInventoryPrefs": (
        "",
        "MLIAvailable MLIEnabled EnhancedInventoryReceivingEnabled TrackingSerialOrLotNumber "
        "TrackingOnSalesTransactionsEnabled TrackingOnPurchaseTransactionsEnabled "
        "TrackingOnInventoryAdjustmentEnabled TrackingOnBuildAssemblyEnabled FIFOEnabled FIFOEffectiveDate "
        "RowShelfBinEnabled BarcodeEnabled",
    ),
    "ProductAndServicesPrefs": (
        "",
        "ForSales ForPurchase InventoryAndPurchaseOrder QuantityWithPriceAndRate QuantityOnHand UOM "
        "RevenueRecognition RevenueRecognitionFrequency",
    ),
    "SalesFormsPrefs": (
        "",
        "UsingProgressInvoicing CustomField:CustomFieldDefinition CustomTxnNumbers DelayedCharges "
        "SalesEmailCc:EmailAddress SalesEmailBcc:EmailAddress EmailCopyToCompany AllowDeposit AllowDiscount "
        "DefaultDiscountAccount AllowEstimates EstimateMessage ETransactionEnabledStatus ETransactionAttachPDF "
        "ETransactionPaymentEnabled IPNSupportEnabled InvoiceMessage AllowServiceDate AllowShipping "
        "DefaultShippingAccount DefaultItem:ReferenceType DefaultTerms:ReferenceType DefaultDeliveryMethod "
        "AutoApplyCredit AutoApplyPayments PrintItemWithZeroAmount DefaultShipMethodRef:ReferenceType DefaultMarkup "
        "TrackReimbursableExpensesAsIncome UsingSalesOrders UsingPriceLevels DefaultFOB DefaultCustomerMessage",
    ),
    "EmailMessagesPrefs": (
        "",
        "NameValue:NameValue InvoiceMessage:EmailMessage EstimateMessage:EmailMessage "
        "SalesReceiptMessage:EmailMessage StatementMessage:EmailMessage",
    ),
    "PrintDocumentPrefs": ("", "NameValue:NameValue"),
    "VendorAndPurchasesPrefs": (
        "",
        "EnableBills TrackingByCustomer BillableExpenseTracking DefaultTerms:ReferenceType DefaultMarkup "
        "DefaultMarkupAccount:ReferenceType AutomaticBillPayment TPAREnabled POCustomField:CustomFieldDefinition "
        "MsgToVendors UsingInventory UsingMultiLocationInventory DaysBillsAreDue DiscountAccountRef:ReferenceType",
    ),
    "TimeTrackingPrefs": (
        "",
        "UseServices DefaultTimeItem:ReferenceType BillCustomers ShowBillRateToAll WorkWeekStartDate "
        "TimeTrackingEnabled MarkTimeEntriesBillable MarkExpensesAsBillable",
    ),
    "TaxPrefs": (
        "",
        "UsingSalesTax PartnerTaxEnabled HideTaxManagement TaxGroupCodeRef:ReferenceType TaxRateRef:ReferenceType "
        "PaySalesTax NonTaxableSalesTaxCodeRef:ReferenceType TaxableSalesTaxCodeRef:ReferenceType",
    ),
    "FinanceChargePrefs": (
        "",
        "AnnualInterestRate MinFinChrg GracePeriod CalcFinChrgFromTxnDate AssessFinChrgForOverdueCharges "
        "FinChrgAccountRef:ReferenceType",
    ),
    "CurrencyPrefs": ("", "MultiCurrencyEnabled HomeCurrency:ReferenceType"),
    "ReportPrefs": ("", "ReportBasis CalcAgingReportFromTxnDate"),
    "OtherPrefs": ("", "NameValue:NameValue"),
    "EmailAddress": ("", "Id Address Default Tag"),
    "WebSiteAddress": ("", "Id URI Default Tag"),
    "TelephoneNumber": ("", "Id DeviceType CountryCode AreaCode ExchangeCode Extension FreeFormNumber Default Tag"),
    "ContactInfo": (
        "",
        "Type Telephone:TelephoneNumber Email:EmailAddress WebSite:WebSiteAddress OtherContact:GenericContactType",
    ),
    "NameValue": ("", "Name Value"),
    "ModificationMetaData": (
        "",
        "CreatedByRef:ReferenceType CreateTime LastModifiedByRef:ReferenceType LastUpdatedTime LastChangedInQB "
        "Synchronized",
    ),
    "CustomField": ("", "DefinitionId Name Type StringValue BooleanValue DateValue NumberValue"),
    "AttachableRef": ("", "EntityRef:ReferenceType LineInfo IncludeOnSend CustomField:CustomField AttachableRefEx:*"),
    "ItemComponentLine": ("", "ItemRef:ReferenceType Qty UOMRef:UOMRef"),
    "MemoRef": ("", "value id"),
    "TransactionDeliveryInfo": ("", "DeliveryType DeliveryTime DeliveryErrorType"),
    "LinkedTxn": ("", "TxnId TxnType TxnLineId"),
    "Line": (
        "",
        "Id LineNum Description Amount Received LinkedTxn:LinkedTxn DetailType PaymentLineDetail:PaymentLineDetail "
        "DiscountLineDetail:DiscountLineDetail TaxLineDetail:TaxLineDetail SalesItemLineDetail:SalesItemLineDetail "
        "DescriptionLineDetail:DescriptionLineDetail ItemBasedExpenseLineDetail:ItemBasedExpenseLineDetail "
        "AccountBasedExpenseLineDetail:AccountBasedExpenseLineDetail ReimburseLineDetail:ReimburseLineDetail "
        "DepositLineDetail:DepositLineDetail PurchaseOrderItemLineDetail:PurchaseOrderItemLineDetail "
        "SalesOrderItemLineDetail:SalesOrderItemLineDetail ItemReceiptLineDetail:ItemReceiptLineDetail "
        "JournalEntryLineDetail:JournalEntryLineDetail GroupLineDetail:GroupLineDetail "
        "SubTotalLineDetail:SubTotalLineDetail TDSLineDetail:TDSLineDetail "
        "ItemAdjustmentLineDetail:ItemAdjustmentLineDetail CustomField:CustomField LineEx:* ProjectRef:ReferenceType "
        "CostAmount HomeCostAmount",
    ),
    "TxnTaxDetail": (
        "",
        "DefaultTaxCodeRef:ReferenceType TxnTaxCodeRef:ReferenceType TotalTax TaxReviewStatus TaxLine:Line "
        "UseAutomatedSalesTax",
    ),
    "Tag": ("IntuitEntity", "Name"),
    "TxnApprovalInfo": ("", "ApprovalStatus ApprovalStatusDetail LastChangedByUser LastChangedDate"),
    "RecurringInfo": ("", "Name RecurType Active ScheduleInfo:RecurringScheduleInfo"),
    "CreditChargeResponse": (
        "",
        "CCProcessor CCTransId Status ResultCode ResultMsg MerchantAcctNum CardSecurityCodeMatch AuthCode AvsStreet "
        "AvsZip SecurityCode ReconBatchId PaymentGroupingCode TxnAuthorizationTime TxnAuthorizationStamp "
        "ClientTransID CreditChargeResponseEx:*",
    ),
    "CustomFieldDefinition": ("IntuitEntity", "EntityType Name Hidden Required AppId"),
    "EmailMessage": ("", "Subject Message"),
    "GenericContactType": ("", "Id Name Value Type Default Tag"),
    "UOMRef": ("", "Unit UOMSetRef:ReferenceType"),
    "PaymentLineDetail": (
        "",
        "ItemRef:ReferenceType ServiceDate ClassRef:ReferenceType Balance HomeBalance Discount:DiscountOverride "
        "PaymentLineEx:*",
    ),
    "DiscountLineDetail": (
        "DiscountOverride",
        "ServiceDate ClassRef:ReferenceType TaxCodeRef:ReferenceType DiscountLineDetailEx:*",
    ),
    "TaxLineDetail": (
        "",
        "TaxRateRef:ReferenceType PercentBased TaxPercent NetAmountTaxable TaxInclusiveAmount OverrideDeltaAmount "
        "ServiceDate TaxLineDetailEx:*",
    ),
    "SalesItemLineDetail": (
        "ItemLineDetail",
        "ServiceDate TaxInclusiveAmt DiscountRate DiscountAmt DeferredRevenue SalesItemLineDetailEx:*",
    ),
    "DescriptionLineDetail": ("", "ServiceDate TaxCodeRef:ReferenceType DescriptionLineDetailEx:*"),
    "ItemBasedExpenseLineDetail": (
        "ItemLineDetail",
        "CustomerRef:ReferenceType BillableStatus TaxInclusiveAmt ItemBasedExpenseLineDetailEx:*",
    ),
    "AccountBasedExpenseLineDetail": (
        "",
        "CustomerRef:ReferenceType ClassRef:ReferenceType AccountRef:ReferenceType BillableStatus "
        "MarkupInfo:MarkupInfo TaxAmount TaxCodeRef:ReferenceType TaxInclusiveAmt ExpenseDetailLineDetailEx:*",
    ),
    "ReimburseLineDetail": ("ItemLineDetail", ""),
    "DepositLineDetail": (
        "",
        "Entity:ReferenceType ClassRef:ReferenceType AccountRef:ReferenceType PaymentMethodRef:ReferenceType CheckNum "
        "TxnType TaxCodeRef:ReferenceType TaxApplicableOn DepositLineDetailEx:*",
    ),
    "PurchaseOrderItemLineDetail": (
        "SalesItemLineDetail",
        "ManPartNum ManuallyClosed OpenQty PurchaseOrderItemLineDetailEx:*",
    ),
    "SalesOrderItemLineDetail": ("SalesItemLineDetail", "ManuallyClosed"),
    "ItemReceiptLineDetail": ("", "ItemReceiptLineDetailEx:*"),
    "JournalEntryLineDetail": (
        "",
        "PostingType Entity:EntityTypeRef AccountRef:ReferenceType ClassRef:ReferenceType DepartmentRef:ReferenceType "
        "TaxCodeRef:ReferenceType TaxRateRef:ReferenceType TaxApplicableOn TaxAmount TaxInclusiveAmt BillableStatus "
        "JournalCodeRef:ReferenceType JournalEntryLineDetailEx:*",
    ),
    "GroupLineDetail": (
        "",
        "GroupItemRef:ReferenceType Quantity UOMRef:UOMRef ServiceDate Line:Line GroupLineDetailEx:*",
    ),
    "SubTotalLineDetail": ("", "ItemRef:ReferenceType ServiceDate"),
    "TDSLineDetail": ("", "TDSAccountRef:ReferenceType TDSSectionTypeId TDSLineDetailEx:*"),
    "ItemAdjustmentLineDetail": ("", "ItemRef:ReferenceType SalesPrice QtyDiff NewQty ClassRef:ReferenceType"),
    "RecurringScheduleInfo": (
        "",
        "IntervalType NumInterval DayOfMonth DayOfWeek WeekOfMonth MonthOfYear RemindDays DaysBefore MaxOccurrences "
        "StartDate EndDate NextDate PreviousDate",
    ),
    "DiscountOverride": ("", "DiscountRef:ReferenceType PercentBased DiscountPercent DiscountAccountRef:ReferenceType"),
    "ItemLineDetail": (
        "",
        "ItemRef:ReferenceType ClassRef:ReferenceType UnitPrice UnitCostPrice RatePercent PriceLevelRef:ReferenceType "
        "MarkupInfo:MarkupInfo Qty UOMRef:UOMRef ItemAccountRef:ReferenceType InventorySiteRef:ReferenceType "
        "TaxCodeRef:ReferenceType TaxClassificationRef:ReferenceType",
    ),
    "MarkupInfo": ("", "PercentBased Value Percent PriceLevelRef:ReferenceType MarkUpIncomeAccountRef:ReferenceType"),
    "EntityTypeRef": ("", "Type EntityRef:ReferenceType"),
}
