"""Users, offices (事業所, the tenant) and who belongs where."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import EnumText, Role


class Office(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    # Set by the owner: every member must use two-factor authentication to get in.
    require_two_factor: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=300)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    # Written into the session at login; a session carrying another number is refused.
    # Raised by every logout, a password change and 「すべての端末からログアウト」.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Two-factor authentication (TOTP): the secret, encrypted like bank tokens; it is asked at
    # login only once confirmed (totp_enabled_at). The last time step used refuses a replay.
    totp_secret_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    totp_enabled_at: datetime | None = Field(default=None)
    totp_last_step: int | None = Field(default=None)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "office_id", name="uq_membership_user_office"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    role: Role = Field(default=Role.OWNER, sa_column=Column(EnumText(Role, 20), nullable=False))
    created_at: datetime = Field(default_factory=utcnow,
                                 sa_column_kwargs={"server_default": sa.func.now()})


class RecoveryCode(SQLModel, table=True):
    """One-use codes for a lost authenticator; only their hash is kept."""

    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)  # sha256, hex
    used_at: datetime | None = Field(default=None)


class PasswordReset(SQLModel, table=True):
    """A password-reset link sent by e-mail: the token's hash, one use, short-lived."""

    __tablename__ = "password_reset"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = Field(default=None)


class PendingSignup(SQLModel, table=True):
    """A sign-up waiting for its e-mail to be confirmed (when the portal sends mail). No user
    exists before the link is followed, so nobody can claim someone else's address."""

    __tablename__ = "pending_signup"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(max_length=254)
    password_hash: str = Field(max_length=300)
    office_name: str = Field(max_length=200)
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


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
