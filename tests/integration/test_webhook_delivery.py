"""Webhooks delivered for real: a local HTTP receiver gets a signed sync.completed after a
sync against the sandbox bank; a failing receiver gets retries on the schedule (the queue's
clock is moved on, no sleeping), then the delivery fails and enough failures in a row switch
the endpoint off and mail the owners and admins; redelivery; targets that resolve to a
private address are refused at delivery time; two processes send each delivery once."""
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select
from standardwebhooks import Webhook

from portal import create_app
from portal.dates import utcnow
from portal.models import Notice
from portal.models.api import WebhookDelivery, WebhookEndpoint
from portal.models.vocabulary import DeliveryState, NoticeKind
from portal.notice_mail import deliver_due as send_notices
from portal.services import webhooks
from portal.services.audit import SYSTEM
from portal.webhook_delivery import deliver_due
from tests.integration.test_consent_expiry import link
from tests.support import postgres
from tests.support.flows import PortalUser, wait_for
from tests.support.notice_office import MANAGERS, make_office
from tests.support.portal_config import portal_config


class Receiver:
    """An HTTP server on 127.0.0.1 answering `status`, keeping what it got."""

    def __init__(self, status: int = 204):
        self.status, self.got = status, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), body.decode()))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, event_type=None) -> list[dict]:
        out = [json.loads(body) for _, body in self.got]
        return [e for e in out if event_type is None or e["type"] == event_type]

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


def _lower(headers: dict) -> dict:
    return {k.lower(): v for k, v in headers.items()}


@pytest.mark.portal_config(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_CHECK_SECONDS=0.2)
def test_a_sync_sends_a_signed_sync_completed(live_portal, sandbox, db, receiver):
    user = PortalUser(live_portal).signup()
    page = user.post("/office/webhooks", {"url": receiver.url, "events": ["sync.completed",
                                                                          "statements.added"]})
    assert page.status_code == 200, page.text
    secret = page.text.split('id="webhook-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    account_id = link(user, sandbox, db)

    wait_for(lambda: receiver.events("sync.completed"), message="sync.completed at the receiver")
    headers, body = next((h, b) for h, b in receiver.got if '"sync.completed"' in b)
    event = Webhook(secret).verify(body, _lower(headers))  # raises when the signature is wrong
    assert event["data"]["account_id"] == account_id and event["data"]["run_id"]
    with pytest.raises(Exception):
        Webhook(webhooks.new_secret()).verify(body, _lower(headers))
    added = wait_for(lambda: receiver.events("statements.added"), message="statements.added")
    assert added[0]["data"]["added"] > 0
    assert "amount" not in body and "description" not in body
    with db() as s:
        delivered = s.exec(select(WebhookDelivery).where(
            WebhookDelivery.event_type == "sync.completed")).one()
        assert delivered.state == DeliveryState.DELIVERED and delivered.last_status == 204
        assert delivered.response_ms is not None and delivered.attempts == 1
    log = user.http.get(f"/office/webhooks/{delivered.endpoint_id}").text
    assert "sync.completed" in log and "204" in log


def _app(tmp_path, mailbox, **overrides):
    return create_app(portal_config(tmp_path, WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_DISABLE_AFTER=2,
                                    PUBLIC_URL="https://tsunagu.example.jp", **mailbox.settings(),
                                    **overrides),
                      instance_path=str(tmp_path / "instance"))


@pytest.fixture
def app(tmp_path, mailbox):
    app = _app(tmp_path, mailbox)
    yield app
    app.extensions["db_engine"].dispose()


def _endpoint(app, db, url, events=webhooks.EVENTS):
    with db() as s:
        office = make_office(s)
        endpoint, secret = webhooks.create(s, app.extensions["token_cipher"], office.office_id,
                                           url=url, description="", events=events, actor=SYSTEM,
                                           allow_private=True)
        return office, endpoint.id, secret


def _emit(db, office_id, key, now):
    with db() as s:
        added = webhooks.emit(s, office_id, "sync.failed", {"run_id": 1}, key, now)
        s.commit()
        return added


def _delivery(db) -> WebhookDelivery:
    with db() as s:
        return s.exec(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first()


def test_a_failing_receiver_gets_retries_then_the_endpoint_is_disabled_and_managers_mailed(
        app, db, receiver, mailbox):
    receiver.status = 500
    office, endpoint_id, secret = _endpoint(app, db, receiver.url)
    now = utcnow()
    for n in (1, 2):
        assert _emit(db, office.office_id, f"event-{n}", now) == 1
        assert _emit(db, office.office_id, f"event-{n}", now) == 0  # the same event: once
        clock, sent = now, 0
        for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
            assert deliver_due(app, now=clock) == 0
            sent += 1
            d = _delivery(db)
            assert (d.attempts, d.last_status, d.last_error) == (attempt, 500, "HTTP 500")
            if attempt < webhooks.MAX_ATTEMPTS:
                assert d.state == DeliveryState.PENDING
                assert d.next_attempt_at.replace(tzinfo=None) == (
                    clock + webhooks.RETRY_DELAYS[attempt - 1]).replace(tzinfo=None)
                assert deliver_due(app, now=clock) == 0  # not due yet: nothing is sent
                clock = clock + webhooks.RETRY_DELAYS[attempt - 1]
        assert d.state == DeliveryState.FAILED
        now = clock
    # Every attempt reached the receiver with the same webhook-id for one event.
    ids = [_lower(h)["webhook-id"] for h, _ in receiver.got]
    assert len(ids) == 2 * webhooks.MAX_ATTEMPTS and len(set(ids)) == 2
    assert clock - utcnow() > timedelta(hours=40)  # two events, each retried for over a day
    with db() as s:
        endpoint = s.get(WebhookEndpoint, endpoint_id)
        assert (endpoint.enabled, endpoint.disabled_reason, endpoint.failure_streak) == (
            False, webhooks.DISABLED_BY_FAILURES, 2)
        assert {n.kind for n in s.exec(select(Notice))} == {NoticeKind.WEBHOOK_DISABLED}
    # Nothing more goes to a disabled endpoint; the owners and admins are mailed.
    assert _emit(db, office.office_id, "event-3", now) == 0
    assert send_notices(app) == len(MANAGERS)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(MANAGERS)
    mail = mailbox.to("owner@example.jp")[0]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Webhook" in mail["Subject"] and receiver.url in text
    assert f"https://tsunagu.example.jp/office/webhooks/{endpoint_id}" in text

    # Switched on again and the receiver fixed: a redelivery reaches it with the same id.
    receiver.status = 200
    with db() as s:
        webhooks.set_enabled(s, office.office_id, endpoint_id, True)
        first = s.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
        first_id, first_event = first.id, first.event_id
        webhooks.redeliver(s, office.office_id, endpoint_id, first_id, now)
    assert deliver_due(app, now=now) == 1
    assert _lower(receiver.got[-1][0])["webhook-id"] == first_event
    Webhook(secret).verify(receiver.got[-1][1], _lower(receiver.got[-1][0]))
    with db() as s:
        again = s.get(WebhookDelivery, first_id)
        assert again.state == DeliveryState.DELIVERED and again.last_status == 200
        assert s.get(WebhookEndpoint, endpoint_id).failure_streak == 0


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1",
                                     "::ffff:192.168.0.1", "fd00::1", "0.0.0.0"])
