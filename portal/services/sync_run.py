"""Executing one sync run: tokens, bank-side accounts, balance, statements page by page."""
import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import Engine, event, update
from sqlmodel import Session, select

from ..banks import hours
from ..banks.client import BankClient, shared_http
from ..banks.errors import (
    BadBankResponse,
    BankApiError,
    BankConnectionError,
    BankServerError,
    BankUnavailable,
    RateLimited,
    ReauthRequired,
)
from ..banks.prefetch import ahead
from ..banks.registry import BankApi, BankRegistry
from ..banks.types import TransactionPage
from ..crypto import TokenCipher
from ..dates import utcnow
from ..db import session_scope
from ..models import Account, BankConnection, RemoteAccount, SyncRun
from ..models.vocabulary import ConnectionState, StatementSource, SyncState, SyncTrigger
from . import accounts as accounts_svc
from . import balances, call_budget, ledger_stats, sync_queue, webhooks
from .connections import access_token, mark_reauth
from .cutover.apply import apply_api_page
from .statements import (
    bank_row_values,
    days_with_rows,
    has_aliases,
    insert_values,
    ready_inserts,
    run_inserts,
)
from .sync_window import fetch_window, missing_range

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
MAX_RESUMES = 10  # a run that kills its worker every time must end, not loop
# Rows a sync inserts before it brings the kept figures (ledger_stats) up to date: summing
# each page's days again was a third of a large sync's time.
STATS_EVERY = 5000
COMMIT_EVERY_ROWS = 2000
COMMIT_EVERY_SECONDS = 1.0


def new_worker_id() -> str:
    # Host and pid say where a lease is held; the random part keeps a restarted pid apart.
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseLost(Exception):
    """This worker no longer holds the run (another took it over, or it was cancelled)."""


@dataclass(frozen=True)
class SyncContext:
    registry: BankRegistry
    cipher: TokenCipher
    overlap_days: int = 7
    http_timeout: float = 15.0
    max_retry_wait: float = 30.0
    lease_seconds: float = 30.0
    worker_id: str = field(default_factory=new_worker_id)
    # Called with the bank code before every request to that bank, retries included.
    rate_gate: Callable[[str], None] | None = None
    http_connections: int = 4  # kept alive per bank: the worker's threads
    # One pooled httpx.Client per bank API for the life of this context (the worker).
    _http: dict[str, httpx.Client] = field(default_factory=dict, init=False, repr=False,
                                           compare=False)
    _http_lock: threading.Lock = field(default_factory=threading.Lock, init=False,
                                       repr=False, compare=False)

    def client(self, bank: BankApi) -> BankClient:
        with self._http_lock:
            http = self._http.get(bank.api_base)
            if http is None:
                http = self._http[bank.api_base] = shared_http(self.http_timeout,
                                                                self.http_connections)
        gate = self.rate_gate
        return BankClient(bank.api_base, bank.dialect, bank.client_id, http=http,
                          timeout=self.http_timeout, max_retry_wait=self.max_retry_wait,
                          before_request=(lambda: gate(bank.bank_code)) if gate else None)

    def close(self) -> None:
        """Close the shared clients (the worker stops); a later `client` opens new ones."""
        with self._http_lock:
            clients = list(self._http.values())
            self._http.clear()
        for http in clients:
            http.close()


def minor_units(amount: Decimal, currency: str) -> int:
    """The amount in the currency's smallest unit (円; else hundredths). A fraction below it
    is refused, never rounded or cut off: a stored amount must be the bank's."""
    scaled = amount if currency == "JPY" else amount * 100
    whole = scaled.to_integral_value()
    if whole != scaled:  # Decimal against Decimal: a third of the time of against an int
        raise BadBankResponse(f"an amount has a fraction below the smallest unit of {currency}")
    return int(whole)


def execute(engine: Engine, ctx: SyncContext, run_id: int) -> None:
    with session_scope(engine) as session:
        run, account = _load(session, run_id)
        bank = ctx.registry.get(account.bank_code)
        client = ctx.client(bank) if bank else None
        try:
            _attempt(session, ctx, run, account, bank, client)
        except LeaseLost:
            session.rollback()
            log.info("sync run %s was taken over or cancelled; this worker stops", run_id)
        except BaseException:
            session.rollback()
            raise
        finally:
            # The go's bank calls are counted in the transaction that ends the run (after a
            # lost lease or an error, in one of their own): a commit less per sync.
            if client is not None:
                call_budget.record(session, account.bank_code, client.calls)
            session.commit()


