"""Invitations into an office: a random token mailed in a link, only its sha256 kept; one
use, a limited life, revocable. Accepting checks that the user's address is the invited
one and spends the token in one conditional UPDATE, so two clicks cannot both join."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..dates import utcnow
from ..models import Invitation, Membership, Office, User
from ..models.vocabulary import AuditAction, Role
from . import audit, passwords
from .audit import Actor
from .members import MANAGERS, may_manage, role_of
from .users import find, normalise_email


class InvitationError(Exception):
    """A refused invitation or acceptance; `code` picks the message the page shows."""

    CODES = ("not_allowed", "owner_only", "already_member", "not_found", "invalid", "wrong_email",
             "account_exists")

    def __init__(self, code: str):
        assert code in self.CODES
        super().__init__(code)
        self.code = code


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _pending(now: datetime):
    return (Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
            Invitation.expires_at > now)


def _is_member(session: Session, office_id: int, email: str) -> bool:
    return session.exec(select(Membership.id).join(User, User.id == Membership.user_id).where(
        Membership.office_id == office_id, User.email == email)).first() is not None


def invite(session: Session, office_id: int, actor: Actor, email: str, role: Role,
           ttl: timedelta) -> str:
    """A new invitation of `email` with `role`; returns the token for the link (never stored).
    A pending invitation of the same address is revoked: only the newest link works."""
    role = Role(role)
    actor_role = role_of(session, office_id, actor.id)
    if actor_role not in MANAGERS:
        raise InvitationError("not_allowed")
    if not may_manage(actor_role, role):
        raise InvitationError("owner_only")
    email = normalise_email(email)
    if _is_member(session, office_id, email):
        raise InvitationError("already_member")
    now = utcnow()
    earlier = session.exec(select(Invitation).where(
        Invitation.office_id == office_id, Invitation.email == email, *_pending(now))).all()
    for old in earlier:
        old.revoked_at = now
        audit.record(session, office_id, actor, AuditAction.INVITATION_REVOKED, target=email,
                     detail=old.role.value)
    token = secrets.token_urlsafe(32)
    session.add(Invitation(office_id=office_id, email=email, role=role,
                           token_hash=token_hash(token), invited_by=actor.id, created_at=now,
                           expires_at=now + ttl))
    audit.record(session, office_id, actor, AuditAction.MEMBER_INVITED, target=email,
                 detail=role.value)
    session.commit()
    return token


def revoke(session: Session, office_id: int, actor: Actor, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation; its link stops working at once."""
    actor_role = role_of(session, office_id, actor.id)
    if actor_role not in MANAGERS:
        raise InvitationError("not_allowed")
    invitation = session.exec(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.office_id == office_id,
        *_pending(utcnow()))).first()
    if invitation is None:
        raise InvitationError("not_found")
    if not may_manage(actor_role, invitation.role):
        raise InvitationError("owner_only")
    invitation.revoked_at = utcnow()
    audit.record(session, office_id, actor, AuditAction.INVITATION_REVOKED,
                 target=invitation.email, detail=invitation.role.value)
    session.commit()
    return invitation


@dataclass(frozen=True)
class Found:
    """An invitation as its link's page shows it. `state`: valid, expired, used or revoked."""
    id: int
    office_id: int
    office_name: str
    email: str
    role: Role
    inviter_email: str | None
    expires_at: datetime
    state: str

    @property
    def is_valid(self) -> bool:
        return self.state == "valid"


def lookup(session: Session, token: str) -> Found | None:
    """The invitation of a token whatever its state (the page says why a link no longer
    works, and whom to ask); None for a token that was never issued."""
    row = session.exec(
        select(Invitation, Office.name, User.email)
        .join(Office, Office.id == Invitation.office_id)
        .outerjoin(User, User.id == Invitation.invited_by)
        .where(Invitation.token_hash == token_hash(token))).first()
    if row is None:
        return None
    invitation, office_name, inviter = row
    if invitation.accepted_at is not None:
        state = "used"
    elif invitation.revoked_at is not None:
        state = "revoked"
    elif invitation.expires_at <= utcnow():
        state = "expired"
    else:
        state = "valid"
    return Found(id=invitation.id, office_id=invitation.office_id, office_name=office_name,
                 email=invitation.email, role=invitation.role, inviter_email=inviter,
                 expires_at=invitation.expires_at, state=state)


def valid(session: Session, token: str) -> Found | None:
    """The invitation when its link can still be used: not expired, used or revoked."""
    found = lookup(session, token)
    return found if found is not None and found.is_valid else None


def accept(session: Session, token: str, user_id: int) -> Membership:
    """Join the invitation's office with its role, once. InvitationError "invalid" when the
    link is unknown, expired, used or revoked; "wrong_email" when the user's address is not
    the invited one; "already_member" when the user is in that office already."""
    user = session.get(User, user_id)
    found = valid(session, token)
    if found is None or user is None:
        raise InvitationError("invalid")
    if user.email != found.email:
        raise InvitationError("wrong_email")
    now = utcnow()
    spent = session.execute(
        update(Invitation)
        .where(Invitation.token_hash == token_hash(token), Invitation.email == user.email,
               *_pending(now))
        .values(accepted_at=now, accepted_by=user.id))
    if spent.rowcount != 1:
        session.rollback()
        raise InvitationError("invalid")
    if _is_member(session, found.office_id, user.email):
        session.rollback()
        raise InvitationError("already_member")
    membership = Membership(user_id=user.id, office_id=found.office_id, role=found.role)
    session.add(membership)
    audit.record(session, found.office_id, Actor(user.id, user.email), AuditAction.MEMBER_JOINED,
                 target=user.email, detail=found.role.value)
    try:
        session.commit()
    except IntegrityError:  # joined by another request between the check and the insert
        session.rollback()
        raise InvitationError("already_member") from None
    return membership


def create_invited_user(session: Session, email: str, password: str,
                        locale: str | None = None) -> User:
    """A user for an invited address that has no account, with no office of its own: the
    token proved the mailbox. Flushed, not committed: accept() commits the user and the
    membership together, or rolls both back."""
    email = normalise_email(email)
    if find(session, email) is not None:
        raise InvitationError("account_exists")
    user = User(email=email, password_hash=passwords.hash_password(password), locale=locale)
    session.add(user)
    session.flush()
    return user
