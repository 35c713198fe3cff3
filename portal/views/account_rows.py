"""What one account row on home needs, gathered for many accounts in a fixed number of queries."""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlmodel import Session, select

from ..models import Account, BankConnection, SyncRun
from ..models._time import utcnow
from ..services import accounts as accounts_svc
from ..services import call_budget, reauth


@dataclass
class AccountRow:
    account: Account
    bank_name: str
    connection: BankConnection | None
    run: SyncRun | None
    api_configured: bool
    calls_left: int | None = None  # today's API calls left where the bank sets a daily limit
    unlinked: bool = False  # the consent sees bank-side accounts nobody linked yet

    @property
    def show_unlinked(self) -> bool:
        return bool(self.unlinked and self.run and self.run.notice == "unlinked_accounts")

    @property
    def polling(self) -> bool:
        return self.account.sync_state in ("queued", "running")

    @property
    def waiting(self) -> bool:
        """Queued for later (bank closed, Retry-After): poll slowly."""
        run = self.run
        return bool(self.polling and run and run.state == "queued" and run.next_attempt_at
                    and run.next_attempt_at > utcnow() + timedelta(seconds=5))

    @property
    def needs_reauth(self) -> bool:
        return self.connection is not None and self.connection.state != "active"

    @property
    def consent_warning(self) -> bool:
        return (not self.needs_reauth and self.account.remote_account_id is not None
                and reauth.needs_attention(self.connection))


def build(session: Session, accounts: list[Account]) -> list[AccountRow]:
    registry = current_app.extensions["bank_registry"]
    runs = accounts_svc.latest_runs(session, [a.id for a in accounts])
    conn_ids = {a.connection_id for a in accounts if a.connection_id}
    conns = {c.id: c for c in session.exec(
        select(BankConnection).where(BankConnection.id.in_(conn_ids)))} if conn_ids else {}
    left = {code: call_budget.remaining(session, registry.get(code))
            for code in {a.bank_code for a in accounts if a.sync_method == "api"}}
    unlinked = accounts_svc.connections_with_unlinked(session, list(conns))
    return [AccountRow(a, accounts_svc.bank_name(a.bank_code), conns.get(a.connection_id),
                       runs.get(a.id), registry.get(a.bank_code) is not None, left.get(a.bank_code),
                       a.connection_id in unlinked)
            for a in accounts]


def build_one(session: Session, account: Account) -> AccountRow:
    return build(session, [account])[0]
