"""Who may call what: the API's tokens, their roles and the connections they reach.

BILLSYNC_API_TOKEN, the bootstrap token, is an admin of every connection. With it an admin
mints scoped tokens (CreateApiToken): a 256-bit random secret, shown once, of which only
the SHA-256 is stored, with a role and the connections it reaches. Every call is decided
here, through ``server.AuthInterceptor`` and nowhere else: :func:`authenticate` finds the
caller, :meth:`Principal.check` refuses what its role or connections do not allow, and the
service reads the caller back with :func:`current` for what depends on it (the connections
ListConnections shows, the name the activity log records).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import peewee
from google.protobuf.message import Message

from billsync.daemon.errors import InvalidArgument, NotFound, PermissionDenied
from billsync.daemon.rpc import validation
from billsync.daemon.store.db import database
from billsync.daemon.store.models import ApiToken, ApiTokenConnection, Connection, Role, utcnow

log = logging.getLogger(__name__)

#: The least role each RPC needs; every other RPC, today's and tomorrow's, needs ADMIN.
LEAST_ROLE = {
    "Status": Role.READ,
    "ListLinks": Role.READ,
    "ListEvents": Role.READ,
    "GetSettings": Role.READ,
    "ListQboChoices": Role.READ,
    "TrustReconciliation": Role.READ,
    "ListConnections": Role.READ,
    "SearchQboCustomers": Role.READ,
    "Sync": Role.OPERATE,
    "Resync": Role.OPERATE,
    "Preview": Role.OPERATE,
}
RANK = {role: rank for rank, role in enumerate(Role)}
#: RPCs that name no ``connection_id`` and that a token reaching only some connections may
#: still call: ListConnections shows only those. Any other such RPC (CreateConnection, the
#: token RPCs) needs a token reaching every connection.
SCOPED_WITHOUT_CONNECTION = frozenset({"ListConnections"})
ACTOR_METADATA = "x-billsync-actor"
#: The same name as UTF-8 bytes: gRPC metadata values are ASCII, people's names are not.
ACTOR_METADATA_BIN = "x-billsync-actor-bin"
SECRET_PREFIX = "bsk_"
#: A token's name, and a person's: with "via token <id> (<name>)" they fit the log's 255.
NAME_LIMIT, PERSON_LIMIT = 100, 120
CONNECTION_IDS_MAX = 1000


@dataclass(frozen=True)
class Principal:
    """The caller of one RPC, as its token makes it."""

    #: How the activity log names the token: "api" (the bootstrap one), "token 4 (panel)".
    label: str
    role: Role
    #: The connections it reaches; None for every one.
    connections: frozenset[int] | None
    #: May name the person acting (the panel's token does).
    may_name_actor: bool

    def check(self, rpc: str, request: Message) -> None:
        """Raises PermissionDenied for an RPC beyond the role, or beyond the connections it
        reaches; NotFound for a connection it does not reach, as for one that does not exist."""
        least = LEAST_ROLE.get(rpc, Role.ADMIN)
        if RANK[self.role] < RANK[least]:
            raise PermissionDenied(f"{self.label} has the {self.role} role; {rpc} needs {least}")
        if self.connections is None or not isinstance(request, Message):
            return  # every connection; or bytes that are no request, which the RPC refuses
        if "connection_id" in request.DESCRIPTOR.fields_by_name:
            if not request.connection_id:  # optional in CompleteAuthorization: not to this token
                raise PermissionDenied(f"{self.label} reaches only some connections: set connection_id")
            if request.connection_id not in self.connections:
                raise NotFound(f"there is no connection {request.connection_id}")
        elif rpc not in SCOPED_WITHOUT_CONNECTION:
            raise PermissionDenied(f"{rpc} needs a token that reaches every connection; {self.label} does not")

    def visible(self, query: peewee.ModelSelect) -> peewee.ModelSelect:
        """``query`` of connections, narrowed to those this caller reaches."""
        return query if self.connections is None else query.where(Connection.id.in_(self.connections))

    def actor(self, metadata: Iterable[tuple[str, str | bytes]]) -> str:
        """Who the activity log says acted: the token, and the person it names if it may."""
        person = person_named(dict(metadata)) if self.may_name_actor else ""
        return f"{person} via {self.label}" if person else self.label


BOOTSTRAP = Principal(label="api", role=Role.ADMIN, connections=None, may_name_actor=True)
_current: contextvars.ContextVar[Principal] = contextvars.ContextVar("billsync_principal")


def current() -> Principal:
    """The caller of the RPC being served (bound by ``server.AuthInterceptor``)."""
    return _current.get()


def bound(principal: Principal) -> contextvars.Context:
    """A context in which :func:`current` is ``principal``: run the RPC in it."""
    scope = contextvars.copy_context()
    scope.run(_current.set, principal)
    return scope


def person_named(metadata: Mapping[str, str | bytes]) -> str:
    """The person a caller says acts: printable characters only, at most PERSON_LIMIT."""
    raw = metadata.get(ACTOR_METADATA_BIN)
    name = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(metadata.get(ACTOR_METADATA, ""))
    return "".join(c for c in name if c.isprintable()).strip()[:PERSON_LIMIT]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate(authorization: str, bootstrap: str) -> Principal | None:
    """The caller whose ``authorization: Bearer <token>`` this is; None when the token is
    missing, unknown or revoked. Reads the database: call it from the RPC's thread."""
    scheme, _, secret = authorization.partition(" ")
    if scheme != "Bearer" or not secret:
        return None
    if hmac.compare_digest(secret.encode(), bootstrap.encode()):
        return BOOTSTRAP
    row = ApiToken.get_or_none(ApiToken.secret_hash == _digest(secret), ApiToken.revoked_at.is_null())
    if row is None:
        return None
    return Principal(
        label=label(row),
        role=Role(row.role),
        connections=None if row.all_connections else frozenset(reached(row)),
        may_name_actor=row.may_name_actor,
    )


