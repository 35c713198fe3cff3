"""[今すぐ同期] where there is nothing to sync with: refused with a reason the row shows.

htmx requests get the row with the message and 409 (base.html's htmx config swaps it in);
a plain form post gets the message as a flash on home.
"""
import pytest
from sqlmodel import select

from portal.models import Account, BankConnection, SyncRun
from portal.models.vocabulary import ConnectionState
from tests.web.csv_helpers import register, text

NOT_LINKED = "この口座は銀行と連携していません。"
HTMX = {"HX-Request": "true", "HX-Target": "account-1"}


def _linked(auth, db, state=ConnectionState.ACTIVE) -> int:
    account_id = register(auth, kind="api:personal", name="本店 普通")
    with db() as s:  # as if the consent at the bank had succeeded (and maybe ended since)
        account = s.get(Account, account_id)
        conn = BankConnection(office_id=account.office_id, bank_code="0001", state=state,
                              state_reason="disconnected" if state == ConnectionState.REVOKED else None)
        s.add(conn)
        s.flush()
        account.connection_id = conn.id
        s.commit()
    return account_id


def _runs(db, account_id) -> list[SyncRun]:
    with db() as s:
        return s.exec(select(SyncRun).where(SyncRun.account_id == account_id)).all()


@pytest.mark.parametrize("state", [ConnectionState.REVOKED, ConnectionState.REAUTH_REQUIRED])
def test_an_ended_consent_is_refused_with_the_row_and_its_reason(auth, db, state):
    auth.signup()
    account_id = _linked(auth, db, state)
    resp = auth.post(f"/accounts/{account_id}/sync", headers=HTMX)
    assert resp.status_code == 409
    body = text(resp)
    assert body.lstrip().startswith("<article") and f'id="account-{account_id}"' in body
    assert f'role="alert">{NOT_LINKED}</p>' in body
    assert f"/accounts/{account_id}/connect" in body  # the way out: consent again
    assert _runs(db, account_id) == []


def test_without_htmx_the_refusal_is_a_flash_on_home(auth, db):
    auth.signup()
    account_id = _linked(auth, db, ConnectionState.REVOKED)
    resp = auth.post(f"/accounts/{account_id}/sync")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert NOT_LINKED in text(auth.client.get("/"))
    assert _runs(db, account_id) == []


def test_an_account_never_linked_is_refused_too(auth, db):
    auth.signup()
    account_id = register(auth, kind="api:personal", name="未連携")
    resp = auth.post(f"/accounts/{account_id}/sync", headers=HTMX)
    assert resp.status_code == 409 and NOT_LINKED in text(resp)


def test_a_working_consent_still_syncs(auth, db):
    auth.signup()
    account_id = _linked(auth, db)
    resp = auth.post(f"/accounts/{account_id}/sync", headers=HTMX)
    assert resp.status_code == 200 and NOT_LINKED not in text(resp)
    assert len(_runs(db, account_id)) == 1
