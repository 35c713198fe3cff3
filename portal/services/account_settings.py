"""口座設定: what the page shows (the consent, the oldest date the bank gives), saving the name,
the period (which syncs an API account) and the opening balance (accounts without an API),
and 連携解除."""
from datetime import date
from enum import StrEnum

from sqlmodel import Session

from ..banks.registry import BankApi
from ..crypto import TokenCipher
from ..dates import today_jst
from ..ledger.running_balance import Opening
from ..models import Account, RemoteAccount
from ..models.vocabulary import ConnectionState, SyncMethod, SyncState, SyncTrigger
from . import balances, connections, sync_queue
from .accounts import accounts_of_connection, connection_of
from .sync_window import earliest_available


class PeriodTooEarly(ValueError):
    def __init__(self, earliest: date):
        super().__init__(f"the bank gives statements from {earliest} only")
        self.earliest = earliest


class PeriodInFuture(ValueError):
    pass


class NotLinked(ValueError):
    pass


class Saved(StrEnum):
    SYNCING = "syncing"  # an API account with its bank-side account: [口座を保存する] syncs
    SAVED = "saved"  # nothing to sync (manual, files, or no consent yet)
    NEEDS_SELECTION = "needs_selection"  # a consent, but no bank-side account chosen yet


def period_floor(session: Session, account: Account, bank: BankApi | None) -> date | None:
    """The oldest start the bank allows, by the bank-side account's type once one is chosen."""
    if bank is None:
        return None
    remote = session.get(RemoteAccount, account.remote_account_id) if account.remote_account_id else None
    return earliest_available(account, bank, type_code=remote.account_type_code if remote else None)


def save(session: Session, account: Account, bank: BankApi | None, *, name: str,
         period_start: date | None, opening: Opening | None = None) -> Saved:
    """Save the name and period; an API account with its bank-side account chosen syncs at
    once (walkthrough: [口座を保存する]); one with a consent but no bank-side account is
    marked as waiting for that choice, never shown as ready to sync. An account without an
    API takes the opening balance too (None clears it); an API account keeps the bank's."""
    floor = period_floor(session, account, bank)
    if period_start and floor and period_start < floor:
        raise PeriodTooEarly(floor)
    if period_start and period_start > today_jst():
        raise PeriodInFuture(period_start)
    account.name = name.strip()
    account.period_start = period_start
    if account.sync_method != SyncMethod.API:
        set_opening(session, account, opening)
    linked = account.sync_method == SyncMethod.API and account.connection_id is not None
    if linked and account.remote_account_id is None:
        account.sync_state = SyncState.NEEDS_SELECTION
        session.commit()
        return Saved.NEEDS_SELECTION
    session.commit()
    if linked:
        sync_queue.request_sync(session, account, trigger=SyncTrigger.USER)
        return Saved.SYNCING
    return Saved.SAVED


def set_opening(session: Session, account: Account, opening: Opening | None) -> None:
    """A new opening balance moves every balance carried from it, from the earlier of the
    old and the new date on. The caller commits."""
    old = balances.opening_of(account)
    if old == opening:
        return
    account.opening_balance = opening.balance if opening else None
    account.opening_balance_date = opening.day if opening else None
    balances.after_write(session, account, min(o.day for o in (old, opening) if o is not None))


def sharing_the_login(session: Session, account: Account) -> list[Account]:
    """Every account that uses this account's consent: 連携解除 stops them all.
    NotLinked when there is no consent to end."""
    conn = connection_of(session, account)
    if conn is None or conn.state == ConnectionState.REVOKED:
        raise NotLinked("account has no active consent")
    return accounts_of_connection(session, conn)


def disconnect(session: Session, cipher: TokenCipher, bank: BankApi | None, account: Account) -> bool:
    """連携解除 of the consent this account uses; statements stay. Every account of the consent
    stops where it is: queued or running syncs end, and each shows that it needs a new consent
    (not the state of its last sync). NotLinked when there is no consent to end."""
    affected = sharing_the_login(session, account)
    conn = connection_of(session, account)
    confirmed = connections.disconnect(session, cipher, bank, conn)
    sync_queue.cancel_active(session, [a.id for a in affected], reason="reauth_required")
    for other in affected:
        other.sync_state, other.sync_error_code = SyncState.FAILED, "reauth_required"
    session.commit()
    return confirmed
