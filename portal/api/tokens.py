"""API tokens of an office: made with a name, scopes and an optional expiry, shown once and
kept only as their sha256; looked up by that hash (an index seek, so the time taken tells
nothing of how much of a guess was right); revoked, never deleted, so the list and the audit
log keep them."""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from ..dates import utcnow
from ..models import ApiToken
from ..models.vocabulary import AuditAction
from ..services import audit
from ..services.audit import Actor
from .scopes import Scope

PREFIX = "tsu_"
SHOWN = 12  # characters kept in clear to tell tokens apart: "tsu_" and 8 of the secret
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def hash_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite gives stored times back without their zone; they are UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def create(session: Session, office_id: int, actor: Actor, *, name: str, scopes: list[Scope],
           expires_at: datetime | None = None) -> tuple[str, ApiToken]:
    """A new token: (the token, to be shown once, its row). Commits, with its audit entry."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(office_id=office_id, name=name.strip(), token_hash=hash_of(token),
                   prefix=token[:SHOWN], scopes=" ".join(sorted(Scope(s).value for s in scopes)),
                   created_by=actor.id, expires_at=expires_at)
    session.add(row)
    audit.record(session, office_id, actor, AuditAction.API_TOKEN_CREATED,
                 target=f"{row.name} ({row.prefix}…)", detail=row.scopes)
    session.commit()
    return token, row


def is_live(row: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    expires = _aware(row.expires_at)
    return row.revoked_at is None and (expires is None or expires > now)


def authenticate(session: Session, token: str) -> ApiToken | None:
    """The token's row when it is live (not revoked, not expired), else None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_of(token))).first()
    return row if row is not None and is_live(row) else None


def touch(session: Session, row: ApiToken) -> None:
    """Note the use, unless noted within the last minute: not one write per request."""
    now = utcnow()
    last = _aware(row.last_used_at)
    if last is not None and now - last < TOUCH_EVERY:
        return
    session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    session.commit()


def list_tokens(session: Session, office_id: int) -> list[ApiToken]:
    """The office's tokens, live ones first, newest first."""
    rows = session.exec(select(ApiToken).where(ApiToken.office_id == office_id)
                        .order_by(ApiToken.id.desc()))
    return sorted(rows, key=lambda r: not is_live(r))


def get(session: Session, office_id: int, token_id: int) -> ApiToken | None:
    return session.exec(select(ApiToken).where(ApiToken.id == token_id,
                                               ApiToken.office_id == office_id)).first()


def revoke(session: Session, office_id: int, token_id: int, actor: Actor) -> ApiToken | None:
    """Revoke one of the office's tokens (again: nothing changes); None when not the office's."""
    row = get(session, office_id, token_id)
    if row is None or row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    audit.record(session, office_id, actor, AuditAction.API_TOKEN_REVOKED,
                 target=f"{row.name} ({row.prefix}…)")
    session.commit()
    return row
