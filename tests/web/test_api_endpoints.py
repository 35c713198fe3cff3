"""/api/v1 over the test client: each endpoint's JSON, tokens and scopes, problem details,
the rate limit, and isolation between offices (also through /statements/sync)."""
import pytest
from sqlmodel import Session, select

from portal.api.scopes import Scope
from portal.dates import utcnow
from portal.models import ApiToken
from portal.models.vocabulary import SyncMethod
from tests.support.api_office import api_office, bearer, make_token
from tests.support.auth import Auth

PROBLEM = "application/problem+json"


@pytest.fixture
def world(app, client):
    auth = Auth(client)
    auth.signup(email="a@example.jp", office="甲商店")
    Auth(app.test_client()).signup(email="b@example.jp", office="乙商店")
    engine = app.extensions["db_engine"]
    a, b = api_office(engine, "甲商店"), api_office(engine, "乙商店")
    return engine, a, b, make_token(engine, a.id), auth


def _get(app, path, token, **kw):
    return app.test_client().get(path, headers=bearer(token), **kw)


def _problem(response, status):
    assert response.status_code == status, response.data
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body


def test_accounts_list_balance_and_consent(app, world):
    _e, a, _b, token, _auth = world
    body = _get(app, "/api/v1/accounts", token).get_json()
    by_id = {x["id"]: x for x in body["accounts"]}
    assert set(by_id) == {a.api_account, a.manual_account}
    linked = by_id[a.api_account]
    assert linked["balance"] == 1000 and linked["bank_name"] and linked["sync_method"] == "api"
    assert linked["consent"] == {"state": "active", "expires_at": "2030-01-01T00:00:00Z"}
    assert by_id[a.manual_account]["consent"] == {"state": "none", "expires_at": None}
    one = _get(app, f"/api/v1/accounts/{a.api_account}", token).get_json()
    assert one == linked


def test_statements_keyset_pages_and_range(app, world):
    _e, a, _b, token, _auth = world
    seen, after = [], None
    while True:
        query = {"limit": 2, **({"after": after} if after else {})}
        body = _get(app, f"/api/v1/accounts/{a.manual_account}/statements", token,
                    query_string=query).get_json()
        seen += [s["id"] for s in body["statements"]]
        after = body["next"]
        if after is None:
            break
    assert seen == list(reversed(a.statements))  # newest first, each once
    ranged = _get(app, f"/api/v1/accounts/{a.manual_account}/statements", token,
                  query_string={"from": "2024-04-02", "to": "2024-04-03"}).get_json()
    assert [s["transaction_date"] for s in ranged["statements"]] == ["2024-04-03", "2024-04-02"]
    first = ranged["statements"][0]
    assert first["amount"] == -300 and first["booked"] is False and first["source"] == "manual"
    bad = _get(app, f"/api/v1/accounts/{a.manual_account}/statements", token,
               query_string={"after": "nonsense!"})
    assert _problem(bad, 400)["code"] == "bad-cursor"
    invalid = _get(app, f"/api/v1/accounts/{a.manual_account}/statements", token,
                   query_string={"limit": 501})
    assert _problem(invalid, 400)["errors"][0]["loc"] == ["limit"]


