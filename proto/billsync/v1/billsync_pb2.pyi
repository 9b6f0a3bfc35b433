import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Provider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROVIDER_UNSPECIFIED: _ClassVar[Provider]
    PROVIDER_CLIO: _ClassVar[Provider]
    PROVIDER_QBO: _ClassVar[Provider]

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_STATE_UNSPECIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_NEEDS_AUTHORIZATION: _ClassVar[ConnectionState]
    CONNECTION_STATE_CONNECTED: _ClassVar[ConnectionState]
    CONNECTION_STATE_REVOKED: _ClassVar[ConnectionState]

class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KIND_UNSPECIFIED: _ClassVar[Kind]
    KIND_CONTACT: _ClassVar[Kind]
    KIND_INVOICE: _ClassVar[Kind]
    KIND_PAYMENT: _ClassVar[Kind]
    KIND_CREDIT_MEMO: _ClassVar[Kind]
    KIND_TRUST: _ClassVar[Kind]

class LinkState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LINK_STATE_UNSPECIFIED: _ClassVar[LinkState]
    LINK_STATE_PENDING: _ClassVar[LinkState]
    LINK_STATE_SYNCED: _ClassVar[LinkState]
    LINK_STATE_FAILED: _ClassVar[LinkState]
    LINK_STATE_BROKEN: _ClassVar[LinkState]
    LINK_STATE_WAITING: _ClassVar[LinkState]
    LINK_STATE_SKIPPED: _ClassVar[LinkState]

