"""Each change the audit log covers writes its entry, naming the member who made it."""
import re

import pyotp
import pytest
from sqlmodel import select

from portal.models import AuditEvent
from portal.models.vocabulary import AuditAction
from portal.services import two_factor, users
from tests.support.html_forms import csrf_from
from tests.web.books_helpers import Books
from tests.web.csv_helpers import register

T0 = 1_800_000_000.0


def _events(db, action) -> list[AuditEvent]:
    with db() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _me(db):
    with db() as s:
        user = users.find(s, "owner@example.jp")
        return user.id, users.office_of(s, user.id)


def test_registering_and_removing_an_account(db, auth, client):
    auth.signup()
    user_id, office_id = _me(db)
    account_id = register(auth, name="仕入用")
    [linked] = _events(db, AuditAction.ACCOUNT_LINKED)
    assert (linked.office_id, linked.actor_id, linked.actor_email) == (office_id, user_id,
                                                                      "owner@example.jp")
    assert "仕入用" in linked.target and "みずほ" in linked.target
    assert auth.post(f"/accounts/{account_id}/delete").status_code == 303
    [removed] = _events(db, AuditAction.ACCOUNT_REMOVED)
    assert (removed.office_id, removed.actor_id) == (office_id, user_id)
    assert "仕入用" in removed.target  # kept although the account is gone


def test_a_statement_export(db, auth, client):
    auth.signup()
    account_id = register(auth, name="普通預金")
    assert client.get(f"/accounts/{account_id}/export?encoding=cp932").status_code == 200
    [event] = _events(db, AuditAction.STATEMENTS_EXPORTED)
    assert event.actor_email == "owner@example.jp" and event.target == "普通預金"
    assert "Shift_JIS" in event.detail


def test_a_journal_export_and_its_download_again(app, db, auth, client):
    books = Books(app, auth)
    books.may()
    resp = auth.post("/books/exports/download", {"date_from": "2024-05-01", "date_to": "2024-05-31",
                                                 "format_key": "yayoi", "accounts": books.accounts})
    assert resp.status_code == 200
    [event] = _events(db, AuditAction.JOURNAL_EXPORTED)
    assert event.actor_email == "owner@example.jp" and event.office_id == books.office_id
    assert event.target == "yayoi 2024-05-01..2024-05-31" and "entries: 3" in event.detail
    export_id = re.search(r"/books/exports/(\d+)/file", client.get("/books/exports").get_data(as_text=True))
    assert client.get(f"/books/exports/{export_id.group(1)}/file").status_code == 200
    assert [e.detail for e in _events(db, AuditAction.JOURNAL_EXPORTED)][-1].endswith("downloaded again")


def test_a_refused_journal_export_leaves_no_entry(app, db, auth, client):
    books = Books(app, auth)
    books.may()
    resp = auth.post("/books/exports/download", {"date_from": "2024-05-31", "date_to": "2024-05-01",
                                                 "format_key": "yayoi", "accounts": books.accounts})
    assert resp.status_code == 400
    assert _events(db, AuditAction.JOURNAL_EXPORTED) == []


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(two_factor, "_now", lambda: T0)


def test_the_two_factor_policy(db, auth, client, clock):
    auth.signup()
    user_id, office_id = _me(db)
    page = client.get("/account/two-factor").get_data(as_text=True)
    totp = pyotp.TOTP(re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1))
    client.post("/account/two-factor/confirm", data={"csrf_token": csrf_from(page), "code": totp.at(T0)})
    assert auth.post("/account/two-factor/office", {"required": "y"}).status_code == 303
    assert auth.post("/account/two-factor/office", {}).status_code == 303
    events = _events(db, AuditAction.TWO_FACTOR_POLICY)
    assert [(e.office_id, e.actor_id, e.detail) for e in events] == [
        (office_id, user_id, "on"), (office_id, user_id, "off")]
