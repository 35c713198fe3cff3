"""The /api/v1 blueprint: bearer token, scope and rate limit before every view (never the
session cookie), then thin views over the services. Every query is filtered by the token's
office: another office's ids answer 404 like ids that do not exist."""
import base64
import binascii
import json
import math
import time
from datetime import UTC, date, datetime

from flask import Blueprint, current_app, g, render_template, request
from limits import parse
from spectree import Response
from sqlmodel import select

from ..dates import utcnow
from ..db import get_session
from ..extensions import csrf
from ..models import BankConnection, SyncRun
from ..models.books import BookLine
from ..models.vocabulary import SyncTrigger
from ..services import accounts as accounts_svc
from ..services import statement_feed, sync_queue, webhooks
from ..services import statements as statements_svc
from ..services.audit import Actor
from ..webhook_delivery import resolver_of
from . import docs, problems, schemas, scopes, tokens
from .openapi import document, spec
from .problems import ApiProblem

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie is taken here, so there is no cross-site request to forge

# Ids outside 1..LARGEST_ID match nothing; the database is not asked. Routes take signed ids
# so that any integer answers a problem, not the site's HTML 404.
LARGEST_ID = 2**31 - 1
_P = schemas.Problem
_AUTH = {"HTTP_401": _P, "HTTP_403": _P, "HTTP_429": _P}


# -- before every view: token, rate limit, scope ------------------------------------------

@bp.before_request
def _authenticate():
    need = scopes.need_of(request.endpoint)
    if need is None:
        return problems.response(403, "insufficient-scope", "This endpoint is not open to tokens.")
    if need is scopes.PUBLIC:
        return None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return problems.unauthorized("Send the token as Authorization: Bearer <token>.")
    session = get_session()
    token = tokens.authenticate(session, given.strip())
    if token is None:
        return problems.unauthorized("The token is unknown, expired or revoked.", invalid=True)
    wait = _spend(token.id)
    if wait is not None:
        return problems.response(429, "rate-limited", f"Try again in {wait} seconds.",
                                 headers={"Retry-After": str(wait)})
    if not need & scopes.parse(token.scopes):
        names = " ".join(sorted(need))
        return problems.response(
            403, "insufficient-scope", f"The token needs the scope {names.replace(' ', ' or ')}.",
            scope=names, headers={"WWW-Authenticate":
                                  f'Bearer error="insufficient_scope", scope="{names}"'})
    g.api_office_id, g.api_token_name = token.office_id, token.name
    tokens.touch(session, token)
    return None


def _spend(token_id: int) -> int | None:
    """One request from the token's budget (API_RATE_LIMIT); the seconds to wait when spent."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    limiter = current_app.extensions["tsunagu_rate_limits"]
    item = parse(current_app.config["API_RATE_LIMIT"])
    ids = (current_app.config.get("RATELIMIT_KEY_PREFIX", "tsunagu"), "api-token", str(token_id))
    if limiter.hit(item, *ids):
        return None
    return max(1, math.ceil(limiter.get_window_stats(item, *ids).reset_time - time.time()))


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem):
    return problems.of(exc)


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _invalid(_req, resp, error, _instance, _adapter):
    """spectree's refusal of a parameter, rewritten as a problem."""
    if error is None:
        return
    found = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", "")}
             for e in (resp.get_json(silent=True) or [])]
    where = ", ".join(".".join(e["loc"]) for e in found) or "the request"
    resp.set_data(json.dumps(problems.body(400, "invalid-request", f"Check {where}.",
                                           errors=found)))
    resp.mimetype = problems.MEDIA_TYPE


spec.before = _invalid


def _office() -> int:
    return g.api_office_id


def _actor() -> Actor:
    """Who acts in the audit log: the token, by its name (it has no user of its own)."""
    return Actor(None, f"API token {g.api_token_name}")


# -- answers ----------------------------------------------------------------------------

def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _account(account, connection: BankConnection | None) -> schemas.Account:
    consent = schemas.Consent(state="none", expires_at=None)
    if connection is not None:
        consent = schemas.Consent(state=connection.state.value,
                                  expires_at=_utc(connection.consent_expires_at))
    return schemas.Account(
        id=account.id, name=account.name, bank_code=account.bank_code,
        bank_name=accounts_svc.bank_name(account.bank_code), sync_method=account.sync_method.value,
        balance=account.balance, currency=account.currency,
        last_synced_at=_utc(account.last_synced_at), sync_state=account.sync_state.value,
        consent=consent)


