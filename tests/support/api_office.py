"""An office with accounts and statements for the API's tests, and a token of it.

    office = api_office(engine, "山田商店")   # the office signed up before, by name
    token = make_token(engine, office.id, [Scope.ACCOUNTS_READ])
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from portal.api import tokens
from portal.api.scopes import Scope
from portal.models import Account, BankConnection, Office, Statement
from portal.models.vocabulary import ConnectionState, StatementSource, SyncMethod
from portal.services.audit import Actor


@dataclass
class ApiOffice:
    id: int
    api_account: int  # linked to a bank API, with a consent
    manual_account: int
    statements: list[int]  # of the manual account, oldest first


def api_office(engine, name: str, *, rows: int = 5) -> ApiOffice:
    with Session(engine) as s:
        office = s.exec(select(Office).where(Office.name == name)).one()
        conn = BankConnection(office_id=office.id, bank_code="0310", state=ConnectionState.ACTIVE,
                              consent_expires_at=datetime(2030, 1, 1, tzinfo=UTC))
        s.add(conn)
        s.flush()
        linked = Account(office_id=office.id, name=f"{name} API", bank_code="0310", kind="personal",
                         sync_method=SyncMethod.API, connection_id=conn.id, balance=1000)
        manual = Account(office_id=office.id, name=f"{name} 手動", bank_code="0005",
                         kind="personal", sync_method=SyncMethod.MANUAL)
        s.add_all([linked, manual])
        s.flush()
        ids = []
        for i in range(rows):
            row = Statement(office_id=office.id, account_id=manual.id,
                            transaction_date=date(2024, 4, 1) + timedelta(days=i),
                            amount=-100 * (i + 1), description=f"{name} 明細{i}",
                            description_norm=f"明細{i}", source=StatementSource.MANUAL,
                            dedupe_key=f"manual:{name}:{i}")
            s.add(row)
            s.flush()
            ids.append(row.id)
        s.commit()
        return ApiOffice(office.id, linked.id, manual.id, ids)


def make_token(engine, office_id: int, scopes=tuple(Scope), **kw) -> str:
    with Session(engine) as s:
        token, _row = tokens.create(s, office_id, Actor(None, None), name=kw.pop("name", "テスト"),
                                    scopes=list(scopes), **kw)
        return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
