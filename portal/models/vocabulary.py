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