def _statement(row, booked: bool) -> schemas.Statement:
    return schemas.Statement(
        id=row.id, account_id=row.account_id, transaction_date=row.transaction_date,
        value_date=row.value_date, amount=row.amount, balance_after=row.balance_after,
        description=row.description, memo=row.memo or "", source=row.source.value, booked=booked)


def _run(run: SyncRun) -> schemas.SyncRun:
    return schemas.SyncRun(
        id=run.id, account_id=run.account_id, state=run.state.value, trigger=run.trigger.value,
        created_at=_utc(run.created_at), started_at=_utc(run.started_at),
        finished_at=_utc(run.finished_at), next_attempt_at=_utc(run.next_attempt_at),
        fetched=run.fetched, added=run.added, error_code=run.error_code)


def _webhook(row) -> schemas.Webhook:
    return schemas.Webhook(
        id=row.id, url=row.url, description=row.description, events=row.events.split(),
        enabled=row.enabled, disabled_reason=row.disabled_reason,
        failure_streak=row.failure_streak, created_at=_utc(row.created_at))


def _delivery(row) -> schemas.WebhookDelivery:
    return schemas.WebhookDelivery(
        id=row.id, event_type=row.event_type, event_id=row.event_id, state=row.state.value,
        attempts=row.attempts, last_status=row.last_status, response_ms=row.response_ms,
        last_error=row.last_error, created_at=_utc(row.created_at),
        delivered_at=_utc(row.delivered_at))


# The service's refusals of a new webhook; the problem's code is the service's, hyphenated.
_WEBHOOK_REFUSALS = {
    "bad_url": "The URL is not one http(s) URL with a host.",
    "https_required": "The URL must start with https://.",
    "private_target": "The URL points to a local or private network address; it cannot be "
                      "a webhook's target.",
    "no_events": "Choose one or more events.",
    "bad_event": "Events must be among " + ", ".join(webhooks.EVENTS) + ".",
}


def _own_webhook(webhook_id: int):
    if 0 < webhook_id <= LARGEST_ID:
        try:
            return webhooks.get(get_session(), _office(), webhook_id)
        except webhooks.WebhookError:
            pass
    raise problems.not_found("No such webhook in this office.")


def _own_account(account_id: int):
    account = None
    if 0 < account_id <= LARGEST_ID:
        account = accounts_svc.get_account(get_session(), _office(), account_id)
    if account is None:
        raise problems.not_found("No such account in this office.")
    return account


def _connections(ids) -> dict[int, BankConnection]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = get_session().exec(select(BankConnection).where(
        BankConnection.id.in_(ids), BankConnection.office_id == _office()))
    return {c.id: c for c in rows}