def _load(session: Session, run_id: int) -> tuple[SyncRun, Account]:
    """The run, its account, the account's consent and its bank-side account in one query
    (each was a round trip; the last two are then found in the session by their id)."""
    run, account, *found = session.exec(
        select(SyncRun, Account, BankConnection, RemoteAccount)
        .join(Account, Account.id == SyncRun.account_id)
        .outerjoin(BankConnection, BankConnection.id == Account.connection_id)
        .outerjoin(RemoteAccount, RemoteAccount.id == Account.remote_account_id)
        .where(SyncRun.id == run_id)).one()
    # The session holds objects weakly: unreferenced, these would be gone by the lookup.
    session.info["loaded_with_run"] = found
    return run, account


def _attempt(session: Session, ctx: SyncContext, run: SyncRun, account: Account, bank,
             client) -> None:
    """One worker's go at a run; every way it ends is written to the run (the sync log), in
    a transaction the caller commits."""
    if run.resumes and run.fetched and run.date_from is not None:
        # A worker stopped during this run: the figures of what it stored may not have been
        # brought up to date. Its days are inside the run's window.
        _stats_due(session).update(dict.fromkeys(
            days_with_rows(session, account.id, run.date_from, run.date_to)))
    try:
        if run.resumes > MAX_RESUMES:
            _finish(session, ctx, run, account, SyncState.FAILED, "interrupted",
                    "the sync was interrupted too many times")
        else:
            _sync(session, ctx, run, account, bank, client)
    except LeaseLost:
        raise
    except ReauthRequired as exc:
        session.rollback()
        conn = session.get(BankConnection, account.connection_id)
        if conn is not None and conn.state == ConnectionState.ACTIVE:
            mark_reauth(session, conn, "token_rejected")
        _finish(session, ctx, run, account, SyncState.FAILED, exc.code, str(exc))
    except (RateLimited, BankUnavailable, BankServerError, BankConnectionError) as exc:
        session.rollback()
        _retry_later(session, ctx, run, account, exc, bank)
    except BadBankResponse as exc:
        session.rollback()
        if exc.transient:  # a broken transfer, the client's retries used up: come back later
            _retry_later(session, ctx, run, account, exc, bank)
        else:
            _finish(session, ctx, run, account, SyncState.FAILED, exc.code, str(exc))
    except BankApiError as exc:
        session.rollback()
        _finish(session, ctx, run, account, SyncState.FAILED, exc.code, str(exc))
    except Exception:
        session.rollback()
        log.exception("sync run %s failed unexpectedly", run.id)
        _finish(session, ctx, run, account, SyncState.FAILED, "internal_error", "unexpected error")


def _hold(session: Session, ctx: SyncContext, run: SyncRun) -> None:
    """Renew this worker's lease in the open transaction, writing the run's changes with it
    (its end too: the fence checks it is still running), or stop: the run is not ours now."""
    if not sync_queue.hold(session, run, ctx.worker_id, ctx.lease_seconds):
        raise LeaseLost()


def _stats_due(session: Session) -> dict:
    """The days this go of the run inserted rows on whose kept figures are not up to date
    yet, with those rows (ledger_stats.Written; None: read the day back). Held with the
    session, so every way the go ends finds them; after a rollback every day is read back,
    for the rows it inserted since the last commit are gone."""
    due = session.info.get("stats_due")
    if due is None:
        due = session.info["stats_due"] = {}
        event.listen(session, "after_rollback", _read_back_after_rollback)
    return due


def _read_back_after_rollback(session: Session) -> None:
    due = session.info.get("stats_due")
    if due:
        due.update(dict.fromkeys(due))


def _bring_stats(session: Session, account: Account) -> None:
    """Bring the kept figures of the due days up to date, in the transaction about to be
    committed: from the rows the run inserted where they are all of a day's rows, else from
    the stored statements (a day whose rows were rolled back is right too). The days stay
    due until that is done."""
    due = _stats_due(session)
    if due:
        ledger_stats.touched(session, account.id, due, written=due)
        due.clear()


