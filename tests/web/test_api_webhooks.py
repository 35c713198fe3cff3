"""/api/v1/webhooks over the test client: a webhook made through the API gives its secret
once and is the same endpoint the Webhooks page lists, the URL and event rules answer as
problems, the scope webhooks:write is needed, another office's webhooks answer 404, removal,
the delivery log newest first, switching a webhook off and on, and sending a delivery again."""
import pytest
from sqlmodel import Session, select

from portal.api.scopes import Scope
from portal.dates import utcnow
from portal.models import AuditEvent
from portal.models.api import WebhookDelivery, WebhookEndpoint
from portal.models.vocabulary import AuditAction
from portal.services import webhooks
from tests.support.api_office import api_office, bearer, make_token
from tests.support.auth import Auth

PROBLEM = "application/problem+json"
URL = "https://hooks.example.com/tsunagu"


@pytest.fixture
def world(app, client):
    Auth(client).signup(email="a@example.jp", office="甲商店")
    Auth(app.test_client()).signup(email="b@example.jp", office="乙商店")
    engine = app.extensions["db_engine"]
    a, b = api_office(engine, "甲商店", rows=0), api_office(engine, "乙商店", rows=0)
    app.extensions["webhook_resolver"] = lambda host, port: ["93.184.215.14"]  # a public one
    token = make_token(engine, a.id, [Scope.WEBHOOKS_WRITE], name="会計連携")
    return engine, a, b, token


def _call(app, method, path, token, **kw):
    return app.test_client().open(path, method=method, headers=bearer(token), **kw)


def _create(app, token, url=URL, events=("sync.completed",), **extra):
    return _call(app, "POST", "/api/v1/webhooks", token,
                 json={"url": url, "events": list(events), **extra})


def _emit_runs(engine, office_id: int, runs=(1,)) -> None:
    """A sync.completed per run, as a finished sync emits it: one delivery per endpoint."""
    with Session(engine) as s:
        for run in runs:
            webhooks.emit(s, office_id, "sync.completed", {"run_id": run}, f"sync-run:{run}",
                          utcnow())
        s.commit()


def _problem(response, status):
    assert response.status_code == status, response.data
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["type"].endswith("/" + body["code"])
    assert body["title"] and body["detail"]
    return body


def test_create_gives_the_secret_once_and_the_page_lists_the_endpoint(app, world):
    engine, a, _b, token = world
    made = _create(app, token, events=("consent.expiring", "sync.completed"),
                   description="会計ソフト")
    assert made.status_code == 201, made.data
    assert made.headers["Cache-Control"] == "no-store"
    body = made.get_json()
    secret, hook = body["secret"], body["webhook"]
    assert secret.startswith("whsec_")
    assert hook["url"] == URL and hook["description"] == "会計ソフト"
    assert hook["events"] == ["sync.completed", "consent.expiring"]
    assert hook["enabled"] is True and hook["disabled_reason"] is None
    assert hook["failure_streak"] == 0 and hook["created_at"].endswith("Z")
    with Session(engine) as s:
        [row] = webhooks.listing(s, a.id)  # what the Webhooks page shows
        assert row.id == hook["id"] and row.url == URL
        assert webhooks.secret_of(app.extensions["token_cipher"], row) == secret
        assert secret.encode() not in row.secret_enc
        [event] = s.exec(select(AuditEvent).where(
            AuditEvent.action == AuditAction.WEBHOOK_CREATED)).all()
        assert event.office_id == a.id and event.target == URL
        assert event.actor_id is None and event.actor_email == "API token 会計連携"
    listed = _call(app, "GET", "/api/v1/webhooks", token)
    assert listed.status_code == 200
    assert listed.get_json() == {"webhooks": [hook]}
    assert secret not in listed.get_data(as_text=True)


@pytest.mark.parametrize("url, code", [
    ("http://hooks.example.com/x", "https-required"),
    ("ftp://hooks.example.com/x", "bad-url"),
    ("https://127.0.0.1/x", "private-target"),
    ("https://169.254.169.254/latest", "private-target"),
    ("https://[::1]/x", "private-target"),
    ("https://localhost:8443/x", "private-target"),
])
def test_a_url_not_https_or_pointing_inside_is_a_problem(app, world, url, code):
    engine, a, _b, token = world
    assert _problem(_create(app, token, url=url), 400)["code"] == code
    with Session(engine) as s:
        assert webhooks.listing(s, a.id) == []