def _booked(ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(get_session().exec(select(BookLine.statement_id).where(
        BookLine.statement_id.in_(ids))))


def _keyset(after: str | None) -> tuple[date, int] | None:
    """`next` of a statements page, opaque to clients: "<day>_<id>" in URL-safe base64."""
    if not after:
        return None
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode("ascii")
        day, _, ident = text.partition("_")
        key = date.fromisoformat(day), int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = None
    if key is None or not 0 < key[1] <= 2**63 - 1:
        raise ApiProblem(400, "bad-cursor", "`after` is not a `next` this API gave.")
    return key


def _next(raw: str | None) -> str | None:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=") if raw else None


# -- endpoints ------------------------------------------------------------------------------

@bp.get("/accounts")
@spec.validate(resp=Response(HTTP_200=schemas.AccountList, **_AUTH), tags=["accounts"],
               operation_id="accounts")
def accounts():
    """The office's accounts

    Each with its balance, last sync and the state and expiry of its bank consent."""
    rows = accounts_svc.list_accounts(get_session(), _office())
    found = _connections(a.connection_id for a in rows)
    return schemas.AccountList(accounts=[_account(a, found.get(a.connection_id)) for a in rows])


@bp.get("/accounts/<int(signed=True):account_id>")
@spec.validate(resp=Response(HTTP_200=schemas.Account, HTTP_404=_P, **_AUTH), tags=["accounts"],
               operation_id="account")
def account(account_id: int):
    """One account"""
    row = _own_account(account_id)
    return _account(row, _connections([row.connection_id]).get(row.connection_id))


@bp.get("/accounts/<int(signed=True):account_id>/statements")
@spec.validate(query=schemas.StatementsQuery,
               resp=Response(HTTP_200=schemas.StatementPage, HTTP_404=_P, **_AUTH),
               tags=["statements"], operation_id="statements")
def statements(account_id: int):
    """Statements of an account

    Newest first, by keyset pages: pass a page's `next` as `after` for the one after it.
    `from` and `to` bound the transaction date (both inclusive)."""
    query: schemas.StatementsQuery = request.context.query
    row = _own_account(account_id)
    page = statements_svc.list_statements(
        get_session(), row, limit=query.limit, date_from=query.date_from, date_to=query.date_to,
        cursor=_keyset(query.after))
    booked = _booked([s.id for s in page.rows])
    return schemas.StatementPage(statements=[_statement(s, s.id in booked) for s in page.rows],
                                 next=_next(page.next_cursor))


@bp.get("/statements/sync")
@spec.validate(query=schemas.SyncFeedQuery, resp=Response(HTTP_200=schemas.SyncFeed, **_AUTH),
               tags=["statements"], operation_id="statements_sync")
def statements_sync():
    """Changes since a cursor

    What was added, modified (fields, memo, booking; a bank's correction) and removed (an
    undone import, a deleted manual entry) in the office since `cursor`, in commit order.
    Store `next_cursor` and pass it next time; while `has_more`, ask again at once. A client
    that does so sees every change exactly once, also those committed while it pages."""
    query: schemas.SyncFeedQuery = request.context.query
    try:
        page = statement_feed.page(get_session(), _office(), query.cursor, query.count)
    except statement_feed.BadCursor:
        raise ApiProblem(400, "bad-cursor", "`cursor` is not a `next_cursor` this API gave.") \
            from None
    return schemas.SyncFeed(
        added=[_statement(s, b) for s, b in page.added],
        modified=[_statement(s, b) for s, b in page.modified],
        removed=[schemas.RemovedStatement(id=r.id, account_id=r.account_id)
                 for r in page.removed],
        next_cursor=page.next_cursor, has_more=page.has_more)


@bp.post("/accounts/<int(signed=True):account_id>/sync")
@spec.validate(resp=Response(HTTP_202=schemas.SyncRunAnswer, HTTP_404=_P, HTTP_409=_P, **_AUTH),
               tags=["sync"], operation_id="request_sync")
def request_sync(account_id: int):
    """Request a sync

    The same rules as the sync button: one run at a time (the one queued or running is
    answered), and outside the bank's hours or past its daily limit the run waits
    (`next_attempt_at`, `error_code`). 409 when the account is not linked to a bank API."""
    row = _own_account(account_id)
    bank = current_app.extensions["bank_registry"].get(row.bank_code)
    try:
        run = sync_queue.request_sync_in_hours(get_session(), row, bank, trigger=SyncTrigger.USER)
    except sync_queue.SyncRequestError as exc:
        raise ApiProblem(409, "not-linked", "The account has no working bank consent to sync "
                         "with.", reason=str(exc)) from None
    return schemas.SyncRunAnswer(run=_run(run)), 202


@bp.get("/sync-runs/<int(signed=True):run_id>")
@spec.validate(resp=Response(HTTP_200=schemas.SyncRunAnswer, HTTP_404=_P, **_AUTH),
               tags=["sync"], operation_id="sync_run")
def sync_run(run_id: int):
    """A sync run's state"""
    run = None
    if 0 < run_id <= LARGEST_ID:
        run = get_session().exec(select(SyncRun).where(SyncRun.id == run_id,
                                                       SyncRun.office_id == _office())).first()
    if run is None:
        raise problems.not_found("No such sync run in this office.")
    return schemas.SyncRunAnswer(run=_run(run))


@bp.get("/webhooks", endpoint="webhooks")
@spec.validate(resp=Response(HTTP_200=schemas.WebhookList, **_AUTH), tags=["webhooks"],
               operation_id="webhooks")
def webhooks_list():
    """The office's webhooks

    Their URL, events and state; never their secrets."""
    rows = webhooks.listing(get_session(), _office())
    return schemas.WebhookList(webhooks=[_webhook(w) for w in rows])


@bp.post("/webhooks")
@spec.validate(json=schemas.NewWebhook,
               resp=Response(HTTP_201=schemas.WebhookCreated, HTTP_400=_P, **_AUTH),
               tags=["webhooks"], operation_id="create_webhook")
def create_webhook():
    """Add a webhook

    The same rules as the Webhooks page: an https:// URL that does not point to a local or
    private network address, and one or more events. The answer holds the signing secret,
    which is given this once only. A refusal is a 400 problem whose `code` says why:
    bad-url, https-required, private-target, no-events, bad-event."""
    body: schemas.NewWebhook = request.context.json
    app = current_app._get_current_object()
    try:
        row, secret = webhooks.create(
            get_session(), app.extensions["token_cipher"], _office(), url=body.url,
            description=body.description, events=body.events, actor=_actor(),
            allow_private=bool(app.config["WEBHOOK_ALLOW_PRIVATE"]),
            resolver=resolver_of(app))
    except webhooks.WebhookError as exc:
        get_session().rollback()
        raise ApiProblem(400, exc.code.replace("_", "-"),
                         _WEBHOOK_REFUSALS.get(exc.code, "The webhook is refused.")) from None
    return schemas.WebhookCreated(webhook=_webhook(row), secret=secret), 201


@bp.delete("/webhooks/<int(signed=True):webhook_id>")
@spec.validate(resp=Response("HTTP_204", HTTP_404=_P, **_AUTH), tags=["webhooks"],
               operation_id="delete_webhook")
def delete_webhook(webhook_id: int):
    """Remove a webhook

    With its delivery log; deliveries not sent yet are not sent."""
    row = _own_webhook(webhook_id)
    webhooks.remove(get_session(), _office(), row.id, _actor())
    return "", 204


@bp.patch("/webhooks/<int(signed=True):webhook_id>")
@spec.validate(json=schemas.WebhookSwitch,
               resp=Response(HTTP_200=schemas.Webhook, HTTP_400=_P, HTTP_404=_P, **_AUTH),
               tags=["webhooks"], operation_id="switch_webhook")
def switch_webhook(webhook_id: int):
    """Switch a webhook on or off

    As the Webhooks page's buttons: switched on, its failure streak starts again at 0 (also
    after it was switched off for failing); switched off, nothing is sent to it, and its
    disabled_reason is member."""
    body: schemas.WebhookSwitch = request.context.json
    row = _own_webhook(webhook_id)
    row = webhooks.set_enabled(get_session(), _office(), row.id, body.enabled)
    return _webhook(row)


_REDELIVERY_REFUSALS = {
    "disabled": "The webhook is switched off: switch it on first.",
    "in_progress": "This delivery is being sent right now.",
}


@bp.post("/webhooks/<int(signed=True):webhook_id>/deliveries/<int(signed=True):delivery_id>"
         "/redeliver")
@spec.validate(resp=Response(HTTP_202=schemas.WebhookDelivery, HTTP_404=_P, HTTP_409=_P,
                             **_AUTH),
               tags=["webhooks"], operation_id="redeliver_webhook")
def redeliver_webhook(webhook_id: int, delivery_id: int):
    """Send a delivery again

    Now, with the same webhook-id (a receiver that has it already can tell), and with the
    whole retry schedule again. 409 with code webhook-disabled while the webhook is off, or
    delivery-in-progress while it is being sent."""
    row = _own_webhook(webhook_id)
    if not 0 < delivery_id <= LARGEST_ID:
        raise problems.not_found("No such delivery of this webhook.")
    try:
        delivery = webhooks.redeliver(get_session(), _office(), row.id, delivery_id, utcnow())
    except webhooks.WebhookError as exc:
        get_session().rollback()
        if exc.code == "not_found":
            raise problems.not_found("No such delivery of this webhook.") from None
        code = {"disabled": "webhook-disabled", "in_progress": "delivery-in-progress"}[exc.code]
        raise ApiProblem(409, code, _REDELIVERY_REFUSALS[exc.code]) from None
    return _delivery(delivery), 202


@bp.get("/webhooks/<int(signed=True):webhook_id>/deliveries")
@spec.validate(query=schemas.DeliveriesQuery,
               resp=Response(HTTP_200=schemas.WebhookDeliveryList, HTTP_404=_P, **_AUTH),
               tags=["webhooks"], operation_id="webhook_deliveries")
def webhook_deliveries(webhook_id: int):
    """A webhook's deliveries

    Newest first, at most `limit`: each event sent to it, its state, attempts and the
    receiver's last answer."""
    query: schemas.DeliveriesQuery = request.context.query
    row = _own_webhook(webhook_id)
    rows = webhooks.log(get_session(), _office(), row.id, limit=query.limit)
    return schemas.WebhookDeliveryList(deliveries=[_delivery(d) for d in rows])


# -- the description, without a token --------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    return current_app.json.response(document())


@bp.get("/docs", endpoint="docs")
def docs_page():
    return render_template("api/docs.html", doc=document(), operations=docs.operations(document()),
                           schemas=docs.schemas(document()), base=request.host_url.rstrip("/"))
