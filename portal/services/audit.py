"""The audit log of an office: who did what, written in the same transaction as the change
it records (the caller commits), read newest first by keyset pages."""
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import AuditEvent
from ..models.vocabulary import AuditAction


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id and address (copied into each entry), or None for the system."""
    id: int | None
    email: str | None


SYSTEM = Actor(None, None)


def record(session: Session, office_id: int, actor: Actor, action: AuditAction, *,
           target: str | None = None, detail: str | None = None) -> AuditEvent:
    event = AuditEvent(office_id=office_id, actor_id=actor.id, actor_email=actor.email,
                       action=action, target=(target or None) and target[:300],
                       detail=(detail or None) and detail[:1000])
    session.add(event)
    return event


def page(session: Session, office_id: int, *, before_id: int | None = None,
         limit: int = 50) -> list[AuditEvent]:
    """Newest first; the next page starts before the last id shown."""
    query = select(AuditEvent).where(AuditEvent.office_id == office_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.exec(query.order_by(AuditEvent.id.desc()).limit(limit)))
