"""明細: one line of an account's statement."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import EnumText, ReviewState, StatementSource


class Statement(SQLModel, table=True):
    # dedupe_key: "api:<bank item key>", "csv:<fingerprint>" or "manual:<uuid>"; unique per
    # account so a repeated page, retry or re-import changes nothing.
    __table_args__ = (
        UniqueConstraint("account_id", "dedupe_key"),
        Index("ix_statement_account_date", "account_id", "transaction_date", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    transaction_date: date
    value_date: date | None = None
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))  # signed, minor units
    description: str = Field(default="", max_length=500)
    description_norm: str = Field(default="", max_length=500)
    balance_after: int | None = Field(default=None, sa_column=Column(BigInteger))
    source: StatementSource = Field(sa_column=Column(EnumText(StatementSource, 10), nullable=False))
    dedupe_key: str = Field(max_length=200)
    sync_run_id: int | None = Field(default=None, foreign_key="sync_run.id")
    created_at: datetime = Field(default_factory=utcnow)


class StatementAlias(SQLModel, table=True):
    """More keys for one statement: a CSV row later seen by the API keeps one row, two keys."""

    __tablename__ = "statement_alias"
    __table_args__ = (UniqueConstraint("account_id", "dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    dedupe_key: str = Field(max_length=200)
    statement_id: int = Field(foreign_key="statement.id", index=True)
    previous_description: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class MatchReview(SQLModel, table=True):
    """An incoming statement that might be one already held: the user decides, never us."""

    __tablename__ = "match_review"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    incoming: str = Field(max_length=4000)  # JSON of the incoming row, with its dedupe key
    candidate_ids: str = Field(max_length=400)  # comma-separated statement ids
    reasons: str = Field(default="", max_length=400)
    state: ReviewState = Field(default=ReviewState.OPEN,
                               sa_column=Column(EnumText(ReviewState, 10), nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
