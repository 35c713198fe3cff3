"""Accounts (口座): kinds a bank offers, registration, listing, selection of bank-side accounts."""
from dataclasses import dataclass

from sqlalchemy import exists, func
from sqlmodel import Session, select

from ..banks import catalog
from ..banks.registry import DEFAULT_KINDS, BankRegistry
from ..models import Account, BankConnection, RemoteAccount, SyncRun
from ..models.vocabulary import SyncMethod, SyncState


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class KindChoice:
    key: str  # "api:<kind>" or "manual:<kind>"
    label: str  # e.g. みずほ銀行(法人)API: the walkthrough's words, and the default account name
    api: bool
    history_months: int | None
    kind_label: str = ""  # 個人 / 法人 as configured (translated for display by portal.labels)
    api_suffix: bool = False  # the label ends in 「API」


def bank_name(code: str) -> str:
    return catalog.display_name(code)


def kinds_for_bank(registry: BankRegistry, code: str) -> list[KindChoice]:
    name = bank_name(code)
    bank = registry.get(code)
    choices = []
    if bank is not None:
        for kind in bank.kinds:
            suffix = "API" if bank.api_suffix else ""
            choices.append(KindChoice(f"api:{kind.key}", f"{name}({kind.label}){suffix}", True,
                                      kind.history_months, kind.label, bool(suffix)))
        if not bank.api_suffix:
            return choices  # every kind of such a bank is API (e.g. 0038)
    for kind in DEFAULT_KINDS:
        choices.append(KindChoice(f"manual:{kind['key']}", f"{name}({kind['label']})", False, None,
                                  kind["label"]))
    return choices


def register_account(session: Session, registry: BankRegistry, *, office_id: int, bank_code: str,
                     kind_key: str, name: str | None) -> Account:
    choice = next((c for c in kinds_for_bank(registry, bank_code) if c.key == kind_key), None)
    if choice is None or catalog.get(bank_code) is None:
        raise AccountError("unknown_kind")
    method, _, kind = kind_key.partition(":")
    account = Account(office_id=office_id, name=(name or "").strip() or choice.label,
                      bank_code=bank_code, kind=kind, sync_method=SyncMethod(method))
    session.add(account)
    session.commit()
    return account


def get_account(session: Session, office_id: int, account_id: int) -> Account | None:
    return session.exec(
        select(Account).where(Account.id == account_id, Account.office_id == office_id)
    ).first()


def list_accounts(session: Session, office_id: int) -> list[Account]:
    return list(session.exec(
        select(Account).where(Account.office_id == office_id).order_by(Account.id)
    ))


def latest_runs(session: Session, account_ids: list[int]) -> dict[int, SyncRun]:
    """The newest run of each account, in one query (no N+1 on the home page)."""
    if not account_ids:
        return {}
    newest = (select(func.max(SyncRun.id)).where(SyncRun.account_id.in_(account_ids))
              .group_by(SyncRun.account_id))
    runs = session.exec(select(SyncRun).where(SyncRun.id.in_(newest)))
    return {run.account_id: run for run in runs}



def mapped_to_an_account(*also):
    """SQL: this bank-side account (a RemoteAccount row) is some account's. An EXISTS, one
    probe of account.remote_account_id's unique index per row: NOT IN (every mapped account)
    read all the deployment's accounts (6 ms at 16,000 on PostgreSQL, 0.05 ms this way)."""
    return exists().where(Account.remote_account_id == RemoteAccount.id, *also)


def selectable_remotes(session: Session, account: Account) -> list[RemoteAccount]:
    """Bank-side accounts of this account's consent that no other account is mapped to."""
    if account.connection_id is None:
        return []
    return list(session.exec(
        select(RemoteAccount).where(
            RemoteAccount.connection_id == account.connection_id,
            RemoteAccount.office_id == account.office_id,
            ~mapped_to_an_account(Account.id != account.id),
        ).order_by(RemoteAccount.branch_code, RemoteAccount.remote_id)
    ))


def map_remote(session: Session, account: Account, remote_account_id: int) -> None:
    allowed = {r.id for r in selectable_remotes(session, account)}
    if remote_account_id not in allowed:
        raise AccountError("remote_not_selectable")
    remote = session.get(RemoteAccount, remote_account_id)
    remote.linked = True
    account.remote_account_id = remote.id
    account.currency = remote.currency
    if account.sync_state == SyncState.NEEDS_SELECTION:
        account.sync_state = SyncState.DONE if account.last_synced_at else SyncState.NEVER
    session.commit()


def accounts_of_connection(session: Session, conn) -> list[Account]:
    return list(session.exec(select(Account).where(
        Account.connection_id == conn.id, Account.office_id == conn.office_id).order_by(Account.id)))


def connections_with_unlinked(session: Session, connection_ids: list[int]) -> set[int]:
    """Which of these consents see bank-side accounts nobody linked or mapped (one query)."""
    if not connection_ids:
        return set()
    return set(session.exec(select(RemoteAccount.connection_id).where(
        RemoteAccount.connection_id.in_(connection_ids), RemoteAccount.linked.is_(False),
        ~mapped_to_an_account()).distinct()))


def first_accounts(session: Session, connection_ids: list[int]) -> dict[int, int]:
    """The first (lowest id) account of each consent, in one query."""
    if not connection_ids:
        return {}
    return dict(session.exec(select(Account.connection_id, func.min(Account.id))
                             .where(Account.connection_id.in_(connection_ids))
                             .group_by(Account.connection_id)).all())


def connection_of(session: Session, account: Account) -> BankConnection | None:
    """The consent (ログイン情報) this account uses, if any."""
    return session.get(BankConnection, account.connection_id) if account.connection_id else None