def test_a_name_resolving_to_a_private_address_is_refused(app, world):
    _e, _a, _b, token = world
    app.extensions["webhook_resolver"] = lambda host, port: ["192.168.1.20"]
    assert _problem(_create(app, token), 400)["code"] == "private-target"


def test_private_targets_when_the_administrator_allows_them(app, world):
    _e, _a, _b, token = world
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert _create(app, token, url="http://127.0.0.1:8000/hook").status_code == 201


@pytest.mark.parametrize("events, code", [((), "no-events"),
                                          (("statements.deleted",), "bad-event")])
def test_events_must_be_chosen_among_the_known_ones(app, world, events, code):
    _e, _a, _b, token = world
    assert _problem(_create(app, token, events=events), 400)["code"] == code


def test_a_body_that_is_not_the_schema_is_an_invalid_request(app, world):
    _e, _a, _b, token = world
    answer = _call(app, "POST", "/api/v1/webhooks", token, json={"events": ["sync.completed"]})
    body = _problem(answer, 400)
    assert body["code"] == "invalid-request" and body["errors"]


def test_webhooks_write_is_needed(app, world):
    engine, a, _b, _token = world
    reader = make_token(engine, a.id, [Scope.ACCOUNTS_READ, Scope.STATEMENTS_READ,
                                       Scope.SYNC_WRITE])
    for method, path in [("GET", "/api/v1/webhooks"), ("POST", "/api/v1/webhooks"),
                         ("DELETE", "/api/v1/webhooks/1"),
                         ("GET", "/api/v1/webhooks/1/deliveries"),
                         ("PATCH", "/api/v1/webhooks/1"),
                         ("POST", "/api/v1/webhooks/1/deliveries/1/redeliver")]:
        body = _problem(_call(app, method, path, reader, json={}), 403)
        assert body["code"] == "insufficient-scope" and body["scope"] == "webhooks:write"
    with Session(engine) as s:
        assert webhooks.listing(s, a.id) == []


def test_another_offices_webhook_is_not_found(app, world):
    engine, a, b, token = world
    theirs = make_token(engine, b.id, [Scope.WEBHOOKS_WRITE])
    hook = _create(app, theirs).get_json()["webhook"]["id"]
    assert _call(app, "GET", "/api/v1/webhooks", token).get_json() == {"webhooks": []}
    for method, path in [("DELETE", f"/api/v1/webhooks/{hook}"),
                         ("GET", f"/api/v1/webhooks/{hook}/deliveries"),
                         ("DELETE", "/api/v1/webhooks/999999"),
                         ("DELETE", "/api/v1/webhooks/-1")]:
        assert _problem(_call(app, method, path, token), 404)["code"] == "not-found"
    with Session(engine) as s:
        assert [w.id for w in webhooks.listing(s, b.id)] == [hook]


def test_delete_removes_the_endpoint_and_its_log(app, world):
    engine, a, _b, token = world
    hook = _create(app, token).get_json()["webhook"]["id"]
    _emit_runs(engine, a.id)
    gone = _call(app, "DELETE", f"/api/v1/webhooks/{hook}", token)
    assert gone.status_code == 204 and gone.data == b""
    with Session(engine) as s:
        assert s.get(WebhookEndpoint, hook) is None
        assert s.exec(select(WebhookDelivery)).all() == []
        [event] = s.exec(select(AuditEvent).where(
            AuditEvent.action == AuditAction.WEBHOOK_DELETED)).all()
        assert event.actor_email == "API token 会計連携" and event.target == URL
    assert _problem(_call(app, "DELETE", f"/api/v1/webhooks/{hook}", token), 404)


def test_deliveries_newest_first_with_a_limit(app, world):
    engine, a, _b, token = world
    hook = _create(app, token, events=webhooks.EVENTS).get_json()["webhook"]["id"]
    _emit_runs(engine, a.id, range(3))
    body = _call(app, "GET", f"/api/v1/webhooks/{hook}/deliveries", token).get_json()
    rows = body["deliveries"]
    assert len(rows) == 3 and [r["id"] for r in rows] == sorted((r["id"] for r in rows),
                                                                 reverse=True)
    first = rows[-1]
    assert first["event_type"] == "sync.completed"
    assert first["event_id"] == webhooks.event_id(a.id, "sync-run:0")
    assert first["state"] == "pending" and first["attempts"] == 0
    assert first["last_status"] is None and first["delivered_at"] is None
    assert set(first) == {"id", "event_type", "event_id", "state", "attempts", "last_status",
                          "response_ms", "last_error", "created_at", "delivered_at"}
    limited = _call(app, "GET", f"/api/v1/webhooks/{hook}/deliveries", token,
                    query_string={"limit": 1}).get_json()["deliveries"]
    assert [r["id"] for r in limited] == [rows[0]["id"]]
    bad = _call(app, "GET", f"/api/v1/webhooks/{hook}/deliveries", token,
                query_string={"limit": 0})
    assert _problem(bad, 400)["code"] == "invalid-request"


