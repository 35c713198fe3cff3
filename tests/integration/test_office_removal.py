"""Deleting an office on SQLite and PostgreSQL: every row of it goes, in every table that has
an office_id (found from the schema, as the service finds them), a consent still in force is
ended, the members' sessions end, and not one row of another office changes."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from portal.api import tokens as api_tokens
from portal.api.scopes import Scope
from portal.dates import utcnow
from portal.models import Account, AuditEvent, BankConnection, Office, Statement, SyncRun, User
from portal.models.vocabulary import (
    AuditAction,
    BusinessForm,
    ConnectionState,
    Role,
    RuleMatch,
    StatementSource,
    SyncState,
)
from portal.services import audit, invitations, office_removal, users, webhooks
from portal.services.audit import Actor
from portal.services.books import booking, masters, rules
from portal.services.books.inbox import Suggestion
from portal.services.books.rules import RuleDraft
from portal.services.statements import upsert_statements


@pytest.fixture
def app(portal_app):  # on SQLite, then on PostgreSQL (conftest)
    return portal_app


def _fill(app, s: Session, email: str, office_name: str) -> tuple[int, int]:
    """An office with something in most of its tables: (office id, owner's user id)."""
    user = users.sign_up(s, email=email, password="correct horse 1", office_name=office_name)
    office_id = s.exec(select(Office.id).where(Office.name == office_name)).one()
    actor = Actor(user.id, user.email)
    conn = BankConnection(office_id=office_id, bank_code="0001", state=ConnectionState.ACTIVE)
    s.add(conn)
    s.flush()
    account = Account(office_id=office_id, name="普通", bank_code="0001", kind="personal",
                      sync_method="manual", connection_id=conn.id)
    s.add(account)
    s.commit()
    s.add(SyncRun(office_id=office_id, account_id=account.id, trigger="user", state=SyncState.QUEUED))
    upsert_statements(s, account, [
        {"transaction_date": date(2024, 5, d), "amount": -100 * d, "description": f"デンキ{d}",
         "balance_after": 10_000 - 100 * d, "source": StatementSource.MANUAL, "dedupe_key": f"manual:{d}"}
        for d in range(1, 6)])
    s.commit()
    masters.start_books(s, office_id, BusinessForm.CORPORATION)
    rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, "デンキ", skip=True))
    first = s.exec(select(Statement.id).where(Statement.account_id == account.id)
                   .order_by(Statement.id)).first()
    booking.confirm(s, office_id, first, Suggestion(skip=True))
    last = s.exec(select(Statement).where(Statement.account_id == account.id)
                  .order_by(Statement.id.desc())).first()
    last.memo = "メモ"  # an edit: a row in the feed's change log
    s.add(last)
    s.commit()
    api_tokens.create(s, office_id, actor, name="会計ソフト", scopes=[Scope.STATEMENTS_READ])
    webhooks.create(s, app.extensions["token_cipher"], office_id, url="https://hooks.example.jp/t",
                    description="", events=webhooks.EVENTS, actor=actor, allow_private=True)
    webhooks.emit(s, office_id, "sync.failed", {"run_id": 1}, f"k-{office_id}", utcnow())
    invitations.invite(s, office_id, actor, f"guest-{office_id}@example.jp", Role.VIEWER,
                       timedelta(days=7))
    audit.record(s, office_id, actor, AuditAction.ACCOUNT_REMOVED, target="test")
    s.commit()
    return office_id, user.id


def _rows(s: Session, office_id: int) -> dict[str, int]:
    return {t.name: s.exec(select(func.count()).select_from(t).where(t.c.office_id == office_id)).one()
            for t in office_removal.office_tables()}