def test_sync_feed_pages_to_the_end_and_rejects_foreign_cursors(app, world):
    _e, a, _b, token, _auth = world
    added, cursor = [], None
    for _ in range(10):
        body = _get(app, "/api/v1/statements/sync", token,
                    query_string={"count": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        added += [s["id"] for s in body["added"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert added == a.statements
    again = _get(app, "/api/v1/statements/sync", token, query_string={"cursor": cursor}).get_json()
    assert again["added"] == again["modified"] == again["removed"] == []
    assert again["next_cursor"] == cursor
    assert _problem(_get(app, "/api/v1/statements/sync", token,
                         query_string={"cursor": "x"}), 400)["code"] == "bad-cursor"


def test_a_token_sees_only_its_office(app, world):
    _e, a, b, token, _auth = world
    for path in (f"/api/v1/accounts/{b.api_account}", f"/api/v1/accounts/{b.manual_account}/statements"):
        assert _problem(_get(app, path, token), 404)["code"] == "not-found"
    assert _problem(app.test_client().post(f"/api/v1/accounts/{b.api_account}/sync",
                                           headers=bearer(token)), 404)
    listed = {x["id"] for x in _get(app, "/api/v1/accounts", token).get_json()["accounts"]}
    assert listed.isdisjoint({b.api_account, b.manual_account})
    feed = _get(app, "/api/v1/statements/sync", token, query_string={"count": 500}).get_json()
    assert {s["account_id"] for s in feed["added"]} == {a.manual_account}
    other = make_token(app.extensions["db_engine"], b.id)
    run = app.test_client().post(f"/api/v1/accounts/{b.api_account}/sync", headers=bearer(other))
    assert run.status_code == 202
    run_id = run.get_json()["run"]["id"]
    assert _problem(_get(app, f"/api/v1/sync-runs/{run_id}", token), 404)
    assert _get(app, f"/api/v1/sync-runs/{run_id}", other).get_json()["run"]["state"] == "queued"


def test_request_sync_one_run_at_a_time_and_refusal(app, world):
    _e, a, _b, token, _auth = world
    client = app.test_client()
    first = client.post(f"/api/v1/accounts/{a.api_account}/sync", headers=bearer(token))
    second = client.post(f"/api/v1/accounts/{a.api_account}/sync", headers=bearer(token))
    assert first.status_code == second.status_code == 202
    assert first.get_json()["run"]["id"] == second.get_json()["run"]["id"]
    refused = client.post(f"/api/v1/accounts/{a.manual_account}/sync", headers=bearer(token))
    assert _problem(refused, 409)["code"] == "not-linked"


def test_missing_bad_expired_and_revoked_tokens_get_401(app, world):
    engine, a, _b, token, auth = world
    expired = make_token(engine, a.id, expires_at=utcnow().replace(year=2020))
    revoked = make_token(engine, a.id, name="revoked")
    with Session(engine) as s:
        row = s.exec(select(ApiToken).where(ApiToken.name == "revoked")).one()
        row.revoked_at = utcnow()
        s.commit()
    client = app.test_client()
    for headers in ({}, bearer("tsu_nothing"), bearer(expired), bearer(revoked),
                    {"Authorization": f"Basic {token}"}):
        answer = client.get("/api/v1/accounts", headers=headers)
        _problem(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    # The signed-in owner's session cookie alone is no way in.
    assert auth.client.get("/").status_code == 200
    _problem(auth.client.get("/api/v1/accounts"), 401)


def test_scopes_are_checked_per_endpoint(app, world):
    engine, a, _b, _token, _auth = world
    statements_only = make_token(engine, a.id, [Scope.STATEMENTS_READ])
    body = _problem(_get(app, "/api/v1/accounts", statements_only), 403)
    assert body["code"] == "insufficient-scope" and body["scope"] == "accounts:read"
    assert _get(app, "/api/v1/statements/sync", statements_only).status_code == 200
    sync_only = make_token(engine, a.id, [Scope.SYNC_WRITE])
    _problem(app.test_client().post(f"/api/v1/accounts/{a.api_account}/sync",
                                    headers=bearer(statements_only)), 403)
    run = app.test_client().post(f"/api/v1/accounts/{a.api_account}/sync", headers=bearer(sync_only))
    assert _get(app, f"/api/v1/sync-runs/{run.get_json()['run']['id']}", sync_only).status_code == 200


def test_rate_limit_answers_429_with_retry_after(app, world):
    engine, a, _b, token, _auth = world
    app.config["API_RATE_LIMIT"] = "3 per minute"
    answers = [_get(app, "/api/v1/accounts", token) for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    _problem(answers[3], 429)
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert _get(app, "/api/v1/accounts", make_token(engine, a.id)).status_code == 200  # per token


def test_last_used_is_written_at_most_once_a_minute(app, world):
    engine, _a, _b, token, _auth = world
    _get(app, "/api/v1/accounts", token)
    with Session(engine) as s:
        first = s.exec(select(ApiToken).where(ApiToken.name == "テスト")).first().last_used_at
    _get(app, "/api/v1/accounts", token)
    with Session(engine) as s:
        assert s.exec(select(ApiToken).where(ApiToken.name == "テスト")).first().last_used_at == first
    assert first is not None


def test_openapi_and_docs_need_no_token(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    sync = doc["paths"]["/api/v1/statements/sync"]["get"]
    assert sync["x-scopes"] == ["statements:read"]
    assert PROBLEM in sync["responses"]["400"]["content"]
    assert "Retry-After" in sync["responses"]["429"]["headers"]
    page = client.get("/api/v1/docs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/statements/sync" in text and "curl" in text
    assert "<script" not in text.split("<main", 1)[-1]


def test_every_api_endpoint_is_in_the_scope_table(app):
    from portal.api.scopes import NEEDS
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert endpoints == set(NEEDS)


def test_the_schema_names_every_stored_sync_method():
    from typing import get_args

    from portal.api.schemas import Account
    assert {m.value for m in SyncMethod} == set(get_args(Account.model_fields["sync_method"].annotation))