class TaxTreatment(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAX_TREATMENT_UNSPECIFIED: _ClassVar[TaxTreatment]
    TAX_TREATMENT_TOTAL_TAX: _ClassVar[TaxTreatment]
    TAX_TREATMENT_TAX_LINE: _ClassVar[TaxTreatment]
    TAX_TREATMENT_TAX_CODES: _ClassVar[TaxTreatment]
    TAX_TREATMENT_AUTOMATED: _ClassVar[TaxTreatment]

class RunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATE_UNSPECIFIED: _ClassVar[RunState]
    RUN_STATE_RUNNING: _ClassVar[RunState]
    RUN_STATE_SUCCEEDED: _ClassVar[RunState]
    RUN_STATE_FAILED: _ClassVar[RunState]

class Fate(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FATE_UNSPECIFIED: _ClassVar[Fate]
    FATE_CREATE: _ClassVar[Fate]
    FATE_UPDATE: _ClassVar[Fate]
    FATE_MATCH: _ClassVar[Fate]
    FATE_RETIRE: _ClassVar[Fate]
    FATE_UNCHANGED: _ClassVar[Fate]
    FATE_SKIP: _ClassVar[Fate]
    FATE_WAIT: _ClassVar[Fate]
    FATE_FAIL: _ClassVar[Fate]

class Choice(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHOICE_UNSPECIFIED: _ClassVar[Choice]
    CHOICE_MATCH: _ClassVar[Choice]
    CHOICE_CREATE: _ClassVar[Choice]
    CHOICE_SKIP: _ClassVar[Choice]

class CheckSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHECK_SEVERITY_UNSPECIFIED: _ClassVar[CheckSeverity]
    CHECK_SEVERITY_REQUIRED: _ClassVar[CheckSeverity]
    CHECK_SEVERITY_RECOMMENDED: _ClassVar[CheckSeverity]

class ApiTokenRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    API_TOKEN_ROLE_UNSPECIFIED: _ClassVar[ApiTokenRole]
    API_TOKEN_ROLE_READ: _ClassVar[ApiTokenRole]
    API_TOKEN_ROLE_OPERATE: _ClassVar[ApiTokenRole]
    API_TOKEN_ROLE_ADMIN: _ClassVar[ApiTokenRole]

class AlertCondition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_CONDITION_UNSPECIFIED: _ClassVar[AlertCondition]
    ALERT_CONDITION_NEEDS_AUTHORIZATION: _ClassVar[AlertCondition]
    ALERT_CONDITION_ACTION_REQUIRED: _ClassVar[AlertCondition]
    ALERT_CONDITION_ITEMS_FAILED: _ClassVar[AlertCondition]
    ALERT_CONDITION_RUNS_FAILING: _ClassVar[AlertCondition]
    ALERT_CONDITION_WEBHOOKS_FAILING: _ClassVar[AlertCondition]

class AlertChannel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_CHANNEL_UNSPECIFIED: _ClassVar[AlertChannel]
    ALERT_CHANNEL_EMAIL: _ClassVar[AlertChannel]
    ALERT_CHANNEL_WEBHOOK: _ClassVar[AlertChannel]
PROVIDER_UNSPECIFIED: Provider
PROVIDER_CLIO: Provider
PROVIDER_QBO: Provider
CONNECTION_STATE_UNSPECIFIED: ConnectionState
CONNECTION_STATE_NEEDS_AUTHORIZATION: ConnectionState
CONNECTION_STATE_CONNECTED: ConnectionState
CONNECTION_STATE_REVOKED: ConnectionState
KIND_UNSPECIFIED: Kind
KIND_CONTACT: Kind
KIND_INVOICE: Kind
KIND_PAYMENT: Kind
KIND_CREDIT_MEMO: Kind
KIND_TRUST: Kind
LINK_STATE_UNSPECIFIED: LinkState
LINK_STATE_PENDING: LinkState
LINK_STATE_SYNCED: LinkState
LINK_STATE_FAILED: LinkState
LINK_STATE_BROKEN: LinkState
LINK_STATE_WAITING: LinkState
LINK_STATE_SKIPPED: LinkState
TAX_TREATMENT_UNSPECIFIED: TaxTreatment
TAX_TREATMENT_TOTAL_TAX: TaxTreatment
TAX_TREATMENT_TAX_LINE: TaxTreatment
TAX_TREATMENT_TAX_CODES: TaxTreatment
TAX_TREATMENT_AUTOMATED: TaxTreatment
RUN_STATE_UNSPECIFIED: RunState
RUN_STATE_RUNNING: RunState
RUN_STATE_SUCCEEDED: RunState
RUN_STATE_FAILED: RunState
FATE_UNSPECIFIED: Fate
FATE_CREATE: Fate
FATE_UPDATE: Fate
FATE_MATCH: Fate
FATE_RETIRE: Fate
FATE_UNCHANGED: Fate
FATE_SKIP: Fate
FATE_WAIT: Fate
FATE_FAIL: Fate
CHOICE_UNSPECIFIED: Choice
CHOICE_MATCH: Choice
CHOICE_CREATE: Choice
CHOICE_SKIP: Choice
CHECK_SEVERITY_UNSPECIFIED: CheckSeverity
CHECK_SEVERITY_REQUIRED: CheckSeverity
CHECK_SEVERITY_RECOMMENDED: CheckSeverity
API_TOKEN_ROLE_UNSPECIFIED: ApiTokenRole
API_TOKEN_ROLE_READ: ApiTokenRole
API_TOKEN_ROLE_OPERATE: ApiTokenRole
API_TOKEN_ROLE_ADMIN: ApiTokenRole
ALERT_CONDITION_UNSPECIFIED: AlertCondition
ALERT_CONDITION_NEEDS_AUTHORIZATION: AlertCondition
ALERT_CONDITION_ACTION_REQUIRED: AlertCondition
ALERT_CONDITION_ITEMS_FAILED: AlertCondition
ALERT_CONDITION_RUNS_FAILING: AlertCondition
ALERT_CONDITION_WEBHOOKS_FAILING: AlertCondition
ALERT_CHANNEL_UNSPECIFIED: AlertChannel
ALERT_CHANNEL_EMAIL: AlertChannel
ALERT_CHANNEL_WEBHOOK: AlertChannel

class Settings(_message.Message):
    __slots__ = ("start_date", "sync_interval_seconds", "item_mapping", "time_zone", "deposit_account_id", "deposit_account_name", "tax_codes", "tax_as_line", "trust_enabled", "trust_bank_account_id", "trust_bank_account_name", "trust_liability_account_id", "trust_liability_account_name", "trust_start_date")
    class ItemMappingEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class TaxCodesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    SYNC_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ITEM_MAPPING_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ACCOUNT_NAME_FIELD_NUMBER: _ClassVar[int]
    TAX_CODES_FIELD_NUMBER: _ClassVar[int]
    TAX_AS_LINE_FIELD_NUMBER: _ClassVar[int]
    TRUST_ENABLED_FIELD_NUMBER: _ClassVar[int]
    TRUST_BANK_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRUST_BANK_ACCOUNT_NAME_FIELD_NUMBER: _ClassVar[int]
    TRUST_LIABILITY_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRUST_LIABILITY_ACCOUNT_NAME_FIELD_NUMBER: _ClassVar[int]
    TRUST_START_DATE_FIELD_NUMBER: _ClassVar[int]
    start_date: str
    sync_interval_seconds: int
    item_mapping: _containers.ScalarMap[str, str]
    time_zone: str
    deposit_account_id: str
    deposit_account_name: str
    tax_codes: _containers.ScalarMap[str, str]
    tax_as_line: bool
    trust_enabled: bool
    trust_bank_account_id: str
    trust_bank_account_name: str
    trust_liability_account_id: str
    trust_liability_account_name: str
    trust_start_date: str
    def __init__(self, start_date: _Optional[str] = ..., sync_interval_seconds: _Optional[int] = ..., item_mapping: _Optional[_Mapping[str, str]] = ..., time_zone: _Optional[str] = ..., deposit_account_id: _Optional[str] = ..., deposit_account_name: _Optional[str] = ..., tax_codes: _Optional[_Mapping[str, str]] = ..., tax_as_line: _Optional[bool] = ..., trust_enabled: _Optional[bool] = ..., trust_bank_account_id: _Optional[str] = ..., trust_bank_account_name: _Optional[str] = ..., trust_liability_account_id: _Optional[str] = ..., trust_liability_account_name: _Optional[str] = ..., trust_start_date: _Optional[str] = ...) -> None: ...

class Connection(_message.Message):
    __slots__ = ("id", "name", "state", "clio_authorized", "qbo_authorized", "clio_account", "qbo_realm_id", "qbo_company_name", "created_at", "settings", "tax_treatment", "home_currency", "multicurrency", "held")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CLIO_AUTHORIZED_FIELD_NUMBER: _ClassVar[int]
    QBO_AUTHORIZED_FIELD_NUMBER: _ClassVar[int]
    CLIO_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    QBO_REALM_ID_FIELD_NUMBER: _ClassVar[int]
    QBO_COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    TAX_TREATMENT_FIELD_NUMBER: _ClassVar[int]
    HOME_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MULTICURRENCY_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    state: ConnectionState
    clio_authorized: bool
    qbo_authorized: bool
    clio_account: str
    qbo_realm_id: str
    qbo_company_name: str
    created_at: _timestamp_pb2.Timestamp
    settings: Settings
    tax_treatment: TaxTreatment
    home_currency: str
    multicurrency: bool
    held: bool
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., state: _Optional[_Union[ConnectionState, str]] = ..., clio_authorized: _Optional[bool] = ..., qbo_authorized: _Optional[bool] = ..., clio_account: _Optional[str] = ..., qbo_realm_id: _Optional[str] = ..., qbo_company_name: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., settings: _Optional[_Union[Settings, _Mapping]] = ..., tax_treatment: _Optional[_Union[TaxTreatment, str]] = ..., home_currency: _Optional[str] = ..., multicurrency: _Optional[bool] = ..., held: _Optional[bool] = ...) -> None: ...

class CreateConnectionRequest(_message.Message):
    __slots__ = ("name", "settings", "hold_first_sync")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIRST_SYNC_FIELD_NUMBER: _ClassVar[int]
    name: str
    settings: Settings
    hold_first_sync: bool
    def __init__(self, name: _Optional[str] = ..., settings: _Optional[_Union[Settings, _Mapping]] = ..., hold_first_sync: _Optional[bool] = ...) -> None: ...

class ListConnectionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectionsResponse(_message.Message):
    __slots__ = ("connections", "next_page_token")
    CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    connections: _containers.RepeatedCompositeFieldContainer[Connection]
    next_page_token: str
    def __init__(self, connections: _Optional[_Iterable[_Union[Connection, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteConnectionRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class DeleteConnectionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StartAuthorizationRequest(_message.Message):
    __slots__ = ("connection_id", "provider", "redirect_uri")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    provider: Provider
    redirect_uri: str
    def __init__(self, connection_id: _Optional[int] = ..., provider: _Optional[_Union[Provider, str]] = ..., redirect_uri: _Optional[str] = ...) -> None: ...

class StartAuthorizationResponse(_message.Message):
    __slots__ = ("authorize_url", "state")
    AUTHORIZE_URL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    authorize_url: str
    state: str
    def __init__(self, authorize_url: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class CompleteAuthorizationRequest(_message.Message):
    __slots__ = ("provider", "state", "code", "realm_id", "redirect_uri", "connection_id")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REALM_ID_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URI_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    state: str
    code: str
    realm_id: str
    redirect_uri: str
    connection_id: int
    def __init__(self, provider: _Optional[_Union[Provider, str]] = ..., state: _Optional[str] = ..., code: _Optional[str] = ..., realm_id: _Optional[str] = ..., redirect_uri: _Optional[str] = ..., connection_id: _Optional[int] = ...) -> None: ...

class KindProgress(_message.Message):
    __slots__ = ("kind", "done", "total", "created", "updated", "failed")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    kind: Kind
    done: int
    total: int
    created: int
    updated: int
    failed: int
    def __init__(self, kind: _Optional[_Union[Kind, str]] = ..., done: _Optional[int] = ..., total: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ("id", "state", "trigger", "started_at", "finished_at", "progress", "error")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    id: int
    state: RunState
    trigger: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    progress: _containers.RepeatedCompositeFieldContainer[KindProgress]
    error: str
    def __init__(self, id: _Optional[int] = ..., state: _Optional[_Union[RunState, str]] = ..., trigger: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Iterable[_Union[KindProgress, _Mapping]]] = ..., error: _Optional[str] = ...) -> None: ...

class SyncRequest(_message.Message):
    __slots__ = ("connection_id", "follow_after_run_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_AFTER_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    follow_after_run_id: int
    def __init__(self, connection_id: _Optional[int] = ..., follow_after_run_id: _Optional[int] = ...) -> None: ...

class SyncProgress(_message.Message):
    __slots__ = ("run", "joined")
    RUN_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    run: Run
    joined: bool
    def __init__(self, run: _Optional[_Union[Run, _Mapping]] = ..., joined: _Optional[bool] = ...) -> None: ...

class PreviewRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class Money(_message.Message):
    __slots__ = ("currency", "amount")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    currency: str
    amount: str
    def __init__(self, currency: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class PreviewItem(_message.Message):
    __slots__ = ("kind", "clio_id", "label", "fate", "cause", "reason", "qbo_id", "money", "month", "conflict", "decision")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CLIO_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    FATE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    QBO_ID_FIELD_NUMBER: _ClassVar[int]
    MONEY_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    kind: Kind
    clio_id: str
    label: str
    fate: Fate
    cause: str
    reason: str
    qbo_id: str
    money: Money
    month: str
    conflict: bool
    decision: Decision
    def __init__(self, kind: _Optional[_Union[Kind, str]] = ..., clio_id: _Optional[str] = ..., label: _Optional[str] = ..., fate: _Optional[_Union[Fate, str]] = ..., cause: _Optional[str] = ..., reason: _Optional[str] = ..., qbo_id: _Optional[str] = ..., money: _Optional[_Union[Money, _Mapping]] = ..., month: _Optional[str] = ..., conflict: _Optional[bool] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ...) -> None: ...

class DecideMatchRequest(_message.Message):
    __slots__ = ("connection_id", "kind", "clio_id", "choice", "qbo_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CLIO_ID_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    QBO_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    kind: Kind
    clio_id: str
    choice: Choice
    qbo_id: str
    def __init__(self, connection_id: _Optional[int] = ..., kind: _Optional[_Union[Kind, str]] = ..., clio_id: _Optional[str] = ..., choice: _Optional[_Union[Choice, str]] = ..., qbo_id: _Optional[str] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("kind", "clio_id", "choice", "qbo_id", "actor", "decided_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CLIO_ID_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    QBO_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: Kind
    clio_id: str
    choice: Choice
    qbo_id: str
    actor: str
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[_Union[Kind, str]] = ..., clio_id: _Optional[str] = ..., choice: _Optional[_Union[Choice, str]] = ..., qbo_id: _Optional[str] = ..., actor: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SearchQboCustomersRequest(_message.Message):
    __slots__ = ("connection_id", "text")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    text: str
    def __init__(self, connection_id: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class QboCustomer(_message.Message):
    __slots__ = ("id", "name", "email", "balance")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    email: str
    balance: Money
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., balance: _Optional[_Union[Money, _Mapping]] = ...) -> None: ...

class SearchQboCustomersResponse(_message.Message):
    __slots__ = ("customers",)
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[QboCustomer]
    def __init__(self, customers: _Optional[_Iterable[_Union[QboCustomer, _Mapping]]] = ...) -> None: ...

class PreviewCount(_message.Message):
    __slots__ = ("kind", "fate", "cause", "count", "money")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FATE_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MONEY_FIELD_NUMBER: _ClassVar[int]
    kind: Kind
    fate: Fate
    cause: str
    count: int
    money: _containers.RepeatedCompositeFieldContainer[Money]
    def __init__(self, kind: _Optional[_Union[Kind, str]] = ..., fate: _Optional[_Union[Fate, str]] = ..., cause: _Optional[str] = ..., count: _Optional[int] = ..., money: _Optional[_Iterable[_Union[Money, _Mapping]]] = ...) -> None: ...

class PreviewMonth(_message.Message):
    __slots__ = ("kind", "month", "count", "money")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MONEY_FIELD_NUMBER: _ClassVar[int]
    kind: Kind
    month: str
    count: int
    money: Money
    def __init__(self, kind: _Optional[_Union[Kind, str]] = ..., month: _Optional[str] = ..., count: _Optional[int] = ..., money: _Optional[_Union[Money, _Mapping]] = ...) -> None: ...

class PreviewSummary(_message.Message):
    __slots__ = ("counts", "months", "items_to_create", "home_currency", "conflicts")
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_TO_CREATE_FIELD_NUMBER: _ClassVar[int]
    HOME_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[PreviewCount]
    months: _containers.RepeatedCompositeFieldContainer[PreviewMonth]
    items_to_create: _containers.RepeatedScalarFieldContainer[str]
    home_currency: str
    conflicts: int
    def __init__(self, counts: _Optional[_Iterable[_Union[PreviewCount, _Mapping]]] = ..., months: _Optional[_Iterable[_Union[PreviewMonth, _Mapping]]] = ..., items_to_create: _Optional[_Iterable[str]] = ..., home_currency: _Optional[str] = ..., conflicts: _Optional[int] = ...) -> None: ...

class PreviewProgress(_message.Message):
    __slots__ = ("progress", "items", "summary")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: _containers.RepeatedCompositeFieldContainer[KindProgress]
    items: _containers.RepeatedCompositeFieldContainer[PreviewItem]
    summary: PreviewSummary
    def __init__(self, progress: _Optional[_Iterable[_Union[KindProgress, _Mapping]]] = ..., items: _Optional[_Iterable[_Union[PreviewItem, _Mapping]]] = ..., summary: _Optional[_Union[PreviewSummary, _Mapping]] = ...) -> None: ...

class SettingsCheck(_message.Message):
    __slots__ = ("key", "title", "ok", "fixable", "explanation", "severity")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    FIXABLE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    ok: bool
    fixable: bool
    explanation: str
    severity: CheckSeverity
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., ok: _Optional[bool] = ..., fixable: _Optional[bool] = ..., explanation: _Optional[str] = ..., severity: _Optional[_Union[CheckSeverity, str]] = ...) -> None: ...

class StateCount(_message.Message):
    __slots__ = ("kind", "state", "count")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    kind: Kind
    state: LinkState
    count: int
    def __init__(self, kind: _Optional[_Union[Kind, str]] = ..., state: _Optional[_Union[LinkState, str]] = ..., count: _Optional[int] = ...) -> None: ...

class Link(_message.Message):
    __slots__ = ("id", "kind", "clio_id", "qbo_id", "state", "label", "reason", "error_code", "attempts", "updated_at", "qbo_url", "failing_since", "conflict_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CLIO_ID_FIELD_NUMBER: _ClassVar[int]
    QBO_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    QBO_URL_FIELD_NUMBER: _ClassVar[int]
    FAILING_SINCE_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_URL_FIELD_NUMBER: _ClassVar[int]
    id: int
    kind: Kind
    clio_id: str
    qbo_id: str
    state: LinkState
    label: str
    reason: str
    error_code: str
    attempts: int
    updated_at: _timestamp_pb2.Timestamp
    qbo_url: str
    failing_since: _timestamp_pb2.Timestamp
    conflict_url: str
    def __init__(self, id: _Optional[int] = ..., kind: _Optional[_Union[Kind, str]] = ..., clio_id: _Optional[str] = ..., qbo_id: _Optional[str] = ..., state: _Optional[_Union[LinkState, str]] = ..., label: _Optional[str] = ..., reason: _Optional[str] = ..., error_code: _Optional[str] = ..., attempts: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., qbo_url: _Optional[str] = ..., failing_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conflict_url: _Optional[str] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class StatusResponse(_message.Message):
    __slots__ = ("connection", "checks", "action_required", "fix_steps", "counts", "last_run", "current_run", "next_run_at", "problems", "problem_count", "checks_read_at", "qbo_settings_url", "run_due")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    ACTION_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    FIX_STEPS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    LAST_RUN_FIELD_NUMBER: _ClassVar[int]
    CURRENT_RUN_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_AT_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHECKS_READ_AT_FIELD_NUMBER: _ClassVar[int]
    QBO_SETTINGS_URL_FIELD_NUMBER: _ClassVar[int]
    RUN_DUE_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    checks: _containers.RepeatedCompositeFieldContainer[SettingsCheck]
    action_required: bool
    fix_steps: _containers.RepeatedScalarFieldContainer[str]
    counts: _containers.RepeatedCompositeFieldContainer[StateCount]
    last_run: Run
    current_run: Run
    next_run_at: _timestamp_pb2.Timestamp
    problems: _containers.RepeatedCompositeFieldContainer[Link]
    problem_count: int
    checks_read_at: _timestamp_pb2.Timestamp
    qbo_settings_url: str
    run_due: bool
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ..., checks: _Optional[_Iterable[_Union[SettingsCheck, _Mapping]]] = ..., action_required: _Optional[bool] = ..., fix_steps: _Optional[_Iterable[str]] = ..., counts: _Optional[_Iterable[_Union[StateCount, _Mapping]]] = ..., last_run: _Optional[_Union[Run, _Mapping]] = ..., current_run: _Optional[_Union[Run, _Mapping]] = ..., next_run_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., problems: _Optional[_Iterable[_Union[Link, _Mapping]]] = ..., problem_count: _Optional[int] = ..., checks_read_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., qbo_settings_url: _Optional[str] = ..., run_due: _Optional[bool] = ...) -> None: ...

class ResyncRequest(_message.Message):
    __slots__ = ("connection_id", "link_ids", "all_problems")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    LINK_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    link_ids: _containers.RepeatedScalarFieldContainer[int]
    all_problems: bool
    def __init__(self, connection_id: _Optional[int] = ..., link_ids: _Optional[_Iterable[int]] = ..., all_problems: _Optional[bool] = ...) -> None: ...

class ResyncResponse(_message.Message):
    __slots__ = ("links", "requested", "after_run_id")
    LINKS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    AFTER_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[Link]
    requested: int
    after_run_id: int
    def __init__(self, links: _Optional[_Iterable[_Union[Link, _Mapping]]] = ..., requested: _Optional[int] = ..., after_run_id: _Optional[int] = ...) -> None: ...

class RevokeRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class PurgeRequest(_message.Message):
    __slots__ = ("connection_id", "confirm")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    confirm: str
    def __init__(self, connection_id: _Optional[int] = ..., confirm: _Optional[str] = ...) -> None: ...

class PurgeResponse(_message.Message):
    __slots__ = ("connection", "links_deleted")
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    LINKS_DELETED_FIELD_NUMBER: _ClassVar[int]
    connection: Connection
    links_deleted: int
    def __init__(self, connection: _Optional[_Union[Connection, _Mapping]] = ..., links_deleted: _Optional[int] = ...) -> None: ...

class ListLinksRequest(_message.Message):
    __slots__ = ("connection_id", "kind", "state", "page_size", "page_token", "query", "link_ids")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LINK_IDS_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    kind: Kind
    state: LinkState
    page_size: int
    page_token: str
    query: str
    link_ids: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, connection_id: _Optional[int] = ..., kind: _Optional[_Union[Kind, str]] = ..., state: _Optional[_Union[LinkState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ..., link_ids: _Optional[_Iterable[int]] = ...) -> None: ...

class ListLinksResponse(_message.Message):
    __slots__ = ("links", "next_page_token")
    LINKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    links: _containers.RepeatedCompositeFieldContainer[Link]
    next_page_token: str
    def __init__(self, links: _Optional[_Iterable[_Union[Link, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("id", "at", "actor", "type", "message", "link_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LINK_ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    at: _timestamp_pb2.Timestamp
    actor: str
    type: str
    message: str
    link_id: int
    def __init__(self, id: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., type: _Optional[str] = ..., message: _Optional[str] = ..., link_id: _Optional[int] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("connection_id", "page_size", "page_token", "newest_first", "type_prefix", "since", "until")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    TYPE_PREFIX_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    page_size: int
    page_token: str
    newest_first: bool
    type_prefix: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    def __init__(self, connection_id: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., newest_first: _Optional[bool] = ..., type_prefix: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[Event]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSettingsRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class UpdateSettingsRequest(_message.Message):
    __slots__ = ("connection_id", "start_date", "sync_interval_seconds", "item_mapping", "time_zone", "deposit_account_id", "tax_codes", "tax_as_line", "trust_enabled", "trust_bank_account_id", "trust_liability_account_id", "trust_start_date")
    class ItemMappingEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class TaxCodesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    SYNC_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ITEM_MAPPING_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TAX_CODES_FIELD_NUMBER: _ClassVar[int]
    TAX_AS_LINE_FIELD_NUMBER: _ClassVar[int]
    TRUST_ENABLED_FIELD_NUMBER: _ClassVar[int]
    TRUST_BANK_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRUST_LIABILITY_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRUST_START_DATE_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    start_date: str
    sync_interval_seconds: int
    item_mapping: _containers.ScalarMap[str, str]
    time_zone: str
    deposit_account_id: str
    tax_codes: _containers.ScalarMap[str, str]
    tax_as_line: bool
    trust_enabled: bool
    trust_bank_account_id: str
    trust_liability_account_id: str
    trust_start_date: str
    def __init__(self, connection_id: _Optional[int] = ..., start_date: _Optional[str] = ..., sync_interval_seconds: _Optional[int] = ..., item_mapping: _Optional[_Mapping[str, str]] = ..., time_zone: _Optional[str] = ..., deposit_account_id: _Optional[str] = ..., tax_codes: _Optional[_Mapping[str, str]] = ..., tax_as_line: _Optional[bool] = ..., trust_enabled: _Optional[bool] = ..., trust_bank_account_id: _Optional[str] = ..., trust_liability_account_id: _Optional[str] = ..., trust_start_date: _Optional[str] = ...) -> None: ...

class TrustReconciliationRequest(_message.Message):
    __slots__ = ("connection_id", "differences_only")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_ONLY_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    differences_only: bool
    def __init__(self, connection_id: _Optional[int] = ..., differences_only: _Optional[bool] = ...) -> None: ...

class ClientTrustBalance(_message.Message):
    __slots__ = ("clio_client_id", "qbo_customer_id", "name", "clio_balance", "qbo_balance", "difference")
    CLIO_CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    QBO_CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLIO_BALANCE_FIELD_NUMBER: _ClassVar[int]
    QBO_BALANCE_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    clio_client_id: str
    qbo_customer_id: str
    name: str
    clio_balance: str
    qbo_balance: str
    difference: str
    def __init__(self, clio_client_id: _Optional[str] = ..., qbo_customer_id: _Optional[str] = ..., name: _Optional[str] = ..., clio_balance: _Optional[str] = ..., qbo_balance: _Optional[str] = ..., difference: _Optional[str] = ...) -> None: ...

class TrustReconciliationResponse(_message.Message):
    __slots__ = ("clients", "clio_total", "qbo_total", "differing")
    CLIENTS_FIELD_NUMBER: _ClassVar[int]
    CLIO_TOTAL_FIELD_NUMBER: _ClassVar[int]
    QBO_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DIFFERING_FIELD_NUMBER: _ClassVar[int]
    clients: _containers.RepeatedCompositeFieldContainer[ClientTrustBalance]
    clio_total: str
    qbo_total: str
    differing: int
    def __init__(self, clients: _Optional[_Iterable[_Union[ClientTrustBalance, _Mapping]]] = ..., clio_total: _Optional[str] = ..., qbo_total: _Optional[str] = ..., differing: _Optional[int] = ...) -> None: ...

class ListQboChoicesRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class QboItem(_message.Message):
    __slots__ = ("id", "name", "type")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    type: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class QboAccount(_message.Message):
    __slots__ = ("id", "name", "account_type", "account_sub_type", "takes_deposits")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_SUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAKES_DEPOSITS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    account_type: str
    account_sub_type: str
    takes_deposits: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., account_type: _Optional[str] = ..., account_sub_type: _Optional[str] = ..., takes_deposits: _Optional[bool] = ...) -> None: ...

class QboTaxCode(_message.Message):
    __slots__ = ("id", "name", "rates")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RATES_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    rates: _containers.RepeatedCompositeFieldContainer[QboTaxRate]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., rates: _Optional[_Iterable[_Union[QboTaxRate, _Mapping]]] = ...) -> None: ...

class QboTaxRate(_message.Message):
    __slots__ = ("id", "name", "percent")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    percent: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., percent: _Optional[str] = ...) -> None: ...

class QboChoices(_message.Message):
    __slots__ = ("items", "accounts", "tax_codes")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TAX_CODES_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[QboItem]
    accounts: _containers.RepeatedCompositeFieldContainer[QboAccount]
    tax_codes: _containers.RepeatedCompositeFieldContainer[QboTaxCode]
    def __init__(self, items: _Optional[_Iterable[_Union[QboItem, _Mapping]]] = ..., accounts: _Optional[_Iterable[_Union[QboAccount, _Mapping]]] = ..., tax_codes: _Optional[_Iterable[_Union[QboTaxCode, _Mapping]]] = ...) -> None: ...

class FixQboSettingRequest(_message.Message):
    __slots__ = ("connection_id", "key")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    key: str
    def __init__(self, connection_id: _Optional[int] = ..., key: _Optional[str] = ...) -> None: ...

class ApiToken(_message.Message):
    __slots__ = ("id", "name", "role", "all_connections", "connection_ids", "may_name_actor", "created_by", "created_at", "revoked_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ALL_CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_IDS_FIELD_NUMBER: _ClassVar[int]
    MAY_NAME_ACTOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    role: ApiTokenRole
    all_connections: bool
    connection_ids: _containers.RepeatedScalarFieldContainer[int]
    may_name_actor: bool
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., role: _Optional[_Union[ApiTokenRole, str]] = ..., all_connections: _Optional[bool] = ..., connection_ids: _Optional[_Iterable[int]] = ..., may_name_actor: _Optional[bool] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApiTokenCreateRequest(_message.Message):
    __slots__ = ("name", "role", "all_connections", "connection_ids", "may_name_actor")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ALL_CONNECTIONS_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_IDS_FIELD_NUMBER: _ClassVar[int]
    MAY_NAME_ACTOR_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: ApiTokenRole
    all_connections: bool
    connection_ids: _containers.RepeatedScalarFieldContainer[int]
    may_name_actor: bool
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[ApiTokenRole, str]] = ..., all_connections: _Optional[bool] = ..., connection_ids: _Optional[_Iterable[int]] = ..., may_name_actor: _Optional[bool] = ...) -> None: ...

class ApiTokenCreated(_message.Message):
    __slots__ = ("token", "secret")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    token: ApiToken
    secret: str
    def __init__(self, token: _Optional[_Union[ApiToken, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ApiTokenListRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ApiTokenList(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[ApiToken]
    def __init__(self, tokens: _Optional[_Iterable[_Union[ApiToken, _Mapping]]] = ...) -> None: ...

class ApiTokenRevokeRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class AlertSubscription(_message.Message):
    __slots__ = ("id", "connection_id", "channel", "target", "conditions", "digest", "secret", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: int
    connection_id: int
    channel: AlertChannel
    target: str
    conditions: _containers.RepeatedScalarFieldContainer[AlertCondition]
    digest: bool
    secret: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., connection_id: _Optional[int] = ..., channel: _Optional[_Union[AlertChannel, str]] = ..., target: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[AlertCondition, str]]] = ..., digest: _Optional[bool] = ..., secret: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAlertSubscriptionsRequest(_message.Message):
    __slots__ = ("connection_id",)
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    def __init__(self, connection_id: _Optional[int] = ...) -> None: ...

class ListAlertSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[AlertSubscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[AlertSubscription, _Mapping]]] = ...) -> None: ...

class SetAlertSubscriptionRequest(_message.Message):
    __slots__ = ("connection_id", "channel", "target", "conditions", "digest")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    channel: AlertChannel
    target: str
    conditions: _containers.RepeatedScalarFieldContainer[AlertCondition]
    digest: bool
    def __init__(self, connection_id: _Optional[int] = ..., channel: _Optional[_Union[AlertChannel, str]] = ..., target: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[AlertCondition, str]]] = ..., digest: _Optional[bool] = ...) -> None: ...

class DeleteAlertSubscriptionRequest(_message.Message):
    __slots__ = ("connection_id", "subscription_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    subscription_id: int
    def __init__(self, connection_id: _Optional[int] = ..., subscription_id: _Optional[int] = ...) -> None: ...

class DeleteAlertSubscriptionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SendTestAlertRequest(_message.Message):
    __slots__ = ("connection_id", "subscription_id")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    connection_id: int
    subscription_id: int
    def __init__(self, connection_id: _Optional[int] = ..., subscription_id: _Optional[int] = ...) -> None: ...

class SendTestAlertResponse(_message.Message):
    __slots__ = ("delivered", "error")
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    delivered: bool
    error: str
    def __init__(self, delivered: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...