def _commit(session: Session, ctx: SyncContext, run: SyncRun) -> None:
    """Commit the worker's writes only while it still holds the run: the heartbeat of each
    page."""
    _hold(session, ctx, run)
    session.commit()


def _sync(session: Session, ctx: SyncContext, run: SyncRun, account: Account, bank,
          client) -> None:
    conn = accounts_svc.connection_of(session, account)
    if bank is None or conn is None:
        _finish(session, ctx, run, account, SyncState.FAILED, "not_linked",
                "account has no bank consent")
        return
    token = access_token(session, ctx.cipher, bank, conn)
    unlinked = _refresh_remotes(session, client, token, conn)
    # Only now: set before the bank's answer, it would be flushed by the list's first read
    # and hold the write lock (SQLite: the database's) through the call. Committed at once:
    # the consent's other accounts, syncing beside this one, write the same remote rows.
    account.sync_state = SyncState.RUNNING  # 同期中 shows from this commit
    _commit(session, ctx, run)
    if account.remote_account_id is None:
        choices = accounts_svc.selectable_remotes(session, account)
        if len(choices) == 1 and _remote_count(session, conn.id) == 1:
            accounts_svc.map_remote(session, account, choices[0].id)
        else:
            _finish(session, ctx, run, account, SyncState.NEEDS_SELECTION, "needs_selection",
                    "choose the bank-side account to sync")
            return
    remote = session.get(RemoteAccount, account.remote_account_id)
    if unlinked - {account.remote_account_id}:  # the one just mapped is linked now
        run.notice = "unlinked_accounts"
    for bal in client.balances(token, remote.remote_id):
        if bal.remote_id == remote.remote_id:
            account.balance = minor_units(bal.balance, bal.currency)
            account.balance_date = bal.base_date
    if run.date_from is None:  # first go; a resumed run keeps its window and its cursor
        run.date_from, run.date_to = fetch_window(account, bank, ctx.overlap_days,
                                                  remote.account_type_code)
        gap = missing_range(account, run.date_from)
        if gap:
            account.gap_from, account.gap_to = gap
    _commit(session, ctx, run)
    if run.resume_cursor is not None or run.fetched == 0:
        _fetch_pages(session, ctx, run, account, client, token, remote.remote_id)
    # else: every page was stored before this run's last worker stopped; only the end is left
    session.refresh(conn)
    if conn.state != ConnectionState.ACTIVE:  # ended (連携解除) while this run paged
        raise ReauthRequired(message="the consent ended during the sync")
    # Manual entries without 残高 after the fetched days carry the bank's balance on.
    _bring_stats(session, account)
    balances.carry_derived(session, account, run.date_from)
    # After carry_derived's reads, so that these go in _finish's one update of the account.
    account.synced_through = run.date_to
    account.fetched_from = min(run.date_from, account.fetched_from or run.date_from)
    account.last_synced_at = utcnow()
    _finish(session, ctx, run, account, SyncState.DONE, None, None)