def test_a_target_resolving_to_a_private_address_is_refused_at_delivery(app, db, receiver, address):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    office, endpoint_id, _ = _endpoint(app, db, "https://hooks.example.com/tsunagu")
    _emit(db, office.office_id, "e", utcnow())
    # The name resolved to a public address when saved, now to a private one (rebinding).
    assert deliver_due(app, resolver=lambda host, port: ["93.184.215.14", address]) == 0
    d = _delivery(db)
    assert d.last_error == "target resolves to a private address" and d.last_status is None
    assert d.state == DeliveryState.PENDING and receiver.got == []


def test_the_checked_address_is_the_one_connected_to(app, db, receiver):
    """The name is resolved once, by the check; the request goes to that address with the
    name in the Host header (no second lookup can send it elsewhere)."""
    host, port = "hooks.example.com", receiver.server.server_port
    office, _, secret = _endpoint(app, db, f"http://{host}:{port}/hook")
    _emit(db, office.office_id, "e", utcnow())
    asked = []
    assert deliver_due(app, resolver=lambda h, p: asked.append((h, p)) or ["127.0.0.1"]) == 1
    assert asked == [(host, port)]
    headers, body = receiver.got[0]
    assert headers["Host"] == f"{host}:{port}"
    Webhook(secret).verify(body, _lower(headers))


@pytest.fixture(params=["sqlite", "postgresql"])
def app_on(request, tmp_path, mailbox):
    """A portal on SQLite, then on PostgreSQL: the claim differs (SKIP LOCKED there)."""
    with postgres.portal_database(request.param) as settings:
        app = _app(tmp_path, mailbox, **settings)
        yield app
        app.extensions["db_engine"].dispose()


def test_two_processes_delivering_at_once_send_each_delivery_once(app_on, receiver):
    app, engine = app_on, app_on.extensions["db_engine"]
    db = lambda: Session(engine)  # noqa: E731
    office, _, _ = _endpoint(app, db, receiver.url)
    for n in range(30):
        _emit(db, office.office_id, f"e-{n}", utcnow())
    results, barrier = [], threading.Barrier(3)

    def worker():
        barrier.wait()
        results.append(deliver_due(app))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(results) == 30
    assert len(receiver.got) == 30
    assert len({_lower(h)["webhook-id"] for h, _ in receiver.got}) == 30


def test_consent_events_come_from_the_notice_scan_once_each(app, db, receiver):
    office, endpoint_id, secret = _endpoint(app, db, receiver.url,
                                            events=("consent.expiring", "consent.expired"))
    with db() as s:
        assert webhooks.emit_consent_events(s, utcnow()) == 1
        assert webhooks.emit_consent_events(s, utcnow()) == 0  # the same event key
    assert deliver_due(app) == 1
    headers, body = receiver.got[0]
    event = Webhook(secret).verify(body, _lower(headers))
    assert event["type"] == "consent.expiring" and event["data"]["days"] == 7
    assert sorted(a["id"] for a in event["data"]["accounts"]) == sorted(office.account_ids)
    with db() as s:  # the mail notices of the same scan are untouched by it
        assert s.exec(select(Notice)).all() == []
