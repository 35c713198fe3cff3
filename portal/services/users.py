"""Sign-up (at once, or confirmed by e-mail), password log-in, and the office each user
works in. Throttling is the web layer's (portal/views/rate_limits.py): it counts attempts
before this module checks a password."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, case, delete
from sqlmodel import Session, select

from ..dates import utcnow
from ..driver_sql import DriverQuery
from ..models import Membership, Office, PendingSignup, Role, User
from . import passwords

# Hash of a random password: checked when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = passwords.hash_password("tsunagu-timing-equaliser")


class SignupError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def _create(session: Session, *, email: str, password_hash: str, office_name: str,
            locale: str | None = None) -> User:
    user = User(email=email, password_hash=password_hash, locale=locale)
    office = Office(name=office_name.strip())
    session.add(user)
    session.add(office)
    session.flush()
    session.add(Membership(user_id=user.id, office_id=office.id, role=Role.OWNER))
    session.commit()
    return user


def sign_up(session: Session, *, email: str, password: str, office_name: str) -> User:
    """Sign up at once (no mail to confirm with). SignupError when the e-mail is taken."""
    email = normalise_email(email)
    if find(session, email):
        raise SignupError("email_taken")
    return _create(session, email=email, password_hash=passwords.hash_password(password),
                   office_name=office_name)


def start_signup(session: Session, *, email: str, password: str, office_name: str,
                 locale: str | None, ttl: timedelta) -> tuple[str, User | None]:
    """Sign-up confirmed by e-mail. Returns (token, None) for a new address, the token to mail
    in a link, or ("", the user) when the address is registered: the caller tells that owner
    by mail and answers the visitor exactly as for a new address."""
    email = normalise_email(email)
    password_hash = passwords.hash_password(password)  # both ways, so timing does not tell
    existing = find(session, email)
    if existing is not None:
        return "", existing
    session.exec(delete(PendingSignup).where(PendingSignup.expires_at <= utcnow()))
    token = secrets.token_urlsafe(32)
    session.add(PendingSignup(token_hash=hashlib.sha256(token.encode()).hexdigest(), email=email,
                              password_hash=password_hash, office_name=office_name.strip(),
                              locale=locale, expires_at=utcnow() + ttl))
    session.commit()
    return token, None


def pending_signup(session: Session, token: str) -> PendingSignup | None:
    return session.exec(select(PendingSignup).where(
        PendingSignup.token_hash == hashlib.sha256(token.encode()).hexdigest(),
        PendingSignup.expires_at > utcnow())).first()


def confirm_signup(session: Session, token: str) -> User | None:
    """Create the user and office of a pending sign-up (one use). None when the link is
    unknown, expired or used, or the address got registered meanwhile."""
    pending = pending_signup(session, token)
    if pending is None:
        return None
    gone = session.execute(delete(PendingSignup).where(PendingSignup.id == pending.id))
    if gone.rowcount != 1 or find(session, pending.email):
        session.commit()
        return None
    session.exec(delete(PendingSignup).where(PendingSignup.email == pending.email))
    return _create(session, email=pending.email, password_hash=pending.password_hash,
                   office_name=pending.office_name, locale=pending.locale)


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user when the password is right, else None (in about the same time either way)."""
    user = find(session, email)
    ok = passwords.matches(user.password_hash if user else _DUMMY_HASH, password)
    return user if user is not None and ok else None


def office_of(session: Session, user_id: int) -> int | None:
    return session.exec(
        select(Membership.office_id).where(Membership.user_id == user_id).order_by(Membership.id)
    ).first()


@dataclass(frozen=True)
class Member:
    """A user as a member of the office they work in: what a signed-in request needs."""
    id: int
    email: str
    office_id: int
    locale: str | None
    session_version: int
    role: Role = Role.OWNER
    two_factor: bool = False
    two_factor_required: bool = False  # by the office, for every member

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER


def _member_query():
    # The office the session works in when the user is still its member, else their first.
    wanted = bindparam("office_id", 0)
    return (select(User.email, User.locale, User.session_version, User.totp_enabled_at,
                   Membership.office_id, Membership.role, Office.require_two_factor)
            .join(Membership, Membership.user_id == User.id)
            .join(Office, Office.id == Membership.office_id)
            .where(User.id == bindparam("user_id", 0))
            .order_by(case((Membership.office_id == wanted, 0), else_=1), Membership.id).limit(1))


# Every signed-in request runs it: compiled once per database, run as the driver's SQL.
_MEMBER = DriverQuery(_member_query)


def member(on: Session | Connection, user_id: int, office_id: int | None = None) -> Member | None:
    """The user as a member of `office_id` (the session's office), or of their first office
    when they are not (or no longer) a member of that one; None for a user of no office."""
    rows = _MEMBER.all(on, user_id=user_id, office_id=office_id or 0)
    if not rows:
        return None
    email, locale, version, totp_at, office_id, role, required = rows[0]
    return Member(id=user_id, email=email, office_id=office_id, locale=locale,
                  session_version=version, role=Role(role),
                  two_factor=totp_at is not None, two_factor_required=bool(required))


def set_two_factor_required(session: Session, office_id: int, required: bool) -> None:
    office = session.get(Office, office_id)
    office.require_two_factor = required
    session.commit()


def check_password(session: Session, user_id: int, password: str) -> bool:
    user = session.get(User, user_id)
    return user is not None and passwords.matches(user.password_hash, password)


def set_locale(session: Session, user_id: int, locale: str) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.locale = locale
        session.commit()


def end_sessions(session: Session, user_id: int) -> int:
    """Raise the user's session version: every session cookie issued before stops working.
    Returns the new version, for the one session that is to continue (if any)."""
    user = session.get(User, user_id)
    user.session_version += 1
    session.commit()
    return user.session_version


def change_password(session: Session, user_id: int, *, current: str, new: str) -> int | None:
    """Set a new password when `current` is right; every other session ends. Returns the new
    session version, or None when the current password is wrong (nothing changes)."""
    user = session.get(User, user_id)
    if user is None or not passwords.matches(user.password_hash, current):
        return None
    user.password_hash = passwords.hash_password(new)
    user.session_version += 1
    session.commit()
    return user.session_version
