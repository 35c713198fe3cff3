"""The API's requests and answers as pydantic models: spectree validates against them and
writes the OpenAPI document from them, so the document cannot drift from the code."""
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..services.webhooks import EVENTS

PAGE_MAX = 500


class Consent(BaseModel):
    state: Literal["active", "reauth_required", "revoked", "none"] = Field(
        description="The bank consent the account syncs with; none: not linked to a bank API.")
    expires_at: datetime | None = Field(description="When the consent ends (UTC).")


class Account(BaseModel):
    id: int
    name: str
    bank_code: str = Field(description="The bank's 4-digit code.")
    bank_name: str
    sync_method: Literal["api", "manual", "legacy"]
    balance: int | None = Field(description="Latest balance in minor units (yen).")
    currency: str
    last_synced_at: datetime | None = Field(description="The last successful sync (UTC).")
    sync_state: Literal["never", "queued", "running", "needs_selection", "done", "failed"]
    consent: Consent


class AccountList(BaseModel):
    accounts: list[Account]


class Statement(BaseModel):
    id: int
    account_id: int
    transaction_date: date
    value_date: date | None
    amount: int = Field(description="Minor units (yen); negative is money going out.")
    balance_after: int | None
    description: str
    memo: str
    source: Literal["api", "manual", "csv", "legacy"]
    booked: bool = Field(description="Whether a journal entry (仕訳) records it.")


class StatementPage(BaseModel):
    statements: list[Statement] = Field(description="Newest first.")
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class StatementsQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")
    date_from: date | None = Field(None, alias="from", description="First day (inclusive).")
    date_to: date | None = Field(None, alias="to", description="Last day (inclusive).")
    limit: int = Field(100, ge=1, le=PAGE_MAX)
    after: str | None = Field(None, max_length=200, description="`next` of the page before.")


class SyncFeedQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    cursor: str | None = Field(None, max_length=200, description=(
        "`next_cursor` of the last answer; leave out to start from the beginning."))
    count: int = Field(100, ge=1, le=PAGE_MAX, description="At most this many changes.")


class RemovedStatement(BaseModel):
    id: int
    account_id: int


class SyncFeed(BaseModel):
    added: list[Statement]
    modified: list[Statement] = Field(description="Fields, memo or booking changed.")
    removed: list[RemovedStatement] = Field(description="An undone import, a deleted entry.")
    next_cursor: str = Field(description="Store it; pass it as `cursor` next time.")
    has_more: bool = Field(description="More changes wait: ask again with next_cursor now.")


class SyncRun(BaseModel):
    id: int
    account_id: int
    state: Literal["queued", "running", "done", "failed", "needs_selection"]
    trigger: Literal["user", "schedule", "retry"]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_attempt_at: datetime | None = Field(
        description="A queued run waits until then (bank hours, the daily limit, a retry).")
    fetched: int
    added: int
    error_code: str | None = Field(description=(
        "Why it failed, or why a queued run waits: outside_hours, maintenance, daily_limit."))


class SyncRunAnswer(BaseModel):
    run: SyncRun


WEBHOOK_EVENTS = EVENTS
DELIVERIES_MAX = 200


class Webhook(BaseModel):
    id: int
    url: str
    description: str
    events: list[str] = Field(description="The event types it is sent: "
                              + ", ".join(WEBHOOK_EVENTS) + ".")
    enabled: bool
    disabled_reason: str | None = Field(description=(
        "Why it is off: failures (switched off after deliveries failed in a row) or member."))
    failure_streak: int = Field(description="Deliveries given up in a row.")
    created_at: datetime


class WebhookList(BaseModel):
    webhooks: list[Webhook]


class NewWebhook(BaseModel):
    url: str = Field(max_length=2000, description=(
        "https:// only; an address on a local or private network is refused."))
    description: str = Field("", max_length=200)
    events: list[str] = Field(max_length=20, description=(
        "One or more of " + ", ".join(WEBHOOK_EVENTS) + "."))


class WebhookSwitch(BaseModel):
    enabled: bool = Field(description=(
        "true: sent again (its failure streak starts at 0); false: sent nothing until "
        "switched on."))


class WebhookCreated(BaseModel):
    webhook: Webhook
    secret: str = Field(description=(
        "The signing secret (whsec_…), given this once only: store it now."))


class WebhookDelivery(BaseModel):
    id: int
    event_type: str
    event_id: str = Field(description="The webhook-id header; the same on every retry.")
    state: Literal["pending", "sending", "delivered", "failed"]
    attempts: int
    last_status: int | None = Field(description="The receiver's last HTTP status.")
    response_ms: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class WebhookDeliveryList(BaseModel):
    deliveries: list[WebhookDelivery] = Field(description="Newest first.")


class DeliveriesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    limit: int = Field(50, ge=1, le=DELIVERIES_MAX)


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: the parameter, then any inner part.")
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details."""
    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    code: str = Field(description="The type's last part, to switch on.")
    scope: str | None = Field(None, description="insufficient-scope: the scope(s) needed.")
    errors: list[FieldError] | None = Field(None, description="invalid-request: what is wrong.")
