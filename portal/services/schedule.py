"""Scheduled work: queue every linked account a few times a day; refresh tokens ahead of expiry."""
import logging
from datetime import timedelta

from sqlmodel import Session, select

from ..banks.errors import BankApiError
from ..banks.registry import BankRegistry
from ..crypto import TokenCipher
from ..dates import utcnow
from ..models import Account, BankConnection
from ..models.vocabulary import ConnectionState, SyncMethod, SyncTrigger
from . import sync_queue
from .connections import access_token

log = logging.getLogger(__name__)


def queue_scheduled_syncs(session: Session, registry: BankRegistry) -> int:
    """One run per linked account whose consent works; accounts already queued are left alone.

    Outside a bank's hours or over its daily limit the run waits for the opening time.
    """
    rows = session.exec(
        select(Account).join(BankConnection, Account.connection_id == BankConnection.id)
        .where(Account.sync_method == SyncMethod.API, Account.remote_account_id.is_not(None),
               BankConnection.state == ConnectionState.ACTIVE))
    queued = 0
    for account in rows:
        if sync_queue.active_run(session, account.id) is None:
            sync_queue.request_sync_in_hours(session, account, registry.get(account.bank_code),
                                             trigger=SyncTrigger.SCHEDULE)
            queued += 1
    return queued


def refresh_due_tokens(session: Session, registry: BankRegistry, cipher: TokenCipher,
                       ahead: timedelta = timedelta(minutes=10)) -> int:
    """Refresh access tokens that expire soon, so a sync never starts on a dying token."""
    due = session.exec(select(BankConnection).where(
        BankConnection.state == ConnectionState.ACTIVE, BankConnection.refresh_token_enc.is_not(None),
        BankConnection.access_expires_at <= utcnow() + ahead))
    refreshed = 0
    for conn in due:
        bank = registry.get(conn.bank_code)
        if bank is None:
            continue
        try:
            access_token(session, cipher, bank, conn, min_validity=ahead)
            refreshed += 1
        except BankApiError as exc:  # marked reauth_required inside when the consent is gone
            log.info("token refresh for connection %s failed: %s", conn.id, exc.code)
        except Exception:
            log.exception("token refresh for connection %s failed", conn.id)
    return refreshed
