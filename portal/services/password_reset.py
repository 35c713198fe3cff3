"""Password reset by e-mail: a random token in a link, only its hash stored, one use, a short
life. Using it sets the new password and ends every session; it does not sign in (the
second factor, when set up, is still asked at login)."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from ..dates import utcnow
from ..models import PasswordReset, User
from . import passwords
from .users import normalise_email


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, email: str, *, ttl: timedelta) -> tuple[User, str] | None:
    """A new reset token for the user with `email`, or None when there is no such user. The
    caller answers the same either way."""
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(token_hash=token_hash(token), user_id=user.id,
                              expires_at=utcnow() + ttl))
    session.commit()
    return user, token


def user_of(session: Session, token: str) -> User | None:
    """The user a still usable token belongs to (for the form), or None."""
    row = session.exec(select(PasswordReset).where(
        PasswordReset.token_hash == token_hash(token), PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > utcnow())).first()
    return session.get(User, row.user_id) if row else None


def finish(session: Session, token: str, new_password: str) -> User | None:
    """Spend the token and set the password; every session of the user ends and every other
    reset link of theirs stops working. None when the token is unknown, used or expired."""
    now = utcnow()
    digest = token_hash(token)
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == digest, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(used_at=now))
    if spent.rowcount != 1:
        session.rollback()
        return None
    row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == digest)).one()
    session.execute(update(PasswordReset).where(
        PasswordReset.user_id == row.user_id, PasswordReset.used_at.is_(None)).values(used_at=now))
    user = session.get(User, row.user_id)
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    session.commit()
    return user
