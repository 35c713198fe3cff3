"""Offices a signed-in user adds for themself (an accountant taking on a client)."""
from sqlmodel import Session

from ..models import Membership, Office
from ..models.vocabulary import Role


def create_office(session: Session, user_id: int, name: str) -> Office:
    """A new office whose owner is the user. The caller commits (with its audit entry)."""
    office = Office(name=name.strip())
    session.add(office)
    session.flush()
    session.add(Membership(user_id=user_id, office_id=office.id, role=Role.OWNER))
    return office


def office_name(session: Session, office_id: int) -> str | None:
    office = session.get(Office, office_id)
    return office.name if office else None
