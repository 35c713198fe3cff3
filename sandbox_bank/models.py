"""Plain records the sandbox keeps in memory (and snapshots to SQLite when asked)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import ClientMixin

PERM_BALANCES = "balances"
PERM_TRANSACTIONS = "transactions"

SCOPE_ALL = "private:account"
SCOPE_BALANCES = "private:account.balances"
SCOPE_TRANSACTIONS = "private:account.transactions"
SCOPES = [SCOPE_ALL, SCOPE_BALANCES, SCOPE_TRANSACTIONS]

ACCOUNT_TYPES = {"01": "普通", "02": "普通(決済用)", "11": "円定期", "51": "外貨普通"}


def scope_permissions(scope: str) -> set[str]:
    perms: set[str] = set()
    for item in (scope or "").split():
        if item == SCOPE_ALL:
            perms |= {PERM_BALANCES, PERM_TRANSACTIONS}
        elif item == SCOPE_BALANCES:
            perms.add(PERM_BALANCES)
        elif item == SCOPE_TRANSACTIONS:
            perms.add(PERM_TRANSACTIONS)
    return perms


def permissions_scope(perms: set[str]) -> str:
    if perms >= {PERM_BALANCES, PERM_TRANSACTIONS}:
        return SCOPE_ALL
    return SCOPE_BALANCES if PERM_BALANCES in perms else SCOPE_TRANSACTIONS


@dataclass(slots=True)
class Statement:
    seq: int  # posting order within the account; the stable key of the statement
    date: dt.date
    value_date: dt.date
    amount: int  # signed: + deposit, - withdrawal
    balance: int  # after this statement
    remarks: str | None
    kind: str = "99"  # mufg transactionType

    @property
    def item_key(self) -> str:
        return f"{self.seq:010d}"


@dataclass
class Account:
    account_id: str  # branch 3 + 科目 2 + number 7
    bank_code: str
    owner: str  # login
    branch_code: str
    branch_name: str
    type_code: str
    number: str
    name: str
    name_kana: str  # half-width
    primary: bool
    opening_balance: int
    currency: str = "JPY"
    statements: list[Statement] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        return ACCOUNT_TYPES.get(self.type_code, "その他")

    @property
    def balance(self) -> int:
        return self.statements[-1].balance if self.statements else self.opening_balance

    def balance_before(self, day: dt.date) -> int:
        """Balance at the end of the day before `day` (previousDayBalance)."""
        balance = self.opening_balance
        for st in self.statements:
            if st.date >= day:
                break
            balance = st.balance
        return balance


@dataclass
class BankUser:
    login: str
    password: str
    name: str
    name_kana: str
    corporate: bool = False
    certificate: str | None = None  # certificate subject, when the user holds one
    script: str | None = None  # locked | consent_expired | revoke_after_sync
    revoked_at: float | None = None  # last password change: grants before it are dead


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    name: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # No default: every authorization request must name one of the registered URIs.
        return None

    def get_allowed_scope(self, scope):
        return scope or SCOPE_ALL

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris  # exact string match only

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")

    def to_dict(self) -> dict:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": list(self.redirect_uris),
            "name": self.name,
        }


@dataclass
class Grant:
    """One consent: a bank user let one client see some accounts with some permissions."""

    grant_id: str
    bank_code: str
    login: str
    client_id: str
    account_ids: list[str]
    scope: str
    created_at: float
    expires_at: float  # absolute consent end; refresh never moves it
    revoked: str | None = None  # reason, when revoked
    synced: bool = False  # a complete transactions listing was served

    @property
    def permissions(self) -> set[str]:
        return scope_permissions(self.scope)


@dataclass
class AuthCode:
    code: str
    bank_code: str
    client_id: str
    redirect_uri: str
    scope: str
    grant_id: str
    code_challenge: str
    code_challenge_method: str
    expires_at: float
    used: bool = False

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


@dataclass
class Token:
    access_token: str
    refresh_token: str | None
    bank_code: str
    client_id: str
    grant_id: str
    scope: str
    issued_at: float
    expires_in: int
    access_revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client):
        return client.client_id == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self, now: float) -> bool:
        return now >= self.issued_at + self.expires_in