def _fetch_pages(session: Session, ctx: SyncContext, run: SyncRun, account: Account, client,
                 token: str, remote_id: str) -> None:
    """Page from the stored cursor (or the start); pages, their counts and the next cursor
    are committed together, so a worker taking over neither refetches what was committed
    nor counts twice. A commit every COMMIT_EVERY_ROWS rows or COMMIT_EVERY_SECONDS (a
    commit per page was a sixth of a large sync's time), and before a bank error is
    raised: what the bank gave before it failed is kept. The next page is fetched while
    this one is stored (prefetch.ahead): the bank's answer time no longer adds to the
    database's."""
    since_stats = since_commit = pending_added = 0
    last_commit = time.monotonic()
    # Aliases come only from a cutover (apply_api_page, which looks on every page): an
    # account without a cutover date gets none while it syncs, so one look serves all pages
    # (a look per page also flushed the run's counters each time).
    aliases = None if account.cutover_date else has_aliases(session, account.id)
    # What the fetching thread needs to prepare a page's insert: plain values, never the
    # session or its objects (those belong to this thread). With no alias to leave out, it
    # makes the INSERTs themselves too.
    into = None if account.cutover_date else (session.get_bind().dialect.name, account.office_id,
                                              account.id, not aliases)
    pages = client.transaction_pages(token, remote_id, run.date_from, run.date_to,
                                     cursor=run.resume_cursor)
    try:
        with ahead(_prepared(pages, run.id, into), name=f"sync-run-{run.id}-pages") as fetched:
            for page, rows, values in fetched:
                if values is None:
                    added = apply_api_page(session, account, rows)
                else:
                    stored = (insert_values(session, account.id, values, aliases=aliases)
                              if aliases else run_inserts(session, values))
                    ledger_stats.by_day(stored, into=_stats_due(session))
                    added = stored.added
                    since_stats += added
                    if since_stats >= STATS_EVERY:
                        _bring_stats(session, account)
                        since_stats = 0
                lines = len(page.transactions)
                run.fetched += lines
                run.added += added
                run.skipped += lines - added
                run.resume_cursor = page.next_cursor
                pending_added += added
                since_commit += lines
                if (since_commit >= COMMIT_EVERY_ROWS
                        or time.monotonic() - last_commit >= COMMIT_EVERY_SECONDS):
                    _commit_pages(session, ctx, run, account, pending_added)
                    pending_added = since_commit = 0
                    last_commit = time.monotonic()
    except BankApiError:
        _commit_pages(session, ctx, run, account, pending_added)
        raise
    _commit_pages(session, ctx, run, account, pending_added)


def _prepared(pages: Iterator[TransactionPage], run_id: int, into: tuple | None) -> Iterator:
    """Each page with, where `into` is None (a cutover compares rows first), its rows, else
    their insert values (statements.bank_row_values(*into[:3], run_id, lines)), made into
    the INSERTs themselves where `into[3]` says no alias is to be left out (ready_inserts).
    Run on the fetching thread, so a page is made ready to store while the page before is
    being stored."""
    try:
        for page in pages:
            if into is None:
                yield page, [_row(t, run_id) for t in page.transactions], None
                continue
            dialect, office_id, account_id, ready = into
            values = bank_row_values(dialect, office_id, account_id, run_id, (
                (t.item_key, t.transaction_date, t.value_date, minor_units(t.amount, t.currency),
                 t.remarks, None if t.balance_after is None
                 else minor_units(t.balance_after, t.currency)) for t in page.transactions))
            yield page, None, ready_inserts(dialect, values) if ready else values
    finally:
        pages.close()


def _commit_pages(session: Session, ctx: SyncContext, run: SyncRun, account: Account,
                  added: int) -> None:
    """Commit the pages since the last commit, with the rows they added counted."""
    if added:  # counted up in the pages' own commit: exact across a resumed run, in SQL
        account.statement_count = Account.statement_count + added
    _commit(session, ctx, run)


def _row(t, run_id: int) -> dict:
    return {"transaction_date": t.transaction_date, "value_date": t.value_date,
            "amount": minor_units(t.amount, t.currency), "description": t.remarks,
            "balance_after": (minor_units(t.balance_after, t.currency)
                              if t.balance_after is not None else None),
            "source": StatementSource.API, "dedupe_key": f"api:{t.item_key}", "sync_run_id": run_id}


_REMOTE_FIELDS = ("branch_code", "branch_name", "account_type_code", "account_type_name",
                  "masked_number", "account_name", "currency")


