"""The words states are written in: one enum each, stored as their text. Labels for people live
in portal.labels, one per member."""
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class SyncMethod(StrEnum):
    API = "api"  # API連携
    MANUAL = "manual"  # 手動
    LEGACY = "legacy"  # 従来の方法 (statement files), can switch to API


class SyncState(StrEnum):
    """An account's sync state and a sync run's state (an account never has 'queued' runs
    and another state at once: it shows its newest run's)."""
    NEVER = "never"
    QUEUED = "queued"
    RUNNING = "running"
    NEEDS_SELECTION = "needs_selection"
    DONE = "done"
    FAILED = "failed"


ACTIVE_SYNC_STATES = (SyncState.QUEUED, SyncState.RUNNING)


class SyncTrigger(StrEnum):
    USER = "user"
    SCHEDULE = "schedule"
    RETRY = "retry"


class ConnectionState(StrEnum):
    ACTIVE = "active"
    REAUTH_REQUIRED = "reauth_required"
    REVOKED = "revoked"


class StatementSource(StrEnum):
    API = "api"
    MANUAL = "manual"
    CSV = "csv"
    LEGACY = "legacy"


class ReviewState(StrEnum):
    OPEN = "open"
    LINKED = "linked"
    ADDED = "added"
    IGNORED = "ignored"


class EnumText(TypeDecorator):
    """A column of one of these enums: the same VARCHAR as before, read back as the enum."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)


class BusinessForm(StrEnum):
    """Who keeps the books: it picks the default 勘定科目 (bookkeeping.defaults)."""
    CORPORATION = "corporation"  # 法人
    SOLE_PROPRIETOR = "sole_proprietor"  # 個人事業主


class TitleKind(StrEnum):
    """What a 勘定科目 is, as the balance sheet and the profit and loss statement file it."""
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class BookingState(StrEnum):
    """A statement's place in the books once it left the inbox (未処理の明細)."""
    BOOKED = "booked"  # 登録済み: a journal entry
    SKIPPED = "skipped"  # 対象外 (私用 etc.): no entry
    FLAGGED = "flagged"  # 要確認: the bank's statement changed or went after it was booked


class FlagReason(StrEnum):
    CHANGED = "changed"  # amount, date or description differ from what was booked
    REMOVED = "removed"  # the statement left the ledger (deleted, import undone)


class RuleMatch(StrEnum):
    """How a rule compares its text with a statement's 摘要 (both normalised)."""
    CONTAINS = "contains"
    EQUALS = "equals"
    STARTS_WITH = "starts_with"
    REGEX = "regex"


class Direction(StrEnum):
    IN = "in"  # 入金
    OUT = "out"  # 出金


class SuggestionSource(StrEnum):
    """Where an inbox suggestion came from."""
    RULE = "rule"  # 自動登録ルール
    LEARNED = "learned"  # how the same 摘要 was booked before
    TRANSFER = "transfer"  # 口座振替 between two of the office's accounts


class ExportChange(StrEnum):
    """How an exported entry differs from what the export contained."""
    EDITED = "edited"  # its content changed (an edit, a resolved flag, a renamed master)
    FLAGGED = "flagged"  # its statement changed or went at the bank
    UNDONE = "undone"  # taken back to the inbox


class Role(StrEnum):
    """A member's role in an office; what each may do is portal.permissions.GRANTS."""
    OWNER = "owner"
    ADMIN = "admin"
    BOOKKEEPER = "bookkeeper"
    VIEWER = "viewer"


class AuditAction(StrEnum):
    """What the audit log of an office records (portal.services.audit)."""
    ACCOUNT_LINKED = "account_linked"  # an account registered (API連携 or another method)
    ACCOUNT_REMOVED = "account_removed"
    CONSENT_GRANTED = "consent_granted"  # a consent given or renewed at the bank
    CONSENT_ENDED = "consent_ended"  # 連携解除 by a member
    MEMBER_INVITED = "member_invited"
    INVITATION_REVOKED = "invitation_revoked"
    MEMBER_JOINED = "member_joined"
    MEMBER_REMOVED = "member_removed"
    ROLE_CHANGED = "role_changed"
    OFFICE_SWITCHED = "office_switched"  # a member came into this office from another
    STATEMENTS_EXPORTED = "statements_exported"
    JOURNAL_EXPORTED = "journal_exported"
    TWO_FACTOR_POLICY = "two_factor_policy"
    WEBHOOK_CREATED = "webhook_created"
    WEBHOOK_DELETED = "webhook_deleted"
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105 (a word, not a secret)
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105


class NoticeKind(StrEnum):
    """The e-mails a member may receive; each can be switched off on its own."""
    CONSENT_EXPIRING = "consent_expiring"  # 14, 7 and 1 day before
    CONSENT_ENDED = "consent_ended"  # expired or revoked by the bank
    SYNC_FAILING = "sync_failing"  # three failed runs in a row
    LONG_TASK_DONE = "long_task_done"  # an import or export that took long
    WEBHOOK_DISABLED = "webhook_disabled"  # an endpoint switched off after failures


class NoticeState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one process under a lease
    SENT = "sent"
    FAILED = "failed"  # gave up after NOTICE_MAX_ATTEMPTS


class ChangeKind(StrEnum):
    """What happened to a statement, as the change feed (/api/v1/statements/sync) tells it."""
    ADDED = "added"
    MODIFIED = "modified"  # its fields, memo or booking
    REMOVED = "removed"


class DeliveryState(StrEnum):
    """A webhook delivery."""
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by one process under a lease
    DELIVERED = "delivered"  # answered 2xx
    FAILED = "failed"  # given up after its retries
