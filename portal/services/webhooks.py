"""Webhooks of an office: its endpoints, the events they subscribe to, and deliveries as an
outbox (the same pattern as the e-mail notices: portal/services/notifications.py).

- `emit` inserts one delivery per enabled endpoint subscribed to the event, in the caller's
  transaction; the event id (the webhook-id header) comes from the event's key, so the same
  event emitted twice (two processes, a restart) adds nothing (UNIQUE(endpoint_id, event_id)).
- A delivery is sent by the one process that claimed it under a lease
  (portal/webhook_delivery.py), retried on RETRY_DELAYS (about a day), then FAILED.
- An endpoint whose `disable_after` deliveries in a row ended FAILED is switched off and its
  office's owners and admins get a notice.
- Targets are refused when they resolve to a non-public address (SSRF) unless the
  deployment allows them: when saved, and again at every delivery (the caller resolves).
"""
import base64
import hashlib
import ipaddress
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from ..crypto import TokenCipher
from ..models import Membership
from ..models.api import WebhookDelivery, WebhookEndpoint
from ..models.vocabulary import AuditAction, DeliveryState, NoticeKind, Role
from . import audit, notifications
from .leased_claims import claim_due

EVENTS = ("sync.completed", "sync.failed", "statements.added", "consent.expiring",
          "consent.expired")
# Waits after attempt 1, 2, ...: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 28 hours in
# all); the attempt after the last wait is the last one.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLED_BY_FAILURES = "failures"  # disabled_reason of an automatic disabling
DISABLED_BY_MEMBER = "member"

Resolver = Callable[[str, int], list[str]]  # (host, port) → IP addresses


class WebhookError(Exception):
    """A refusal the page explains: code is one of not_found, bad_url, https_required,
    private_target, no_events, bad_event, disabled, in_progress."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- Targets ------------------------------------------------------------------------------

def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                or ip.is_multicast or ip.is_unspecified) and ip.is_global


def target(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an endpoint's URL."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookError("bad_url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("bad_url")
    return parts.scheme, parts.hostname, port


def checked_addresses(url: str, resolver: Resolver, allow_private: bool) -> list[str]:
    """The addresses to connect to; refused (private_target) when any of them is not public,
    so that a name with one public and one private address cannot be used either."""
    _, host, port = target(url)
    addresses = resolver(host, port)
    if not addresses:
        raise WebhookError("bad_url")
    if not allow_private and not all(is_public(a) for a in addresses):
        raise WebhookError("private_target")
    return addresses


def validate_url(url: str, allow_private: bool, resolver: Resolver | None = None) -> str:
    """https only, unless private targets are allowed (a local receiver in development).
    With a resolver, a name resolving to a private address is refused at once; a name that
    does not resolve yet is accepted (it is checked again at every delivery)."""
    url = (url or "").strip()
    scheme, host, port = target(url)
    if scheme != "https" and not allow_private:
        raise WebhookError("https_required")
    if allow_private:
        return url
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None or host.lower() == "localhost" or host.lower().endswith(".localhost"):
        checked_addresses(url, lambda h, p: [str(literal or "127.0.0.1")], False)
    elif resolver is not None:
        try:
            checked_addresses(url, resolver, False)
        except WebhookError as exc:
            if exc.code == "private_target":
                raise
    return url


# --- Endpoints ----------------------------------------------------------------------------

def new_secret() -> str:
    """A signing secret as Standard Webhooks writes them: whsec_ and 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _aad(endpoint_id: int) -> str:
    return f"webhook_endpoint:{endpoint_id}:secret"


def secret_of(cipher: TokenCipher, endpoint: WebhookEndpoint) -> str:
    return cipher.decrypt(endpoint.secret_enc, _aad(endpoint.id))


def _events(chosen: Iterable[str]) -> str:
    chosen = list(dict.fromkeys(chosen))
    if not chosen:
        raise WebhookError("no_events")
    if any(e not in EVENTS for e in chosen):
        raise WebhookError("bad_event")
    return " ".join(e for e in EVENTS if e in chosen)


