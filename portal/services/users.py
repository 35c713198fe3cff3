"""Sign-up, log-in with throttling, and the office each user works in."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..dates import utcnow
from ..models import LoginAttempt, Membership, Office, User

# Hash of a random password: checked when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = generate_password_hash("tsunagu-timing-equaliser")


class SignupError(ValueError):
    pass


class LoginThrottled(Exception):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def sign_up(session: Session, *, email: str, password: str, office_name: str) -> User:
    email = normalise_email(email)
    if session.exec(select(User).where(User.email == email)).first():
        raise SignupError("email_taken")
    user = User(email=email, password_hash=generate_password_hash(password))
    office = Office(name=office_name.strip())
    session.add(user)
    session.add(office)
    session.flush()
    session.add(Membership(user_id=user.id, office_id=office.id, role="owner"))
    session.commit()
    return user


def authenticate(session: Session, *, email: str, password: str, max_failures: int,
                 lock_seconds: int) -> User | None:
    email = normalise_email(email)
    since = utcnow() - timedelta(seconds=lock_seconds)
    failures = session.exec(
        select(func.count()).select_from(LoginAttempt)
        .where(LoginAttempt.email == email, LoginAttempt.failed_at >= since)
    ).one()
    if failures >= max_failures:
        raise LoginThrottled()
    user = session.exec(select(User).where(User.email == email)).first()
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok:
        session.add(LoginAttempt(email=email))
        session.commit()
        return None
    session.exec(delete(LoginAttempt).where(LoginAttempt.email == email))
    session.commit()
    return user


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


def member(session: Session, user_id: int) -> Member | None:
    user = session.get(User, user_id)
    if user is None:
        return None
    office_id = office_of(session, user.id)
    if office_id is None:
        return None
    return Member(id=user.id, email=user.email, office_id=office_id, locale=user.locale,
                  session_version=user.session_version)


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
    if user is None or not check_password_hash(user.password_hash, current):
        return None
    user.password_hash = generate_password_hash(new)
    user.session_version += 1
    session.commit()
    return user.session_version
