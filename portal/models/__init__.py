"""All tables. Import from here so Alembic and the app see the same metadata."""
from .bank_rate import BankRateSlot as BankRateSlot  # re-exported
from .banking import Account, BankConnection, RemoteAccount
from .books import (
    BookAccountMap,
    BookCounterparty,
    BookDepartment,
    BookEntry,
    BookExport,
    BookExportItem,
    BookLine,
    BookRule,
    BookSetup,
    BookSubAccount,
    BookTag,
    BookTaxClass,
    BookTitle,
)
from .ledger_stats import LedgerBreak as LedgerBreak  # re-exported
from .ledger_stats import LedgerDay as LedgerDay
from .statement_rows import MatchReview, Statement, StatementAlias, StatementImport
from .sync import BankCallCount, SyncRun
from .users import (
    Membership,
    Office,
    PasswordReset,
    PendingConsent,
    PendingSignup,
    RecoveryCode,
    User,
)
from .vocabulary import (
    ConnectionState,
    ReviewState,
    StatementSource,
    SyncMethod,
    SyncState,
    SyncTrigger,
)

__all__ = [
    "BookAccountMap",
    "BookCounterparty",
    "BookDepartment",
    "BookEntry",
    "BookExport",
    "BookExportItem",
    "BookLine",
    "BookRule",
    "BookSetup",
    "BookSubAccount",
    "BookTag",
    "BookTaxClass",
    "BookTitle",
    "Account",
    "ConnectionState",
    "ReviewState",
    "StatementSource",
    "SyncMethod",
    "SyncState",
    "SyncTrigger",
    "BankCallCount",
    "BankConnection",
    "MatchReview",
    "Membership",
    "Office",
    "PasswordReset",
    "PendingConsent",
    "PendingSignup",
    "RecoveryCode",
    "RemoteAccount",
    "Statement",
    "StatementAlias",
    "StatementImport",
    "SyncRun",
    "User",
]