def _refresh_remotes(session: Session, client: BankClient, token: str,
                     conn: BankConnection) -> set[int | None]:
    """Every sync of every account of a consent lists the consent's bank-side accounts: a row
    is written only where the bank changed something, `seen_at` in one statement (columns,
    not ORM objects: a consent may see dozens of accounts; the ORM update still brings the
    one the session holds, the account's own, up to date). The caller commits.

    Returns the consent's bank-side accounts that nobody linked or mapped (what
    accounts.connections_with_unlinked finds, read with the rows: ids, None for one listed
    for the first time now)."""
    cols = [getattr(RemoteAccount, name) for name in _REMOTE_FIELDS]
    mapped = accounts_svc.mapped_to_an_account().label("mapped")
    held = {row.remote_id: row for row in session.execute(
        select(RemoteAccount.id, RemoteAccount.remote_id, RemoteAccount.linked, mapped, *cols)
        .where(RemoteAccount.connection_id == conn.id, RemoteAccount.office_id == conn.office_id))}
    unlinked: set[int | None] = {row.id for row in held.values() if not (row.linked or row.mapped)}
    now, seen = utcnow(), []
    for info in client.list_accounts(token):
        values = {"branch_code": info.branch_code, "branch_name": info.branch_name,
                  "account_type_code": info.account_type_code,
                  "account_type_name": info.account_type_name,
                  "masked_number": info.masked_number, "account_name": info.account_name,
                  "currency": info.currency or "JPY"}
        row = held.get(info.remote_id)
        if row is None:
            session.add(RemoteAccount(office_id=conn.office_id, connection_id=conn.id,
                                      remote_id=info.remote_id, seen_at=now, **values))
            unlinked.add(None)
            continue
        seen.append(row.id)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            session.execute(update(RemoteAccount).where(RemoteAccount.id == row.id)
                            .values(**changed))
    if seen:
        session.execute(update(RemoteAccount).where(RemoteAccount.id.in_(seen))
                        .values(seen_at=now))
    return unlinked


def _remote_count(session: Session, connection_id: int) -> int:
    return len(session.exec(select(RemoteAccount.id).where(
        RemoteAccount.connection_id == connection_id)).all())


def _finish(session: Session, ctx: SyncContext, run: SyncRun, account: Account, state: str,
            code: str | None, message: str | None) -> None:
    # Before the fence: its flush writes the account's in one update, and the fence itself
    # the run's end, where it still holds the lease this clears.
    account.sync_state = state
    account.sync_error_code = code
    run.state, run.error_code, run.error_message = state, code, message
    run.finished_at = utcnow()
    run.lease_owner = run.lease_expires_at = None
    _hold(session, ctx, run)
    _bring_stats(session, account)
    _emit_webhooks(session, run, account)  # the caller commits: execute


def _emit_webhooks(session: Session, run: SyncRun, account: Account) -> None:
    """The run's webhook events, in the transaction that ends it: they exist iff it ended."""
    data = {"office_id": account.office_id, "account_id": account.id, "account_name": account.name,
            "run_id": run.id, "added": run.added or 0}
    if run.state == SyncState.DONE:
        webhooks.emit(session, account.office_id, "sync.completed", data, f"sync-run:{run.id}",
                      run.finished_at)
        if run.added:
            webhooks.emit(session, account.office_id, "statements.added", data,
                          f"statements-added:{run.id}", run.finished_at)
    elif run.state == SyncState.FAILED:
        webhooks.emit(session, account.office_id, "sync.failed", {**data, "error_code": run.error_code},
                      f"sync-run:{run.id}", run.finished_at)


def _retry_later(session: Session, ctx: SyncContext, run: SyncRun, account: Account, exc,
                 bank) -> None:
    """Keep what was committed (the cursor too); come back after Retry-After, or when the
    bank says it opens, or after an exponential backoff (with jitter), then finish."""
    if run.attempts >= MAX_ATTEMPTS:
        _finish(session, ctx, run, account, SyncState.FAILED, exc.code, str(exc))
        return
    wait = exc.retry_after
    if wait is None and isinstance(exc, BankUnavailable) and bank is not None:
        hours.forget_cache()  # the cached answer said open; ask again
        status = hours.status(bank)
        if not status.open and status.next_open:
            wait = max(1.0, (status.resume_at - utcnow()).total_seconds())
    if wait is None:
        wait = 30 * 2 ** (run.attempts - 1)
    run.state, run.error_code, run.error_message = SyncState.QUEUED, exc.code, str(exc)
    run.trigger = SyncTrigger.RETRY
    run.next_attempt_at = utcnow() + timedelta(seconds=wait + random.uniform(0, min(wait, 30) * 0.2))
    account.sync_state = SyncState.QUEUED
    account.sync_error_code = exc.code
    run.lease_owner = run.lease_expires_at = None
    _hold(session, ctx, run)  # writes the run's return to the queue, where it still holds it
    _bring_stats(session, account)  # the caller commits: execute
