"""What a password must be, and how it is kept.

At least MIN_LENGTH characters, not the e-mail address (nor its part before the @), and not
easy to guess: zxcvbn estimates the guesses an attacker needs, counting dictionary words,
common passwords, keyboard walks and whatever the person typed elsewhere in the form (the
e-mail, the office name). A score below MIN_SCORE (of 0-4) is refused.
"""
import os
from enum import StrEnum

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 12
HASH_METHOD_VARIABLE = "TSUNAGU_TEST_PASSWORD_HASH"
MAX_LENGTH = 200
MIN_SCORE = 3
# zxcvbn's time grows with the length; beyond this its verdict no longer changes.
_SCORED_CHARS = 100


class Weakness(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    IS_EMAIL = "is_email"
    EASY_TO_GUESS = "easy_to_guess"


def weakness(password: str, *, email: str = "", other_inputs: tuple[str, ...] = ()) -> Weakness | None:
    """Why `password` is refused, or None when it is good enough."""
    if len(password) < MIN_LENGTH:
        return Weakness.TOO_SHORT
    if len(password) > MAX_LENGTH:
        return Weakness.TOO_LONG
    email = email.strip().lower()
    local_part = email.partition("@")[0]
    if email and password.strip().lower() in {email, local_part}:
        return Weakness.IS_EMAIL
    inputs = [s for s in (email, local_part, *other_inputs) if s]
    if zxcvbn(password[:_SCORED_CHARS], user_inputs=inputs)["score"] < MIN_SCORE:
        return Weakness.EASY_TO_GUESS
    return None


def hash_password(password: str) -> str:
    # The variable exists for the test suite, which signs up hundreds of users: a deployment
    # keeps werkzeug's default (scrypt), made slow on purpose.
    method = os.environ.get(HASH_METHOD_VARIABLE) or "scrypt"
    return generate_password_hash(password, method=method)


def matches(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
