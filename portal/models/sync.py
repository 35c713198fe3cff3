"""A sync run: the unit of background work and the per-account sync log."""
from datetime import date, datetime

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import EnumText, SyncState, SyncTrigger


class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"
    # At most one active run per account, enforced by the database itself so two
    # clicks, a click and the schedule, or two workers can never start a second one.
    __table_args__ = (
        Index(
            "uq_sync_run_active_account",
            "account_id",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_sync_run_queue", "state", "next_attempt_at"),
        Index("ix_sync_run_account", "account_id", "id"),
        Index("ix_sync_run_lease", "state", "lease_expires_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    trigger: SyncTrigger = Field(sa_column=Column(EnumText(SyncTrigger, 10), nullable=False))
    state: SyncState = Field(default=SyncState.QUEUED,
                             sa_column=Column(EnumText(SyncState, 20), nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_attempt_at: datetime | None = None
    attempts: int = Field(default=0)
    date_from: date | None = None
    date_to: date | None = None
    fetched: int = Field(default=0)
    added: int = Field(default=0)
    skipped: int = Field(default=0)
    error_code: str | None = Field(default=None, max_length=40)
    error_message: str | None = Field(default=None, max_length=500)
    notice: str | None = Field(default=None, max_length=40)  # e.g. unlinked_accounts
    # The worker holding a running run, until when; any worker takes over a run whose lease
    # ran out (its worker died) and goes on from `resume_cursor`, the bank's cursor of the
    # first page not yet stored (committed with the page before it).
    lease_owner: str | None = Field(default=None, max_length=80)
    lease_expires_at: datetime | None = None
    resume_cursor: str | None = Field(default=None, max_length=500)
    resumes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # take-overs


class BankCallCount(SQLModel, table=True):
    """API calls this deployment made to a bank on one Japan-time day, for per-day limits."""

    __tablename__ = "bank_call_count"
    __table_args__ = (UniqueConstraint("bank_code", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    bank_code: str = Field(max_length=4)
    day: date
    calls: int = Field(default=0)
