"""The webhooks pages: adding an endpoint shows its secret once and keeps it encrypted, the
URL rules (https, no private targets), the delivery log with redelivery, switching off and
on, removing after a confirmation page, the notice of an automatic disabling, and who may
use them (owners and admins only)."""
import re

import pytest
from sqlmodel import select

from portal.dates import utcnow
from portal.models import AuditEvent, Membership, Office, User
from portal.models.api import WebhookDelivery, WebhookEndpoint
from portal.models.vocabulary import AuditAction, DeliveryState, Role
from portal.services import passwords, webhooks
from portal.webhook_delivery import deliver_due
from tests.support.auth import Auth

SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


@pytest.fixture
def owner(auth):
    auth.signup()
    return auth


def _office_id(db) -> int:
    with db() as s:
        return s.exec(select(Office.id)).one()


def _add(owner, url="https://hooks.example.com/tsunagu", events=("sync.completed",), **extra):
    return owner.post("/office/webhooks", {"url": url, "description": "会計ソフト",
                                           "events": list(events), **extra})


def test_adding_an_endpoint_shows_its_secret_once_and_stores_it_encrypted(owner, db, app):
    resp = _add(owner, events=("sync.completed", "consent.expiring"))
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(resp.get_data(as_text=True)).group(1)
    with db() as s:
        [endpoint] = s.exec(select(WebhookEndpoint)).all()
        assert endpoint.events == "sync.completed consent.expiring"
        assert secret.encode() not in endpoint.secret_enc
        assert webhooks.secret_of(app.extensions["token_cipher"], endpoint) == secret
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.WEBHOOK_CREATED))
        assert event.target == "https://hooks.example.com/tsunagu"
    page = owner.client.get("/office/webhooks").get_data(as_text=True)
    assert "hooks.example.com/tsunagu" in page and "whsec_" not in page


@pytest.mark.parametrize("url, message", [
    ("http://hooks.example.com/x", "https://"),
    ("ftp://hooks.example.com/x", "URLの形式"),
    ("https://127.0.0.1/x", "プライベート"),
    ("https://10.1.2.3/x", "プライベート"),
    ("https://169.254.169.254/latest", "プライベート"),
    ("https://[::1]/x", "プライベート"),
    ("https://localhost:8443/x", "プライベート"),
])
def test_a_url_that_is_not_https_or_points_inside_is_refused(owner, db, url, message):
    resp = _add(owner, url=url)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    with db() as s:
        assert s.exec(select(WebhookEndpoint)).all() == []


def test_a_name_resolving_to_a_private_address_is_refused_when_saved(owner, app, db):
    app.extensions["webhook_resolver"] = lambda host, port: ["192.168.1.20"]
    assert _add(owner).status_code == 400
    app.extensions["webhook_resolver"] = lambda host, port: ["93.184.215.14"]
    assert _add(owner).status_code == 200


def test_no_event_chosen_is_refused(owner, db):
    resp = _add(owner, events=())
    assert resp.status_code == 400 and "イベントを1つ以上" in resp.get_data(as_text=True)
    assert _add(owner, events=("statements.deleted",)).status_code == 400


def test_private_targets_may_be_allowed_by_the_administrator(owner, app, db):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert _add(owner, url="http://127.0.0.1:8000/hook").status_code == 200


def _endpoint(owner, db, app) -> WebhookEndpoint:
    app.extensions["webhook_resolver"] = lambda host, port: ["93.184.215.14"]
    _add(owner, events=webhooks.EVENTS)
    with db() as s:
        return s.exec(select(WebhookEndpoint)).one()