def create(session: Session, cipher: TokenCipher, office_id: int, *, url: str, description: str,
           events: Iterable[str], actor: audit.Actor, allow_private: bool,
           resolver: Resolver | None = None) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is shown once (it is kept encrypted)."""
    endpoint = WebhookEndpoint(office_id=office_id, url=validate_url(url, allow_private, resolver),
                               description=(description or "").strip()[:200],
                               events=_events(events), secret_enc=b"", created_by=actor.id)
    session.add(endpoint)
    session.flush()  # the id binds the ciphertext to this row
    secret = new_secret()
    endpoint.secret_enc = cipher.encrypt(secret, _aad(endpoint.id))
    audit.record(session, office_id, actor, AuditAction.WEBHOOK_CREATED, target=endpoint.url,
                 detail=endpoint.events)
    session.commit()
    return endpoint, secret


def listing(session: Session, office_id: int) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).where(WebhookEndpoint.office_id == office_id)
                             .order_by(WebhookEndpoint.id)))


def get(session: Session, office_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.office_id != office_id:
        raise WebhookError("not_found")
    return endpoint


def set_enabled(session: Session, office_id: int, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Switch an endpoint on (its failure streak starts again) or off."""
    endpoint = get(session, office_id, endpoint_id)
    endpoint.enabled = enabled
    endpoint.disabled_reason = None if enabled else DISABLED_BY_MEMBER
    if enabled:
        endpoint.failure_streak = 0
    session.commit()
    return endpoint


def remove(session: Session, office_id: int, endpoint_id: int, actor: audit.Actor) -> WebhookEndpoint:
    """An endpoint and its delivery log."""
    endpoint = get(session, office_id, endpoint_id)
    audit.record(session, office_id, actor, AuditAction.WEBHOOK_DELETED, target=endpoint.url)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.delete(endpoint)
    session.commit()
    return endpoint


# --- Events -------------------------------------------------------------------------------

def event_id(office_id: int, event_key: str) -> str:
    return "msg_" + hashlib.sha256(f"{office_id}:{event_key}".encode()).hexdigest()[:32]


def _insert_ignoring_duplicates(session: Session, rows: list[dict]) -> int:
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = session.execute(insert(WebhookDelivery.__table__).values(rows)
                             .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"]))
    return max(result.rowcount or 0, 0)


def emit(session: Session, office_id: int, event_type: str, data: dict, event_key: str,
         now: datetime) -> int:
    """One pending delivery per enabled endpoint of the office subscribed to `event_type`;
    an event emitted before adds nothing. Returns how many were added. The caller commits
    (in the transaction that records what happened, so an event exists iff it happened)."""
    assert event_type in EVENTS, event_type
    endpoints = [e for e in session.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.office_id == office_id, WebhookEndpoint.enabled.is_(True)))
        if event_type in e.events.split()]
    if not endpoints:
        return 0
    payload = json.dumps({"type": event_type, "timestamp": now.isoformat().replace("+00:00", "Z"),
                          "data": data}, ensure_ascii=False, separators=(",", ":"))
    msg_id = event_id(office_id, event_key)
    return _insert_ignoring_duplicates(session, [
        {"endpoint_id": e.id, "office_id": office_id, "event_type": event_type, "event_id": msg_id,
         "payload": payload, "state": DeliveryState.PENDING, "attempts": 0,
         "next_attempt_at": now, "created_at": now} for e in endpoints])


def emit_consent_events(session: Session, now: datetime) -> int:
    """consent.expiring / consent.expired for what the notice scan finds (the same
    detection and the same event keys); commits."""
    added = 0
    for event in notifications.consent_events(session, now):
        expiring = event.kind == NoticeKind.CONSENT_EXPIRING
        data = {"office_id": event.office_id, "connection_id": event.connection_id,
                "bank_code": event.payload["bank_code"],
                "accounts": [{"id": a.id, "name": a.name} for a in event.accounts],
                "expires": event.payload["expires"]}
        if expiring:
            data["days"] = event.payload["days"]
        else:
            data["reason"] = event.payload["reason"]
        added += emit(session, event.office_id, "consent.expiring" if expiring else "consent.expired",
                      data, event.key, now)
    session.commit()
    return added


