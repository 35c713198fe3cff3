"""Plain values the bank adapters produce and the client sends: no Flask, no database."""
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True)
class RemoteAccountInfo:
    """One bank-side account a consent lets us see."""

    remote_id: str
    branch_code: str
    branch_name: str
    account_type_code: str
    account_type_name: str
    account_number: str
    account_name: str
    account_name_kana: str
    currency: str

    @property
    def masked_number(self) -> str:
        """The account number with all but the last four digits hidden (***4567)."""
        return "***" + self.account_number[-4:] if self.account_number else ""


@dataclass(frozen=True)
class BalanceInfo:
    remote_id: str
    balance: Decimal
    currency: str
    base_date: date
    base_time: time | None  # as the bank gives it; aware when the bank sends an offset
    withdrawable: Decimal | None
    previous_day_balance: Decimal | None


class TransactionInfo(NamedTuple):
    """One statement line. A NamedTuple, not a frozen dataclass: a sync builds one per row,
    and a frozen dataclass's __init__ (object.__setattr__ per field) made a page's parsing
    a fifth slower (3.5 against 2.8 µs per row)."""

    item_key: str  # the bank's unique key per account (dedupe key)
    transaction_date: date
    value_date: date | None  # 起算日, may differ from the transaction date
    amount: Decimal  # signed: + deposit (入金), - withdrawal (出金)
    remarks: str  # 摘要 as the bank sends it; "" when omitted
    balance_after: Decimal | None
    currency: str


@dataclass(frozen=True)
class TransactionPage:
    transactions: tuple[TransactionInfo, ...]
    next_cursor: str | None  # opaque; None on the last page


@dataclass(frozen=True)
class HttpRequest:
    """A request an adapter describes and the client sends (adapters never do I/O)."""

    method: str
    url: str
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        # Headers carry the access token: keep it out of reprs, logs and tracebacks.
        return f"HttpRequest({self.method} {self.url} params={self.params!r})"