def test_the_log_shows_deliveries_and_a_failed_one_is_sent_again(owner, db, app):
    endpoint = _endpoint(owner, db, app)
    app.extensions["webhook_resolver"] = lambda host, port: ["10.0.0.5"]  # rebound since saved
    with db() as s:
        webhooks.emit(s, endpoint.office_id, "sync.failed", {"run_id": 7}, "sync-run:7", utcnow())
        s.commit()
    assert deliver_due(app) == 0
    page = owner.client.get(f"/office/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "sync.failed" in page and "target resolves to a private address" in page
    with db() as s:
        delivery = s.exec(select(WebhookDelivery)).one()
        assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
        delivery.state, delivery.attempts = DeliveryState.FAILED, webhooks.MAX_ATTEMPTS
        s.commit()
        delivery_id, event_id = delivery.id, delivery.event_id
    resp = owner.post(f"/office/webhooks/{endpoint.id}/deliveries/{delivery_id}/redeliver")
    assert resp.status_code == 303
    with db() as s:
        again = s.get(WebhookDelivery, delivery_id)
        assert (again.state, again.attempts, again.event_id) == (DeliveryState.PENDING, 0, event_id)
    # Another endpoint's path for the same delivery: not found.
    assert owner.post(f"/office/webhooks/{endpoint.id + 1}/deliveries/{delivery_id}/redeliver"
                      ).status_code == 404


def test_switching_off_and_on_and_removing_after_confirmation(owner, db, app):
    endpoint = _endpoint(owner, db, app)
    assert owner.post(f"/office/webhooks/{endpoint.id}/disable").status_code == 303
    with db() as s:
        assert s.get(WebhookEndpoint, endpoint.id).enabled is False
        webhooks.emit(s, endpoint.office_id, "sync.completed", {}, "k", utcnow())
        s.commit()
        assert s.exec(select(WebhookDelivery)).all() == []  # no events for an endpoint off
    assert owner.post(f"/office/webhooks/{endpoint.id}/enable").status_code == 303
    with db() as s:
        assert s.get(WebhookEndpoint, endpoint.id).enabled is True
    confirm = owner.client.get(f"/office/webhooks/{endpoint.id}/delete")
    assert confirm.status_code == 200 and "削除しますか" in confirm.get_data(as_text=True)
    assert owner.post(f"/office/webhooks/{endpoint.id}/delete").status_code == 303
    with db() as s:
        assert s.exec(select(WebhookEndpoint)).all() == []
        assert s.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.WEBHOOK_DELETED)).all()


def test_an_endpoint_disabled_by_failures_says_so(owner, db, app):
    endpoint = _endpoint(owner, db, app)
    with db() as s:
        row = s.get(WebhookEndpoint, endpoint.id)
        row.enabled, row.disabled_reason, row.failure_streak = False, webhooks.DISABLED_BY_FAILURES, 5
        s.commit()
    for path in ("/office/webhooks", f"/office/webhooks/{endpoint.id}"):
        page = owner.client.get(path).get_data(as_text=True)
        assert "自動で無効になりました" in page


@pytest.mark.parametrize("role", [Role.BOOKKEEPER, Role.VIEWER])
def test_bookkeepers_and_viewers_may_not_use_webhooks(owner, db, app, role):
    endpoint = _endpoint(owner, db, app)
    with db() as s:
        user = User(email=f"{role}@example.jp", password_hash="-")
        s.add(user)
        s.flush()
        s.add(Membership(user_id=user.id, office_id=endpoint.office_id, role=role))
        s.commit()
        user_id = user.id
    with db() as s:
        s.get(User, user_id).password_hash = passwords.hash_password("correct horse 1")
        s.commit()
    member = Auth(app.test_client())
    member.login(f"{role}@example.jp")
    assert member.client.get("/office/webhooks").status_code == 403
    assert member.client.get(f"/office/webhooks/{endpoint.id}").status_code == 403
    assert member.post("/office/webhooks", {"url": "https://x.example.com/",
                                            "events": ["sync.completed"]}).status_code == 403


def test_another_offices_endpoint_is_not_found(owner, db, app):
    endpoint = _endpoint(owner, db, app)
    other = Auth(app.test_client())
    other.signup(email="other@example.jp", office="別の商店")
    assert other.client.get(f"/office/webhooks/{endpoint.id}").status_code == 404
    assert other.post(f"/office/webhooks/{endpoint.id}/disable").status_code == 404
    assert other.client.get(f"/office/webhooks/{endpoint.id}/delete").status_code == 404