def label(row: ApiToken) -> str:
    return f"token {row.id}" + (f" ({row.name})" if row.name else "")


def reached(row: ApiToken) -> list[int]:
    """The connections a token limited to some reaches (none listed for one reaching all)."""
    query = ApiTokenConnection.select(ApiTokenConnection.connection).where(ApiTokenConnection.token == row)
    return sorted(link.connection_id for link in query)


def mint(
    name: str, role: Role, *, all_connections: bool, connection_ids: Iterable[int], may_name_actor: bool, actor: str
) -> tuple[ApiToken, str]:
    """Creates a token; returns it and its secret, which is stored nowhere."""
    name = validation.text(name.strip(), "name", NAME_LIMIT)
    ids = set(connection_ids)
    if all_connections == bool(ids):
        raise InvalidArgument("give either all_connections or the connection_ids the token may reach")
    if len(ids) > CONNECTION_IDS_MAX:
        raise InvalidArgument(f"a token reaches at most {CONNECTION_IDS_MAX} connections listed; or all of them")
    found = {c.id for c in Connection.select(Connection.id).where(Connection.id.in_(ids))}
    if missing := ids - found:
        raise NotFound(f"there is no connection {validation.some_ids(missing)}")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with database.atomic():
        row = ApiToken.create(
            name=name,
            role=role,
            all_connections=all_connections,
            may_name_actor=may_name_actor,
            secret_hash=_digest(secret),
            created_by=actor,
        )
        if ids:
            ApiTokenConnection.insert_many([{"token": row.id, "connection": i} for i in sorted(ids)]).execute()
    log.info("API token %d minted with the %s role", row.id, role)
    return row, secret


def revoke(token_id: int) -> ApiToken:
    """Revokes a token: its next call is refused. Revoking it again changes nothing."""
    ApiToken.update(revoked_at=utcnow()).where(ApiToken.id == token_id, ApiToken.revoked_at.is_null()).execute()
    row = ApiToken.get_or_none(ApiToken.id == token_id)
    if row is None:
        raise NotFound(f"there is no API token {token_id}")
    log.info("API token %d revoked", row.id)
    return row


def every_token() -> list[ApiToken]:
    return list(ApiToken.select().order_by(ApiToken.id))
