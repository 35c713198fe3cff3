"""Two-factor authentication: a TOTP authenticator app (RFC 6238) and one-use recovery codes.

The secret is encrypted with the token key ring, bound to its user row, and only asked for at
login once a first code confirmed it. A code is accepted one step either side of now (clock
drift) and never twice: the last time step used is stored, and an UPDATE that requires a
later step claims it atomically, so two requests racing with one code cannot both pass.
Recovery codes are random, shown once, kept as SHA-256 hashes (they carry 60 random bits,
so a slow hash adds nothing) and spent by an UPDATE that requires them unused.
"""
import hashlib
import secrets
import time

import pyotp
import segno
from sqlalchemy import delete, or_, update
from sqlmodel import Session, select

from ..crypto import TokenCipher
from ..dates import utcnow
from ..models import RecoveryCode, User

ISSUER = "Tsunagu"
RECOVERY_CODES = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper


def _now() -> float:
    return time.time()


def _aad(user_id: int) -> str:
    return f"user:{user_id}:totp_secret"


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def begin_setup(session: Session, cipher: TokenCipher, user_id: int) -> str:
    """The secret being set up, made on first call and kept (encrypted) until confirmed, so a
    page reload shows the same QR code. Not asked at login until confirm_setup."""
    user = session.get(User, user_id)
    if user.totp_secret_enc is not None and not is_enabled(user):
        return cipher.decrypt(user.totp_secret_enc, _aad(user_id))
    secret = pyotp.random_base32()
    user.totp_secret_enc = cipher.encrypt(secret, _aad(user_id))
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.commit()
    return secret


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, which the CSP (img-src 'self' data:) allows."""
    return segno.make(uri, error="m").svg_data_uri(scale=4, border=2)


def _claim_code(session: Session, cipher: TokenCipher, user: User, code: str) -> bool:
    code = "".join(code.split())
    if user.totp_secret_enc is None or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(cipher.decrypt(user.totp_secret_enc, _aad(user.id)))
    now_step = int(_now()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            claimed = session.execute(
                update(User).where(User.id == user.id)
                .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step))
            session.commit()
            return claimed.rowcount == 1
    return False


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def _new_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        session.add(RecoveryCode(user_id=user_id, code_hash=_hash(raw)))
    return codes


def confirm_setup(session: Session, cipher: TokenCipher, user_id: int, code: str) -> list[str] | None:
    """Turn two-factor on when `code` comes from the app just set up. Returns the recovery
    codes (shown once), or None when the code is wrong."""
    user = session.get(User, user_id)
    if user is None or is_enabled(user) or not _claim_code(session, cipher, user, code):
        return None
    user = session.get(User, user_id)
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(session, user_id)
    session.commit()
    return codes


def verify(session: Session, cipher: TokenCipher, user_id: int, code: str) -> bool:
    """The second factor at login (or before turning it off): a current code from the app,
    or an unused recovery code, which is spent."""
    user = session.get(User, user_id)
    if user is None or not is_enabled(user):
        return False
    if _claim_code(session, cipher, user, code):
        return True
    spent = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()))
    session.commit()
    return spent.rowcount == 1


def recovery_codes_left(session: Session, user_id: int) -> int:
    return len(session.exec(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())


def disable(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    user.totp_secret_enc = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.commit()
