"""Tsunagu's own API: tokens, the statement change feed behind /statements/sync, webhooks."""
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import ChangeKind, DeliveryState, EnumText


class ApiToken(SQLModel, table=True):
    """A bearer token of one office: shown once, kept as its sha256."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12)  # the first characters, to tell tokens apart
    scopes: str = Field(max_length=200)  # space-separated portal.api.scopes values
    created_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class StatementChange(SQLModel, table=True):
    """Every modification (its fields, its memo or its booking) and removal of a statement,
    written by database triggers (so no code path can forget one). The feed reads them in
    commit order: on PostgreSQL by (txid, id) below the oldest running transaction."""

    __tablename__ = "statement_change"
    __table_args__ = (
        # What the feed reads: modifications and removals (added statements are read from
        # the statement table since migration 0013).
        Index("ix_statement_change_edits", "office_id", "txid", "id",
              sqlite_where=text("kind <> 'added'"), postgresql_where=text("kind <> 'added'")),
        # 'added' rows written before 0013: only to place a cursor handed out before it.
        Index("ix_statement_change_added", "office_id", "txid", "id",
              sqlite_where=text("kind = 'added'"), postgresql_where=text("kind = 'added'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int
    account_id: int
    statement_id: int
    kind: ChangeKind = Field(sa_column=Column(EnumText(ChangeKind, 10), nullable=False))
    txid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    events: str = Field(max_length=300)  # space-separated event types
    secret_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # TokenCipher
    enabled: bool = Field(default=True)
    disabled_reason: str | None = Field(default=None, max_length=200)
    failure_streak: int = Field(default=0)  # deliveries given up in a row
    created_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event to one endpoint: the outbox of webhooks and their delivery log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id"),
                      Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
                      Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"))
    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    office_id: int = Field(foreign_key="office.id")
    event_type: str = Field(max_length=40)
    event_id: str = Field(max_length=80)  # the webhook-id header: the same on every retry
    payload: str = Field(max_length=20000)  # JSON as signed
    state: DeliveryState = Field(default=DeliveryState.PENDING,
                                 sa_column=Column(EnumText(DeliveryState, 10), nullable=False))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    response_ms: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
