"""Rows a database-level test starts from: an office with one manual account, written
straight through a session (no portal, no bank)."""
from sqlmodel import Session

from portal.models import Account, Office


def office_with_account(s: Session, *, office_name: str = "事業所", name: str = "普通",
                        bank_code: str = "0001") -> Account:
    """A new office and its one manual account, flushed (ids set); the caller commits."""
    office = Office(name=office_name)
    s.add(office)
    s.flush()
    account = Account(office_id=office.id, name=name, bank_code=bank_code, kind="personal",
                      sync_method="manual")
    s.add(account)
    s.flush()
    return account