def test_an_office_goes_whole_and_the_other_stays_as_it_was(app):
    engine = app.extensions["db_engine"]
    with Session(engine, expire_on_commit=False) as s:
        gone, owner = _fill(app, s, "owner@example.jp", "消える商店")
        kept, _other = _fill(app, s, "other@example.jp", "残る商店")
        before_gone, before_kept = _rows(s, gone), _rows(s, kept)
        version = s.get(User, owner).session_version
    filled = sorted(t for t, n in before_gone.items() if n)
    assert len(filled) >= 20, filled  # the test reaches most of the schema
    assert set(before_gone) == {t.name for t in SQLModel.metadata.sorted_tables
                                if "office_id" in t.c}

    with Session(engine, expire_on_commit=False) as s:
        removal = office_removal.delete_office(s, app.extensions["token_cipher"],
                                               app.extensions["bank_registry"], gone)
    assert (removal.name, removal.accounts, removal.statements, removal.members) == ("消える商店", 1, 5, 1)
    assert removal.consents == ["0001"]
    with Session(engine) as s:
        assert _rows(s, gone) == dict.fromkeys(before_gone, 0)
        assert _rows(s, kept) == before_kept
        assert s.get(Office, gone) is None and s.get(Office, kept) is not None
        user = s.get(User, owner)
        assert user is not None and user.session_version == version + 1  # signed out, not deleted
        assert s.exec(select(AuditEvent).where(AuditEvent.office_id == kept)).first() is not None
        conn = s.exec(select(BankConnection).where(BankConnection.office_id == kept)).one()
        assert conn.state == ConnectionState.ACTIVE  # the other office's consent is untouched


def test_an_office_with_a_running_sync_is_not_deleted(app):
    engine = app.extensions["db_engine"]
    with Session(engine, expire_on_commit=False) as s:
        office_id, _owner = _fill(app, s, "owner@example.jp", "同期中商店")
        run = s.exec(select(SyncRun).where(SyncRun.office_id == office_id)).one()
        run.state = SyncState.RUNNING
        s.add(run)
        s.commit()
        before = _rows(s, office_id)
    with Session(engine, expire_on_commit=False) as s, pytest.raises(office_removal.OfficeBusy):
        office_removal.delete_office(s, app.extensions["token_cipher"],
                                     app.extensions["bank_registry"], office_id)
    with Session(engine) as s:
        assert _rows(s, office_id) == before
        conn = s.exec(select(BankConnection).where(BankConnection.office_id == office_id)).one()
        assert conn.state == ConnectionState.ACTIVE


def test_the_command_says_what_goes_asks_and_deletes(app):
    engine = app.extensions["db_engine"]
    with Session(engine, expire_on_commit=False) as s:
        gone, _owner = _fill(app, s, "owner@example.jp", "消える商店")
        kept, _other = _fill(app, s, "other@example.jp", "残る商店")
        before_kept = _rows(s, kept)
    runner = app.test_cli_runner()
    asked = runner.invoke(args=["offices", "delete", str(gone)], input="n\n")
    assert asked.exit_code == 1 and "「消える商店」: 1 accounts, 5 statements" in asked.output
    with Session(engine) as s:
        assert s.get(Office, gone) is not None  # said no: nothing went
    done = runner.invoke(args=["offices", "delete", str(gone)], input="y\n")
    assert done.exit_code == 0 and f"deleted office {gone}" in done.output
    unknown = runner.invoke(args=["offices", "delete", str(gone), "--yes"])
    assert unknown.exit_code == 1 and f"no office {gone}" in unknown.output
    with Session(engine) as s:
        assert s.get(Office, gone) is None and _rows(s, kept) == before_kept


def test_a_deleted_offices_consent_is_revoked_at_the_bank(live_portal, sandbox, db):
    """Against the sandbox bank over HTTP: the token the office held stops working there."""
    import httpx

    from portal.services.connections import access_token
    from tests.integration.lifetime_helpers import link_first
    from tests.support.flows import PortalUser
    from tests.support.html_forms import csrf_from

    user = PortalUser(live_portal).signup(office="山田商店")
    account_id, remote = link_first(user, sandbox, db)
    app = live_portal.app
    with db() as s:
        account = s.get(Account, account_id)
        bank = app.extensions["bank_registry"].get(account.bank_code)
        token = access_token(s, app.extensions["token_cipher"], bank,
                             s.get(BankConnection, account.connection_id))

    def bank_answer() -> int:
        return httpx.get(f"{bank.api_base}/personal/v1/accounts/balances",
                         params={"accountId": remote.remote_id},
                         headers={"x-access-token": token}, timeout=10).status_code

    assert bank_answer() == 200
    page = user.http.get("/office/delete").text
    assert "みずほ銀行" in page  # named as a consent that is ended
    done = user.http.post("/office/delete", data={"csrf_token": csrf_from(page), "name": "山田商店"})
    assert done.status_code == 303 and done.headers["Location"] == "/login/no-office"
    assert bank_answer() == 401
    with db() as s:
        assert s.get(Account, account_id) is None
