"""One consent for several accounts of one bank: troubleshooting links, borrowing a login."""
from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import Account, BankConnection, RemoteAccount
from ..models.vocabulary import ConnectionState, SyncMethod, SyncState
from . import accounts as accounts_svc


class SharingError(ValueError):
    pass


@dataclass(frozen=True)
class SharedLogin:
    """An account whose consent (ログイン情報) another account of the same bank may use."""

    account: Account
    connection: BankConnection


def remotes_of(session: Session, account: Account) -> list[RemoteAccount]:
    if account.connection_id is None:
        return []
    return list(session.exec(select(RemoteAccount).where(
        RemoteAccount.connection_id == account.connection_id,
        RemoteAccount.office_id == account.office_id).order_by(RemoteAccount.remote_id)))


def mapped_remote_ids(session: Session, office_id: int) -> dict[int, Account]:
    return {a.remote_account_id: a for a in session.exec(select(Account).where(
        Account.office_id == office_id, Account.remote_account_id.is_not(None)))}


def link_remotes(session: Session, account: Account, remote_ids: list[int]) -> int:
    """[口座を保存する] on トラブルシューティング: the ticked bank-side accounts become linkable."""
    remotes = {r.id: r for r in remotes_of(session, account)}
    if any(rid not in remotes for rid in remote_ids):
        raise SharingError("unknown_remote")
    for rid in remote_ids:
        remotes[rid].linked = True
    session.commit()
    return len(remote_ids)


def shared_logins(session: Session, account: Account) -> list[SharedLogin]:
    """Other accounts of the same bank in this office whose consent works, one per consent."""
    rows = session.exec(
        select(Account, BankConnection).join(BankConnection, Account.connection_id == BankConnection.id)
        .where(Account.office_id == account.office_id, Account.bank_code == account.bank_code,
               Account.id != account.id, BankConnection.state == ConnectionState.ACTIVE)
        .order_by(Account.id))
    seen, out = set(), []
    for other, conn in rows:
        if conn.id in seen or conn.id == account.connection_id:
            continue
        seen.add(conn.id)
        out.append(SharedLogin(other, conn))
    return out


def use_login_of(session: Session, account: Account, other_account_id: int) -> list[RemoteAccount]:
    """Attach the account to another account's consent; no second consent is made.

    Returns the bank-side accounts still to choose from (empty when mapped already).
    """
    login = next((s for s in shared_logins(session, account) if s.account.id == other_account_id),
                 None)
    if login is None:
        raise SharingError("login_not_shareable")
    account.connection_id = login.connection.id
    account.remote_account_id = None
    account.sync_method = SyncMethod.API
    session.commit()
    choices = accounts_svc.selectable_remotes(session, account)
    linked = [r for r in choices if r.linked]
    if len(linked) == 1:
        accounts_svc.map_remote(session, account, linked[0].id)
        return []
    # Until a bank-side account is chosen nothing can sync: the row says so, whatever page
    # the user goes to next.
    account.sync_state = SyncState.NEEDS_SELECTION
    session.commit()
    return linked or choices


def active_connection_for_bank(session: Session, office_id: int, bank_code: str):
    return session.exec(select(BankConnection).where(
        BankConnection.office_id == office_id, BankConnection.bank_code == bank_code,
        BankConnection.state == ConnectionState.ACTIVE)).first()
