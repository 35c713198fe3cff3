"""Consents at banks (ログイン情報): the OAuth code flow, encrypted tokens, refresh.

Framework-free. A consent started and not yet returned is kept in the pending_consent table
(never in the session cookie): keyed by a hash of the state, one use, PENDING_TTL to live.
"""
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import delete, text, update
from sqlmodel import Session, select

from ..banks.client import BankClient
from ..banks.errors import BankApiError, ReauthRequired
from ..banks.registry import BankApi
from ..crypto import TokenCipher, token_aad
from ..dates import utcnow
from ..models import Account, BankConnection, RemoteAccount
from ..models import PendingConsent as PendingConsentRow
from ..models.vocabulary import ConnectionState, SyncMethod

REQUIRED_SCOPES = ("private:account",)
NARROW_SCOPES = {"private:account.balances", "private:account.transactions"}
REFRESH_MARGIN = timedelta(seconds=60)
REFRESH_LOCK_BASE = 0x7473_0000_0000  # advisory-lock keys for token refresh, per connection
PENDING_TTL = 600  # seconds a user may spend at the bank before the state expires


class ConsentError(Exception):
    """The consent could not be completed; `reason` picks the message shown to the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PendingConsent:
    state: str
    code_verifier: str
    bank_code: str
    account_id: int
    connection_id: int | None  # set when re-authenticating an existing consent
    created_at: float = 0.0  # epoch seconds; a pending consent lives PENDING_TTL

    @property
    def expired(self) -> bool:
        return time.time() - self.created_at > PENDING_TTL


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def keep_pending(session: Session, pending: PendingConsent, *, user_id: int, office_id: int) -> None:
    """Store a consent started at the bank until its callback; expired ones are swept here."""
    session.exec(delete(PendingConsentRow).where(
        PendingConsentRow.created_at < utcnow() - timedelta(seconds=PENDING_TTL)))
    session.add(PendingConsentRow(
        state_hash=_state_hash(pending.state), user_id=user_id, office_id=office_id,
        account_id=pending.account_id, connection_id=pending.connection_id,
        bank_code=pending.bank_code, code_verifier=pending.code_verifier,
        created_at=datetime.fromtimestamp(pending.created_at, UTC)))
    session.commit()


def take_pending(session: Session, state: str, *, user_id: int) -> PendingConsent | None:
    """The pending consent of `state` started by `user_id`, removed so it is used once; None
    when there is none (never started, already used) or it is another user's. An expired one
    is still returned (and removed): the caller tells the user it expired."""
    if not state:
        return None
    row = session.exec(select(PendingConsentRow).where(
        PendingConsentRow.state_hash == _state_hash(state))).first()
    if row is None or row.user_id != user_id:
        return None
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    pending = PendingConsent(state, row.code_verifier, row.bank_code, row.account_id,
                             row.connection_id, created.timestamp())
    session.delete(row)
    session.commit()
    return pending


def _oauth_client(bank: BankApi, redirect_uri: str | None = None, timeout: float = 15.0):
    # authlib's requests client: its httpx client is deprecated in this authlib release.
    return OAuth2Session(client_id=bank.client_id, client_secret=bank.client_secret,
                         scope=bank.scope, redirect_uri=redirect_uri,
                         code_challenge_method="S256", default_timeout=timeout)


def begin_consent(bank: BankApi, *, redirect_uri: str, account_id: int,
                  connection_id: int | None = None) -> tuple[str, PendingConsent]:
    state = secrets.token_urlsafe(32)
    verifier = generate_token(64)
    with _oauth_client(bank, redirect_uri) as client:
        url, _ = client.create_authorization_url(bank.authorization_endpoint, state=state,
                                                 code_verifier=verifier)
    return url, PendingConsent(state, verifier, bank.bank_code, account_id, connection_id,
                               time.time())


def _granted_ok(scope: str) -> bool:
    granted = set(scope.split())
    return bool(granted & set(REQUIRED_SCOPES)) or NARROW_SCOPES <= granted


def exchange_code(bank: BankApi, pending: PendingConsent, *, code: str, redirect_uri: str) -> dict:
    try:
        with _oauth_client(bank, redirect_uri) as client:
            token = client.fetch_token(bank.token_endpoint, code=code,
                                       code_verifier=pending.code_verifier)
    except OAuthError as exc:
        raise ConsentError("token_refused") from exc
    except Exception as exc:  # network errors, bad JSON: nothing is stored either way
        raise ConsentError("bank_unreachable") from exc
    if not token.get("access_token"):
        raise ConsentError("token_refused")
    if not _granted_ok(token.get("scope") or bank.scope):
        revoke_token(bank, token.get("refresh_token") or token["access_token"])
        raise ConsentError("scope_missing")
    return dict(token)


def store_tokens(session: Session, cipher: TokenCipher, conn: BankConnection, token: dict,
                 bank: BankApi, *, new_consent: bool) -> None:
    now = utcnow()
    conn.access_token_enc = cipher.encrypt(token["access_token"], token_aad(conn.id, "access"))
    refresh = token.get("refresh_token")
    conn.refresh_token_enc = (cipher.encrypt(refresh, token_aad(conn.id, "refresh"))
                              if refresh else None)
    conn.access_expires_at = now + timedelta(seconds=int(token.get("expires_in") or 3600))
    conn.scope = token.get("scope") or bank.scope
    granted = consent_expiry_of(token)
    if new_consent:
        # The consent's own end, absolute: the bank's word when it gives one, else the
        # lifetime configured for the bank.
        conn.consent_expires_at = granted or now + timedelta(days=bank.consent_days)
        conn.state, conn.state_reason = ConnectionState.ACTIVE, None
    elif granted is not None and (conn.consent_expires_at is None
                                  or granted < conn.consent_expires_at):
        # Refreshing never moves the end later; the bank may tell us it comes sooner.
        conn.consent_expires_at = granted
    conn.updated_at = now


def consent_expiry_of(token: dict) -> datetime | None:
    """The consent's absolute end as the bank states it in the token response:
    `consent_expires_at`, ISO 8601 (UTC when it names no offset). Optional for banks;
    missing or unreadable is None (the configured lifetime applies), never an error."""
    value = token.get("consent_expires_at")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 9999-12-31T23:59:59-01:00
        return None


def consent_remote_ids(bank: BankApi, token: dict) -> set[str] | None:
    """Which bank-side accounts the new consent sees; None when the bank cannot tell now."""
    try:
        client = BankClient(bank.api_base, bank.dialect, bank.client_id, attempts=1)
        return {a.remote_id for a in client.list_accounts(token["access_token"])}
    except BankApiError:
        return None


def _same_login(session: Session, office_id: int, bank_code: str,
                remote_ids: set[str] | None) -> BankConnection | None:
    """A connection of this office whose consent sees the same bank-side accounts."""
    if not remote_ids:
        return None
    return session.exec(
        select(BankConnection).join(RemoteAccount, RemoteAccount.connection_id == BankConnection.id)
        .where(BankConnection.office_id == office_id, BankConnection.bank_code == bank_code,
               RemoteAccount.remote_id.in_(remote_ids))
        .order_by(BankConnection.id)).first()


def connect(session: Session, cipher: TokenCipher, bank: BankApi, pending: PendingConsent,
            token: dict, *, office_id: int, remote_ids: set[str] | None = None) -> BankConnection:
    """Keep a fresh consent: the connection being re-authenticated, the connection of the
    same bank login (never a second one for it), or a new connection."""
    account = session.exec(select(Account).where(
        Account.id == pending.account_id, Account.office_id == office_id)).first()
    if account is None or account.bank_code != bank.bank_code:
        raise ConsentError("account_missing")
    conn = None
    if pending.connection_id is not None:
        conn = session.exec(select(BankConnection).where(
            BankConnection.id == pending.connection_id,
            BankConnection.office_id == office_id)).first()
    if conn is None:
        conn = _same_login(session, office_id, bank.bank_code, remote_ids)
    if conn is None:
        conn = BankConnection(office_id=office_id, bank_code=bank.bank_code)
        session.add(conn)
        session.flush()
    store_tokens(session, cipher, conn, token, bank, new_consent=True)
    if account.connection_id != conn.id:
        account.connection_id = conn.id
        account.remote_account_id = None
    account.sync_method = SyncMethod.API
    account.sync_error_code = None
    session.commit()
    return conn


_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(connection_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(connection_id, threading.Lock())


def mark_reauth(session: Session, conn: BankConnection, reason: str) -> None:
    conn.state, conn.state_reason, conn.updated_at = ConnectionState.REAUTH_REQUIRED, reason, utcnow()
    session.commit()


def access_token(session: Session, cipher: TokenCipher, bank: BankApi, conn: BankConnection,
                 *, min_validity: timedelta = REFRESH_MARGIN) -> str:
    """A token valid for at least `min_validity`, refreshed under a per-connection lock."""
    if conn.state != ConnectionState.ACTIVE:
        raise ReauthRequired(message=conn.state_reason or "consent not active")

    def still_good() -> bool:
        return bool(conn.access_expires_at and conn.access_expires_at - min_validity > utcnow())

    if still_good():
        return cipher.decrypt(conn.access_token_enc, token_aad(conn.id, "access"))
    with _lock_for(conn.id):  # threads of this process
        if session.get_bind().dialect.name == "postgresql":
            # Other processes: a transaction-scoped advisory lock, released at the commit below.
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                            {"k": REFRESH_LOCK_BASE + conn.id})
        try:
            session.refresh(conn)  # another worker may have refreshed while we waited
            if conn.state != ConnectionState.ACTIVE:
                raise ReauthRequired(message=conn.state_reason or "consent not active")
            if still_good():
                return cipher.decrypt(conn.access_token_enc, token_aad(conn.id, "access"))
            return _refresh(session, cipher, bank, conn)
        finally:
            if session.in_transaction():
                session.commit()


def _refresh(session: Session, cipher: TokenCipher, bank: BankApi, conn: BankConnection) -> str:
    if conn.consent_expires_at and conn.consent_expires_at <= utcnow():
        mark_reauth(session, conn, "consent_expired")
        raise ReauthRequired(message="consent expired")
    if conn.refresh_token_enc is None:
        mark_reauth(session, conn, "no_refresh_token")
        raise ReauthRequired(message="no refresh token")
    used = conn.refresh_token_enc
    refresh = cipher.decrypt(used, token_aad(conn.id, "refresh"))
    try:
        with _oauth_client(bank) as client:
            token = dict(client.refresh_token(bank.token_endpoint, refresh_token=refresh))
    except OAuthError as exc:
        session.refresh(conn)
        if conn.refresh_token_enc != used:  # another process rotated it first: use theirs
            return cipher.decrypt(conn.access_token_enc, token_aad(conn.id, "access"))
        if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            mark_reauth(session, conn, exc.error)
            raise ReauthRequired(message=exc.error) from exc
        raise
    token.setdefault("refresh_token", refresh)
    scratch = BankConnection(id=conn.id, consent_expires_at=conn.consent_expires_at)
    store_tokens(session, cipher, scratch, token, bank, new_consent=False)
    # Compare-and-swap: write only if the refresh token we used is still the stored one.
    result = session.exec(
        update(BankConnection)
        .where(BankConnection.id == conn.id, BankConnection.refresh_token_enc == used)
        .values(access_token_enc=scratch.access_token_enc,
                refresh_token_enc=scratch.refresh_token_enc,
                access_expires_at=scratch.access_expires_at, scope=scratch.scope,
                consent_expires_at=scratch.consent_expires_at, updated_at=scratch.updated_at)
    )
    session.commit()
    session.refresh(conn)
    if result.rowcount == 0:
        return cipher.decrypt(conn.access_token_enc, token_aad(conn.id, "access"))
    return token["access_token"]


def revoke_token(bank: BankApi, token: str) -> bool:
    try:
        with _oauth_client(bank) as client:
            resp = client.revoke_token(bank.revocation_endpoint, token=token)
        return resp.status_code == 200
    except Exception:  # revocation is best effort; the caller still forgets the tokens
        return False


def disconnect(session: Session, cipher: TokenCipher, bank: BankApi | None,
               conn: BankConnection) -> bool:
    """連携解除: revoke at the bank, forget the tokens, keep every statement and mapping.

    Returns whether the bank confirmed the revocation (it is best effort: the tokens are
    deleted here either way, so Tsunagu can no longer use the consent).
    """
    confirmed = False
    if bank is not None:
        for field, blob in (("refresh", conn.refresh_token_enc), ("access", conn.access_token_enc)):
            if blob:
                confirmed = revoke_token(bank, cipher.decrypt(blob, token_aad(conn.id, field))) \
                    or confirmed
    conn.access_token_enc = conn.refresh_token_enc = None
    conn.access_expires_at = None
    conn.state, conn.state_reason, conn.updated_at = ConnectionState.REVOKED, "disconnected", utcnow()
    session.commit()
    return confirmed
