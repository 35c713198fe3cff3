"""An office for the e-mail notice tests: members in every role, and one consent at a bank
with two accounts on it, ending in a given number of days."""
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from portal.dates import utcnow
from portal.models import Account, BankConnection, Membership, Office, User
from portal.models.vocabulary import Role, SyncMethod

MEMBERS = (("owner@example.jp", Role.OWNER, None), ("admin@example.jp", Role.ADMIN, "en"),
           ("second-owner@example.jp", Role.OWNER, None),
           ("keeper@example.jp", Role.BOOKKEEPER, None), ("viewer@example.jp", Role.VIEWER, None))
MANAGERS = ("owner@example.jp", "admin@example.jp", "second-owner@example.jp")
ACCOUNT_NAMES = ("本店普通", "給与振込用")


@dataclass(frozen=True)
class NoticeOffice:
    office_id: int
    connection_id: int
    account_ids: list[int]
    users: dict[str, int]  # e-mail → user id


def make_office(session: Session, *, days_left: float = 6, members=MEMBERS,
                bank_code: str = "0001") -> NoticeOffice:
    office = Office(name="山田商店")
    session.add(office)
    session.flush()
    users = {}
    for email, role, locale in members:
        user = User(email=email, password_hash="-", locale=locale)
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, office_id=office.id, role=role))
        users[email] = user.id
    conn = BankConnection(office_id=office.id, bank_code=bank_code,
                          consent_expires_at=utcnow() + timedelta(days=days_left))
    session.add(conn)
    session.flush()
    accounts = [Account(office_id=office.id, name=name, bank_code=bank_code, kind="personal",
                        sync_method=SyncMethod.API, connection_id=conn.id) for name in ACCOUNT_NAMES]
    session.add_all(accounts)
    session.commit()
    return NoticeOffice(office.id, conn.id, [a.id for a in accounts], users)
