"""Every route and partial: 404 for another office's ids, login for anonymous users."""
from datetime import date

import pytest
from sqlmodel import Session

from portal.models import Account, Statement, StatementImport
from tests.support.auth import Auth

# {sid}: a manual statement of the account; {iid}: one of its imports.
GETS = ["/accounts/{id}/registered", "/accounts/{id}/connect", "/accounts/{id}/status",
        "/accounts/{id}/select", "/accounts/{id}/statements", "/accounts/{id}/statements/new",
        "/accounts/{id}/settings", "/accounts/{id}/settings/logins", "/accounts/{id}/troubleshooting",
        "/accounts/{id}/log", "/accounts/{id}/statements/{sid}/edit",
        "/accounts/{id}/statements/{sid}/delete", "/accounts/{id}/statements/{sid}/memo",
        "/accounts/{id}/imports", "/accounts/{id}/imports/{iid}/undo", "/accounts/{id}/delete"]
POSTS = ["/accounts/{id}/sync", "/accounts/{id}/select", "/accounts/{id}/connect",
         "/accounts/{id}/statements/new", "/accounts/{id}/settings", "/accounts/{id}/settings/login",
         "/accounts/{id}/troubleshooting", "/accounts/{id}/disconnect",
         "/accounts/{id}/statements/{sid}/edit", "/accounts/{id}/statements/{sid}/delete",
         "/accounts/{id}/statements/{sid}/memo", "/accounts/{id}/imports/{iid}/undo",
         "/accounts/{id}/delete"]


@pytest.fixture
def foreign_account(app):
    """An account of another office (with a manual statement and an import), and a client
    logged in as a different office. Paths come back formatted with its ids."""
    owner = Auth(app.test_client())
    owner.signup(email="a@example.jp", office="A商店")
    resp = owner.post("/accounts/new/0001", {"kind": "api:personal", "name": "A の口座"})
    account_id = int(resp.headers["Location"].split("/")[2])
    with Session(app.extensions["db_engine"]) as s:
        account = s.get(Account, account_id)
        batch = StatementImport(office_id=account.office_id, account_id=account_id, added=1)
        s.add(batch)
        s.flush()
        statement = Statement(office_id=account.office_id, account_id=account_id, amount=-1,
                              transaction_date=date(2024, 4, 1), source="manual",
                              dedupe_key="manual:1", import_id=batch.id)
        s.add(statement)
        s.commit()
        ids = {"id": account_id, "sid": statement.id, "iid": batch.id}
    other = Auth(app.test_client())
    other.signup(email="b@example.jp", office="B商店")
    return ids, owner, other


@pytest.mark.parametrize("path", GETS)
def test_get_of_another_office_is_404(foreign_account, path):
    ids, owner, other = foreign_account
    assert owner.client.get(path.format(**ids)).status_code in (200, 303)
    assert other.client.get(path.format(**ids)).status_code == 404
    htmx = other.client.get(path.format(**ids), headers={"HX-Request": "true"})
    assert htmx.status_code == 404


@pytest.mark.parametrize("path", POSTS)
def test_post_to_another_office_is_404(foreign_account, path):
    ids, owner, other = foreign_account
    resp = other.post(path.format(**ids), {"remote_account": "1", "kind": "x"})
    assert resp.status_code == 404
    # Nothing of the account changed: it is still there, with its statement.
    assert owner.client.get("/accounts/{id}/statements/{sid}/edit".format(**ids)).status_code == 200


def test_foreign_account_not_listed(foreign_account):
    _ids, _owner, other = foreign_account
    assert "A の口座" not in other.client.get("/").get_data(as_text=True)
    assert "A の口座" not in other.client.get("/accounts/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/accounts/", "/accounts/new", "/accounts/new/0001", "/reauth/"]
                         + [p.format(id=1, sid=1, iid=1) for p in GETS])
def test_anonymous_is_sent_to_login(client, path):
    resp = client.get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    htmx = client.get(path, headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert "/login" in htmx.headers["HX-Redirect"]


def test_unknown_ids_are_404(auth, client):
    auth.signup()
    assert client.get("/accounts/999/statements").status_code == 404
    assert client.get("/accounts/new/9999").status_code == 404
