"""Uploaded statement files kept between preview and confirm.

Files live in a folder of the instance, never in the cookie session, under a random
name that also carries the office, the user and the account: a name guessed or taken
from another user's URL finds nothing. They are deleted after the import, or after an
hour by the next upload. The column mapping chosen in the mapping step sits beside
the file as JSON, and the file's own name beside it as text (the import history shows it).
"""
import json
import os
import re
import secrets
import time
from pathlib import Path

from .. import private_files

MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SUFFIXES = (".upload", ".mapping.json", ".name")
NAME_MAX = 255


class Owner:
    """Who an upload belongs to: office, user and account."""

    def __init__(self, office_id: int, user_id: int, account_id: int):
        self.prefix = f"{int(office_id)}-{int(user_id)}-{int(account_id)}-"


def _path(directory: str | Path, owner: Owner, token: str, suffix: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    return Path(directory) / f"{owner.prefix}{token}{suffix}"


def _fresh(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime <= MAX_AGE_SECONDS
    except FileNotFoundError:
        return False


def save(directory: str | Path, owner: Owner, data: bytes, now: float | None = None,
         name: str = "") -> str:
    folder = private_files.make_folder(directory)  # 0700, its files 0600
    purge_stale(folder, now)
    token = secrets.token_urlsafe(24)
    path = _path(folder, owner, token, ".upload")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    if name:
        private_files.write_text(_path(folder, owner, token, ".name"), name[:NAME_MAX])
    return token


def load_name(directory: str | Path, owner: Owner, token: str) -> str:
    """The uploaded file's own name ("" when the browser sent none)."""
    path = _path(directory, owner, token, ".name")
    try:
        return path.read_text(encoding="utf-8") if path else ""
    except (FileNotFoundError, UnicodeDecodeError):
        return ""


def load(directory: str | Path, owner: Owner, token: str, now: float | None = None) -> bytes | None:
    path = _path(directory, owner, token, ".upload")
    if path is None or not _fresh(path, time.time() if now is None else now):
        return None
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def save_mapping(directory: str | Path, owner: Owner, token: str, mapping: dict) -> None:
    path = _path(directory, owner, token, ".mapping.json")
    if path is not None and path.with_name(path.name.replace(".mapping.json", ".upload")).exists():
        private_files.write_text(path, json.dumps(mapping))


def load_mapping(directory: str | Path, owner: Owner, token: str) -> dict | None:
    path = _path(directory, owner, token, ".mapping.json")
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else None
    except (FileNotFoundError, ValueError):
        return None


def delete(directory: str | Path, owner: Owner, token: str) -> None:
    for suffix in _SUFFIXES:
        path = _path(directory, owner, token, suffix)
        if path is not None:
            path.unlink(missing_ok=True)


def forget_account(directory: str | Path, office_id: int, account_id: int) -> int:
    """Delete every upload (of any user) waiting for an account that is being deleted: a later
    account may be given the same id."""
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    gone = 0
    for path in folder.iterdir():
        parts = path.name.split("-", 3)  # office, user, account, token + suffix
        if path.name.endswith(_SUFFIXES) and len(parts) == 4 \
                and (parts[0], parts[2]) == (str(int(office_id)), str(int(account_id))):
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def purge_stale(directory: str | Path, now: float | None = None) -> int:
    """Delete every upload (of anyone) older than an hour, with what sits beside it; returns
    how many uploads went."""
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    gone = 0
    for path in folder.iterdir():
        if path.name.endswith(_SUFFIXES) and not _fresh(path, now):
            path.unlink(missing_ok=True)
            gone += path.name.endswith(".upload")
    return gone
