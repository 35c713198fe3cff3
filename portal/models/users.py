"""Users, offices (事業所, the tenant) and who belongs where."""
from datetime import datetime

from sqlmodel import Field, SQLModel

from ..dates import utcnow


class Office(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=300)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    # Written into the session at login; a session carrying another number is refused.
    # Raised by every logout, a password change and 「すべての端末からログアウト」.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Membership(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    role: str = Field(default="owner", max_length=20)


class LoginAttempt(SQLModel, table=True):
    """Failed logins per e-mail, for throttling; kept in the database so every worker sees it."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    failed_at: datetime = Field(default_factory=utcnow, index=True)


class PendingConsent(SQLModel, table=True):
    """A consent started at a bank and not yet returned: kept here, not in the session cookie,
    so the PKCE verifier and state never leave the server. One use, PENDING_TTL to live."""

    __tablename__ = "pending_consent"
    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 of the state
    user_id: int = Field(foreign_key="user.id", index=True)
    office_id: int = Field(foreign_key="office.id")
    account_id: int = Field(foreign_key="account.id")
    connection_id: int | None = Field(default=None)
    bank_code: str = Field(max_length=4)
    code_verifier: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)
