"""Sending webhook deliveries (portal/services/webhooks.py): signed per Standard Webhooks
(webhook-id, webhook-timestamp, webhook-signature), POSTed with a short timeout and no
redirects followed, the status and response time written to the delivery log.

SSRF: the target's name is resolved here, at every attempt, and refused when any address
is not public (unless WEBHOOK_ALLOW_PRIVATE); the request then goes to the checked address
itself, with the name in the Host header and in TLS (SNI and certificate check), so a
second DNS answer (rebinding) never chooses where it goes.
"""
import socket
import time
from datetime import datetime

import httpx
from flask import Flask
from standardwebhooks import Webhook

from .dates import utcnow
from .db import session_scope
from .models.api import WebhookDelivery, WebhookEndpoint
from .services import leased_claims, webhooks
from .services.webhooks import Resolver, WebhookError

BATCH = 20
USER_AGENT = "Tsunagu-Webhooks/1"
REFUSED = {"private_target": "target resolves to a private address",
           "bad_url": "target cannot be resolved"}


def resolve(host: str, port: int) -> list[str]:
    """Every address of `host` (an empty list when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))


def _request_url(url: str, address: str) -> str:
    parts = httpx.URL(url)
    return str(parts.copy_with(host=address))


def post(url: str, address: str, body: str, headers: dict, timeout: float,
         transport: httpx.BaseTransport | None = None) -> httpx.Response:
    """POST to `address` as if to the URL's host."""
    parts = httpx.URL(url)
    host_header = parts.host if parts.port is None else f"{parts.host}:{parts.port}"
    extensions = {"sni_hostname": parts.host} if parts.scheme == "https" else {}
    with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport) as client:
        return client.post(_request_url(url, address), content=body.encode(),
                           headers={**headers, "Host": host_header}, extensions=extensions)


def sign(secret: str, msg_id: str, body: str, at: datetime) -> dict:
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body),
            "content-type": "application/json", "user-agent": USER_AGENT}


def resolver_of(app: Flask) -> Resolver:
    """The DNS lookup: app.extensions["webhook_resolver"] when set (tests), else resolve."""
    return app.extensions.get("webhook_resolver", resolve)


def deliver_due(app: Flask, now: datetime | None = None, resolver: Resolver | None = None,
                transport: httpx.BaseTransport | None = None) -> int:
    """Claim the due deliveries and send them; returns how many were delivered. `now` is the
    queue's clock (tests move it on); signatures always carry the real time, which receivers
    check against theirs."""
    resolver = resolver or resolver_of(app)
    engine = app.extensions["db_engine"]
    lease = float(app.config["WEBHOOK_LEASE_SECONDS"])
    return leased_claims.drain(
        engine, lambda session: webhooks.claim(session, now or utcnow(), lease, BATCH),
        lambda delivery_id: _deliver_one(app, engine, delivery_id, now, resolver, transport))


def _deliver_one(app: Flask, engine, delivery_id: int, now: datetime | None, resolver: Resolver,
                 transport) -> int:
    allow_private = bool(app.config["WEBHOOK_ALLOW_PRIVATE"])
    timeout = float(app.config["WEBHOOK_TIMEOUT_SECONDS"])
    disable_after = int(app.config["WEBHOOK_DISABLE_AFTER"])
    with session_scope(engine) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        url, body, msg_id = endpoint.url, delivery.payload, delivery.event_id
        secret = webhooks.secret_of(app.extensions["token_cipher"], endpoint)

    def failed(status, error, ms=None) -> int:
        with session_scope(engine) as session:
            outcome = webhooks.mark_failed(session, delivery_id, now or utcnow(), status=status,
                                           error=error, response_ms=ms, disable_after=disable_after)
        if outcome.disabled:
            app.logger.warning("webhook endpoint of delivery %s disabled after failures", delivery_id)
        return 0

    try:
        addresses = webhooks.checked_addresses(url, resolver, allow_private)
    except WebhookError as exc:
        return failed(None, REFUSED.get(exc.code, exc.code))
    headers = sign(secret, msg_id, body, utcnow())
    started = time.monotonic()
    try:
        response = post(url, addresses[0], body, headers, timeout, transport)
    except httpx.HTTPError as exc:
        ms = round((time.monotonic() - started) * 1000)
        return failed(None, f"{type(exc).__name__}: {exc}"[:300], ms)
    ms = round((time.monotonic() - started) * 1000)
    if 200 <= response.status_code < 300:
        with session_scope(engine) as session:
            webhooks.mark_delivered(session, delivery_id, now or utcnow(), response.status_code, ms)
        return 1
    return failed(response.status_code, f"HTTP {response.status_code}", ms)


def scan_consents(app: Flask, now: datetime | None = None) -> int:
    """consent.expiring / consent.expired deliveries for what the notice scan finds."""
    with session_scope(app.extensions["db_engine"]) as session:
        return webhooks.emit_consent_events(session, now or utcnow())
