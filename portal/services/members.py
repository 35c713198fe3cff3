"""The members of an office: who they are, changing a role, removing a member.

Who may do what is decided here from the actor's membership as stored, not from what the
session believed: an owner may grant the owner role and change or remove owners; an admin
manages admins, bookkeepers and viewers. An office always keeps an owner. Each change is
written to the audit log in the same transaction."""
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..dates import utcnow
from ..models import Invitation, Membership, User
from ..models.vocabulary import AuditAction, Role
from . import audit
from .audit import Actor

MANAGERS = (Role.OWNER, Role.ADMIN)
# The members page lists owners first, then down the roles.
RANK = {Role.OWNER: 0, Role.ADMIN: 1, Role.BOOKKEEPER: 2, Role.VIEWER: 3}


class MemberError(Exception):
    """A refused change; `code` picks the message the page shows."""

    CODES = ("not_found", "not_allowed", "owner_only", "last_owner")

    def __init__(self, code: str):
        assert code in self.CODES
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class MemberRow:
    membership_id: int
    user_id: int
    email: str
    role: Role
    joined: datetime


@dataclass(frozen=True)
class PendingRow:
    invitation_id: int
    email: str
    role: Role
    expires_at: datetime


def listing(session: Session, office_id: int) -> list[MemberRow]:
    rows = session.exec(
        select(Membership.id, Membership.user_id, User.email, Membership.role, Membership.created_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.office_id == office_id))
    members = [MemberRow(*row) for row in rows]
    return sorted(members, key=lambda m: (RANK[m.role], m.email))


def pending_invitations(session: Session, office_id: int) -> list[PendingRow]:
    rows = session.exec(
        select(Invitation.id, Invitation.email, Invitation.role, Invitation.expires_at)
        .where(Invitation.office_id == office_id, Invitation.accepted_at.is_(None),
               Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.id.desc()))
    return [PendingRow(*row) for row in rows]


def role_of(session: Session, office_id: int, user_id: int | None) -> Role | None:
    if user_id is None:
        return None
    return session.exec(select(Membership.role).where(
        Membership.office_id == office_id, Membership.user_id == user_id)).first()


def may_manage(actor_role: Role | None, role: Role) -> bool:
    """May a member with `actor_role` change or remove a member with `role`, or grant `role`?"""
    if actor_role is Role.OWNER:
        return True
    return actor_role is Role.ADMIN and role is not Role.OWNER


def grantable(actor_role: Role | None) -> list[Role]:
    """The roles a member may give (in invitations and role changes), highest first."""
    return [r for r in sorted(Role, key=RANK.get) if may_manage(actor_role, r)]


def is_last_owner(session: Session, office_id: int, member: MemberRow) -> bool:
    """For the pages to say so before a form is sent (the change itself checks again)."""
    if member.role is not Role.OWNER:
        return False
    owners = session.exec(select(Membership.id).where(
        Membership.office_id == office_id, Membership.role == Role.OWNER).limit(2)).all()
    return len(owners) <= 1


def get(session: Session, office_id: int, membership_id: int) -> MemberRow:
    row = session.exec(
        select(Membership.id, Membership.user_id, User.email, Membership.role, Membership.created_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id == membership_id, Membership.office_id == office_id)).first()
    if row is None:
        raise MemberError("not_found")
    return MemberRow(*row)


def _target(session: Session, office_id: int, actor: Actor, membership_id: int,
            ) -> tuple[Membership, Role]:
    actor_role = role_of(session, office_id, actor.id)
    if actor_role not in MANAGERS:
        raise MemberError("not_allowed")
    membership = session.exec(select(Membership).where(
        Membership.id == membership_id, Membership.office_id == office_id)).first()
    if membership is None:
        raise MemberError("not_found")
    return membership, actor_role


def _check_keeps_an_owner(session: Session, office_id: int, membership: Membership) -> None:
    """Refuse to take away the office's last owner. The owners' rows are locked (PostgreSQL)
    so that two owners demoting each other at once cannot both pass the check."""
    if membership.role is not Role.OWNER:
        return
    owners = session.exec(select(Membership.id).where(
        Membership.office_id == office_id, Membership.role == Role.OWNER).with_for_update()).all()
    if len(owners) <= 1:
        raise MemberError("last_owner")


def change_role(session: Session, office_id: int, actor: Actor, membership_id: int,
                new_role: Role) -> MemberRow:
    """Give a member another role; MemberError when the actor may not or the office would
    lose its last owner. The same role again changes nothing and records nothing."""
    new_role = Role(new_role)
    membership, actor_role = _target(session, office_id, actor, membership_id)
    old_role = membership.role
    if not (may_manage(actor_role, old_role) and may_manage(actor_role, new_role)):
        raise MemberError("owner_only")
    if new_role is not old_role:
        if new_role is not Role.OWNER:
            _check_keeps_an_owner(session, office_id, membership)
        membership.role = new_role
        email = session.get(User, membership.user_id).email
        # Role values, not words: the audit page puts them in the reader's language.
        audit.record(session, office_id, actor, AuditAction.ROLE_CHANGED, target=email,
                     detail=f"{old_role.value} → {new_role.value}")
        session.commit()
    return get(session, office_id, membership_id)


def remove(session: Session, office_id: int, actor: Actor, membership_id: int) -> MemberRow:
    """Take a member out of the office. Their sessions end at once (all of them: a session
    cookie names one office, and the user may sign in again into another office of theirs)."""
    membership, actor_role = _target(session, office_id, actor, membership_id)
    if not may_manage(actor_role, membership.role):
        raise MemberError("owner_only")
    _check_keeps_an_owner(session, office_id, membership)
    gone = get(session, office_id, membership_id)
    user = session.get(User, membership.user_id)
    user.session_version += 1
    session.delete(membership)
    audit.record(session, office_id, actor, AuditAction.MEMBER_REMOVED, target=user.email,
                 detail=membership.role.value)
    session.commit()
    return gone