def test_the_document_describes_the_webhook_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/api/v1/webhooks"]["post"]
    assert post["x-scopes"] == ["webhooks:write"]
    assert "201" in post["responses"] and PROBLEM in post["responses"]["400"]["content"]
    assert "204" in doc["paths"]["/api/v1/webhooks/{webhook_id}"]["delete"]["responses"]
    assert "/api/v1/webhooks/{webhook_id}/deliveries" in doc["paths"]


def test_switch_off_and_on_as_the_page_does(app, world):
    engine, a, b, token = world
    hook = _create(app, token).get_json()["webhook"]["id"]
    with Session(engine) as s:
        row = s.get(WebhookEndpoint, hook)
        row.failure_streak = 3
        s.commit()
    off = _call(app, "PATCH", f"/api/v1/webhooks/{hook}", token, json={"enabled": False})
    assert off.status_code == 200, off.data
    assert off.get_json()["enabled"] is False and off.get_json()["disabled_reason"] == "member"
    with Session(engine) as s:  # the Webhooks page shows the same endpoint off
        assert [(w.id, w.enabled) for w in webhooks.listing(s, a.id)] == [(hook, False)]
    on = _call(app, "PATCH", f"/api/v1/webhooks/{hook}", token, json={"enabled": True}).get_json()
    assert on["enabled"] is True and on["disabled_reason"] is None and on["failure_streak"] == 0
    bad = _call(app, "PATCH", f"/api/v1/webhooks/{hook}", token, json={"enabled": "maybe"})
    assert _problem(bad, 400)["code"] == "invalid-request"
    theirs = _create(app, make_token(engine, b.id, [Scope.WEBHOOKS_WRITE])).get_json()["webhook"]["id"]
    answer = _call(app, "PATCH", f"/api/v1/webhooks/{theirs}", token, json={"enabled": False})
    assert _problem(answer, 404)["code"] == "not-found"
    with Session(engine) as s:
        assert s.get(WebhookEndpoint, theirs).enabled is True  # another office's: untouched


def test_redeliver_sends_a_past_delivery_again(app, world):
    engine, a, b, token = world
    hook = _create(app, token).get_json()["webhook"]["id"]
    _emit_runs(engine, a.id)
    with Session(engine) as s:
        delivery = s.exec(select(WebhookDelivery)).one()
        delivery.state, delivery.attempts, delivery.last_status = "failed", 8, 500
        s.commit()
        delivery_id = delivery.id
    path = f"/api/v1/webhooks/{hook}/deliveries/{delivery_id}/redeliver"
    again = _call(app, "POST", path, token)
    assert again.status_code == 202, again.data
    body = again.get_json()
    assert body["id"] == delivery_id and body["state"] == "pending" and body["attempts"] == 0
    with Session(engine) as s:
        row = s.get(WebhookDelivery, delivery_id)
        assert row.state == "pending" and row.next_attempt_at <= utcnow()
        row.state = "sending"
        s.commit()
    assert _problem(_call(app, "POST", path, token), 409)["code"] == "delivery-in-progress"
    _call(app, "PATCH", f"/api/v1/webhooks/{hook}", token, json={"enabled": False})
    with Session(engine) as s:
        s.get(WebhookDelivery, delivery_id).state = "failed"
        s.commit()
    assert _problem(_call(app, "POST", path, token), 409)["code"] == "webhook-disabled"
    for wrong in (f"/api/v1/webhooks/{hook}/deliveries/999999/redeliver",
                  f"/api/v1/webhooks/{hook}/deliveries/-1/redeliver"):
        assert _problem(_call(app, "POST", wrong, token), 404)["code"] == "not-found"
    # Another office's token cannot reach this delivery, through its webhook or its own.
    other = make_token(engine, b.id, [Scope.WEBHOOKS_WRITE])
    theirs = _create(app, other).get_json()["webhook"]["id"]
    assert _problem(_call(app, "POST", path, other), 404)["code"] == "not-found"
    answer = _call(app, "POST", f"/api/v1/webhooks/{theirs}/deliveries/{delivery_id}/redeliver", other)
    assert _problem(answer, 404)["code"] == "not-found"
