"""Working together in an office: invitations, the audit log, and the e-mails members get."""
from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import AuditAction, EnumText, NoticeKind, NoticeState, Role


class Invitation(SQLModel, table=True):
    """An address invited into an office with a role: a one-use link, kept as its hash."""

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    email: str = Field(max_length=254)
    role: Role = Field(sa_column=Column(EnumText(Role, 20), nullable=False))
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256, hex
    invited_by: int | None = Field(default=None)  # a user id; kept if that user goes
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: int | None = None
    revoked_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Who did what in an office. The actor's address is copied so that the entry still says
    who it was after the member is removed or the user deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_office_at", "office_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id")
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None)
    actor_email: str | None = Field(default=None, max_length=254)
    action: AuditAction = Field(sa_column=Column(EnumText(AuditAction, 30), nullable=False))
    target: str | None = Field(default=None, max_length=300)  # what it was done to, in words
    detail: str | None = Field(default=None, max_length=1000)


class Notice(SQLModel, table=True):
    """One e-mail to one user about one event: the outbox. The unique key makes an event
    produce its mail once however many processes notice it; a process sends a row only after
    claiming it under a lease."""

    __table_args__ = (UniqueConstraint("user_id", "kind", "event_key"),
                      Index("ix_notice_due", "state", "claimed_until"))
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    office_id: int | None = Field(default=None, foreign_key="office.id")
    kind: NoticeKind = Field(sa_column=Column(EnumText(NoticeKind, 30), nullable=False))
    event_key: str = Field(max_length=200)  # e.g. "connection:12:2026-12-07:7"
    payload: str = Field(default="{}", max_length=4000)  # JSON: what the mail names
    state: NoticeState = Field(default=NoticeState.PENDING,
                               sa_column=Column(EnumText(NoticeState, 10), nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    attempts: int = Field(default=0)
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)


class NoticeOptOut(SQLModel, table=True):
    """A kind of e-mail a user switched off (every kind is on until then)."""

    __tablename__ = "notice_opt_out"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: NoticeKind = Field(sa_column=Column(EnumText(NoticeKind, 30), nullable=False))
