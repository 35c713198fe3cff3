"""Bank-side records: consents (ログイン情報), the accounts they see, and our accounts (口座)."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import ConnectionState, EnumText, SyncMethod, SyncState


class BankConnection(SQLModel, table=True):
    """One consent at one bank. Tokens are AES-GCM ciphertexts bound to this row."""

    __tablename__ = "bank_connection"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    bank_code: str = Field(max_length=4, index=True)
    state: ConnectionState = Field(default=ConnectionState.ACTIVE,
                                   sa_column=Column(EnumText(ConnectionState, 20), nullable=False))
    state_reason: str | None = Field(default=None, max_length=40)
    access_token_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    refresh_token_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    access_expires_at: datetime | None = None
    consent_expires_at: datetime | None = None
    scope: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RemoteAccount(SQLModel, table=True):
    """A bank-side account visible through a connection."""

    __tablename__ = "remote_account"
    __table_args__ = (UniqueConstraint("connection_id", "remote_id"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    connection_id: int = Field(foreign_key="bank_connection.id", index=True)
    remote_id: str = Field(max_length=64)
    branch_code: str = Field(default="", max_length=8)
    branch_name: str = Field(default="", max_length=100)
    account_type_code: str = Field(default="", max_length=8)
    account_type_name: str = Field(default="", max_length=40)
    masked_number: str = Field(default="", max_length=20)
    account_name: str = Field(default="", max_length=200)
    currency: str = Field(default="JPY", max_length=3)
    linked: bool = Field(default=False)
    seen_at: datetime = Field(default_factory=utcnow)


class Account(SQLModel, table=True):
    """An account in the books. api accounts map to one remote account of one connection."""

    # (id, office_id): what a statement's one foreign key names (migration 0015).
    __table_args__ = (UniqueConstraint("remote_account_id"),
                      Index("ux_account_id_office", "id", "office_id", unique=True))
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(max_length=200)
    bank_code: str = Field(max_length=4)
    kind: str = Field(max_length=20)  # key of the bank's account kind, e.g. personal
    sync_method: SyncMethod = Field(sa_column=Column(EnumText(SyncMethod, 10), nullable=False))
    connection_id: int | None = Field(default=None, foreign_key="bank_connection.id", index=True)
    remote_account_id: int | None = Field(default=None, foreign_key="remote_account.id")
    period_start: date | None = None
    currency: str = Field(default="JPY", max_length=3)
    balance: int | None = Field(default=None, sa_column=Column(BigInteger))
    balance_date: date | None = None
    # 開始残高: the balance before the first transaction of opening_balance_date (accounts
    # without an API, whose balance is carried from their statements).
    opening_balance: int | None = Field(default=None, sa_column=Column(BigInteger))
    opening_balance_date: date | None = None
    last_synced_at: datetime | None = None
    synced_through: date | None = None  # statements are complete up to this date
    sync_state: SyncState = Field(default=SyncState.NEVER,
                                  sa_column=Column(EnumText(SyncState, 20), nullable=False))
    sync_error_code: str | None = Field(default=None, max_length=40)
    statement_count: int = Field(default=0)
    fetched_from: date | None = None  # earliest date asked of the bank so far
    gap_from: date | None = None  # statements the bank no longer keeps (after a lapse)
    gap_to: date | None = None
    csv_mapping: str | None = Field(default=None, max_length=2000)  # JSON, remembered per account
    cutover_date: date | None = None  # legacy → API switch: API statements from this date
    created_at: datetime = Field(default_factory=utcnow)
