"""What one account row (home, the account list) needs, for many accounts in a fixed number of
queries."""
from dataclasses import dataclass

from sqlmodel import Session, select

from ..banks.registry import BankRegistry
from ..models import Account, BankConnection, SyncRun
from ..models.vocabulary import ACTIVE_SYNC_STATES, ConnectionState, SyncMethod
from . import accounts as accounts_svc
from . import call_budget, reauth, sync_status


@dataclass
class AccountRow:
    account: Account
    bank_name: str
    connection: BankConnection | None
    run: SyncRun | None
    api_configured: bool
    calls_left: int | None = None  # today's API calls left where the bank sets a daily limit
    unlinked: bool = False  # the consent sees bank-side accounts nobody linked yet
    first_of_consent: bool = True  # the consent's first account: its notices are shown here

    @property
    def show_unlinked_notice(self) -> bool:
        """The words about unlinked accounts: once per consent, not on every account of it."""
        return bool(self.unlinked and not self.needs_reauth and self.first_of_consent)

    @property
    def show_unlinked(self) -> bool:
        # A consent that needs renewing lists nothing to link: its accounts need the consent first.
        return bool(self.unlinked and not self.needs_reauth and self.run
                    and self.run.notice == "unlinked_accounts")

    @property
    def polling(self) -> bool:
        return self.account.sync_state in ACTIVE_SYNC_STATES

    @property
    def waiting(self) -> bool:
        """Queued for later (bank closed, Retry-After): poll slowly."""
        run = self.run
        return bool(self.polling and run and sync_status.is_waiting(run.state, run.next_attempt_at))

    @property
    def needs_reauth(self) -> bool:
        return self.connection is not None and self.connection.state != ConnectionState.ACTIVE

    @property
    def consent_warning(self) -> bool:
        return (not self.needs_reauth and self.account.remote_account_id is not None
                and reauth.needs_attention(self.connection))


def build(session: Session, registry: BankRegistry, accounts: list[Account]) -> list[AccountRow]:
    runs = accounts_svc.latest_runs(session, [a.id for a in accounts])
    conn_ids = {a.connection_id for a in accounts if a.connection_id}
    conns = {c.id: c for c in session.exec(
        select(BankConnection).where(BankConnection.id.in_(conn_ids)))} if conn_ids else {}
    left = {code: call_budget.remaining(session, registry.get(code))
            for code in {a.bank_code for a in accounts if a.sync_method == SyncMethod.API}}
    unlinked = accounts_svc.connections_with_unlinked(session, list(conns))
    firsts = accounts_svc.first_accounts(session, list(conns))
    return [AccountRow(a, accounts_svc.bank_name(a.bank_code), conns.get(a.connection_id),
                       runs.get(a.id), registry.get(a.bank_code) is not None, left.get(a.bank_code),
                       a.connection_id in unlinked, firsts.get(a.connection_id) == a.id)
            for a in accounts]


def build_one(session: Session, registry: BankRegistry, account: Account) -> AccountRow:
    return build(session, registry, [account])[0]


def poll_interval(rows: list[AccountRow]) -> str | None:
    """How often the page polls for these rows: as sync_status.interval, from rendered rows."""
    polling = [r for r in rows if r.polling]
    if not polling:
        return None
    return "30s" if all(r.waiting for r in polling) else "1s"