# --- Delivering ---------------------------------------------------------------------------

def _due(now: datetime):
    enabled = select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True))
    return and_(WebhookDelivery.endpoint_id.in_(enabled), or_(
        and_(WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.state == DeliveryState.SENDING, WebhookDelivery.claimed_until < now)))


def claim(session: Session, now: datetime, lease_seconds: float, limit: int = 20) -> list[int]:
    """Take up to `limit` due deliveries under a lease (a process that dies leaves a lease
    that runs out); no other process gets them while it runs. Deliveries of a disabled
    endpoint wait."""
    return claim_due(session, WebhookDelivery, _due(now), limit=limit, values={
        "state": DeliveryState.SENDING, "claimed_until": now + timedelta(seconds=lease_seconds),
        "attempts": WebhookDelivery.attempts + 1})


def mark_delivered(session: Session, delivery_id: int, now: datetime, status: int,
                   response_ms: int) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    delivery.state, delivery.delivered_at, delivery.claimed_until = DeliveryState.DELIVERED, now, None
    delivery.last_status, delivery.last_error, delivery.response_ms = status, None, response_ms
    session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id)
                    .values(failure_streak=0))
    session.commit()


@dataclass
class Outcome:
    state: DeliveryState
    disabled: bool = False  # this failure switched the endpoint off


def mark_failed(session: Session, delivery_id: int, now: datetime, *, status: int | None,
                error: str, response_ms: int | None, disable_after: int) -> Outcome:
    """A failed attempt: pending again after the next wait, or FAILED after the last one;
    `disable_after` FAILED deliveries in a row switch the endpoint off and notice its
    owners and admins."""
    delivery = session.get(WebhookDelivery, delivery_id)
    delivery.last_status, delivery.last_error = status, error[:300]
    delivery.response_ms, delivery.claimed_until = response_ms, None
    if delivery.attempts < MAX_ATTEMPTS:
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = now + RETRY_DELAYS[max(delivery.attempts, 1) - 1]
        session.commit()
        return Outcome(DeliveryState.PENDING)
    delivery.state = DeliveryState.FAILED
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    endpoint.failure_streak += 1
    disabled = endpoint.enabled and endpoint.failure_streak >= disable_after
    if disabled:
        endpoint.enabled, endpoint.disabled_reason = False, DISABLED_BY_FAILURES
        managers = session.exec(select(Membership.user_id).where(
            Membership.office_id == endpoint.office_id,
            Membership.role.in_((Role.OWNER, Role.ADMIN))))
        notifications.enqueue(session, user_ids=list(managers), office_id=endpoint.office_id,
                              kind=NoticeKind.WEBHOOK_DISABLED,
                              event_key=f"webhook-disabled:{endpoint.id}:{delivery.id}",
                              payload={"endpoint_id": endpoint.id, "url": endpoint.url,
                                       "description": endpoint.description,
                                       "failures": endpoint.failure_streak})
    session.commit()
    return Outcome(DeliveryState.FAILED, disabled)


def redeliver(session: Session, office_id: int, endpoint_id: int, delivery_id: int,
              now: datetime) -> WebhookDelivery:
    """Send a past delivery again, now, with the same webhook-id (a receiver that has it
    already can tell); it gets the whole retry schedule again."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.office_id != office_id or delivery.endpoint_id != endpoint_id:
        raise WebhookError("not_found")
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if not endpoint.enabled:
        raise WebhookError("disabled")
    if delivery.state == DeliveryState.SENDING:
        raise WebhookError("in_progress")
    delivery.state, delivery.attempts = DeliveryState.PENDING, 0
    delivery.next_attempt_at, delivery.claimed_until = now, None
    session.commit()
    return delivery


def log(session: Session, office_id: int, endpoint_id: int, *, before_id: int | None = None,
        limit: int = 50) -> list[WebhookDelivery]:
    """The deliveries of one endpoint, newest first; the next page by keyset."""
    endpoint = get(session, office_id, endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list(session.exec(query.order_by(WebhookDelivery.id.desc()).limit(limit)))
