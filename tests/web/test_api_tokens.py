"""The API tokens page: made by owners and admins, shown once, kept hashed, revoked after a
confirmation; bookkeepers and viewers are refused."""
import hashlib
import re

import pytest
from sqlmodel import Session, select

from portal.models import ApiToken, AuditEvent
from portal.models.vocabulary import AuditAction
from tests.support.auth import Auth
from tests.support.team import join_as

TOKEN_RE = re.compile(r'value="(tsu_[A-Za-z0-9_\-]+)"')


def _create(auth: Auth, **data):
    form = {"csrf_token": auth.token("/office/api-tokens"), "name": "会計ソフト",
            "scopes": ["accounts:read", "statements:read"], **data}
    return auth.client.post("/office/api-tokens", data=form)


def test_token_is_shown_once_stored_hashed_and_works(app, client):
    owner = Auth(client)
    owner.signup()
    created = _create(owner, expires_on="2099-12-31")
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    token = TOKEN_RE.search(created.get_data(as_text=True)).group(1)
    listing = client.get("/office/api-tokens").get_data(as_text=True)
    assert token not in listing and token[:12] in listing and "会計ソフト" in listing
    with Session(app.extensions["db_engine"]) as s:
        row = s.exec(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.prefix + row.scopes + row.name)
        assert row.scopes == "accounts:read statements:read" and row.expires_at is not None
        assert s.exec(select(AuditEvent).where(
            AuditEvent.action == AuditAction.API_TOKEN_CREATED)).first() is not None
    api = app.test_client()
    assert api.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_form_refuses_no_scope_and_a_past_day(client):
    owner = Auth(client)
    owner.signup()
    assert _create(owner, scopes=[]).status_code == 400
    assert _create(owner, expires_on="2001-01-01").status_code == 400
    assert _create(owner, name="").status_code == 400


def test_revoke_asks_first_then_the_token_stops_working(app, client):
    owner = Auth(client)
    owner.signup()
    token = TOKEN_RE.search(_create(owner).get_data(as_text=True)).group(1)
    with Session(app.extensions["db_engine"]) as s:
        token_id = s.exec(select(ApiToken)).one().id
    path = f"/office/api-tokens/{token_id}/revoke"
    confirm = client.get(path)
    assert confirm.status_code == 200 and "無効にする" in confirm.get_data(as_text=True)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/accounts", headers=headers).status_code == 200
    done = owner.post(path, data={"csrf_token": owner.token(path)})
    assert done.status_code == 303
    assert api.get("/api/v1/accounts", headers=headers).status_code == 401
    with Session(app.extensions["db_engine"]) as s:
        assert s.get(ApiToken, token_id).revoked_at is not None
        assert s.exec(select(AuditEvent).where(
            AuditEvent.action == AuditAction.API_TOKEN_REVOKED)).first() is not None


def test_another_offices_token_cannot_be_revoked(app, client):
    owner = Auth(client)
    owner.signup()
    _create(owner)
    with Session(app.extensions["db_engine"]) as s:
        token_id = s.exec(select(ApiToken)).one().id
    other = Auth(app.test_client())
    other.signup(email="other@example.jp", office="別商店")
    assert other.client.get(f"/office/api-tokens/{token_id}/revoke").status_code == 404
    path = f"/office/api-tokens/{token_id}/revoke"
    assert other.post(path, data={"csrf_token": other.token("/office/api-tokens")}).status_code == 404


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("bookkeeper", 403), ("viewer", 403)])
def test_roles(app, client, role, status):
    owner = Auth(client)
    owner.signup()
    member = join_as(app, owner, f"{role}@example.jp", role)
    assert member.client.get("/office/api-tokens").status_code == status
    answer = member.client.post("/office/api-tokens", data={
        "csrf_token": member.token("/"), "name": "x", "scopes": ["accounts:read"]})
    assert answer.status_code == (201 if status == 200 else 403)
