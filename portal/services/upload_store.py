"""Uploaded statement files kept between preview and confirm.

Files live in a folder of the instance, never in the cookie session, under a random
name that also carries the office, the user and the account: a name guessed or taken
from another user's URL finds nothing. The column mapping chosen in the mapping step sits
beside the file as JSON, and the file's own name beside it as text (the import history
shows it).

Nothing waits here for long: a file is deleted when it is imported, cancelled or found
unreadable, and any file older than an hour by the next upload (of anyone) or by
`flask files prune`. An office may keep only so many files and bytes waiting (Quota), so
repeated uploads cannot fill the disk; the check and the write happen under a lock on the
folder, so parallel uploads cannot both slip under the limit.
"""
import fcntl
import json
import os
import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import private_files

MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SUFFIXES = (".upload", ".mapping.json", ".name")
NAME_MAX = 255


class Owner:
    """Who an upload belongs to: office, user and account."""

    def __init__(self, office_id: int, user_id: int, account_id: int):
        self.office = f"{int(office_id)}-"
        self.prefix = f"{int(office_id)}-{int(user_id)}-{int(account_id)}-"


@dataclass(frozen=True)
class Quota:
    """How much one office may keep waiting between upload and import."""

    files: int
    bytes: int


class QuotaExceeded(Exception):
    def __init__(self, quota: Quota):
        super().__init__(f"pending uploads over {quota.files} files or {quota.bytes} bytes")
        self.quota = quota


@dataclass(frozen=True)
class Pending:
    """One file waiting for its import: what the upload page lists."""

    token: str
    name: str
    size: int
    uploaded_at: datetime  # UTC


def _path(directory: str | Path, owner: Owner, token: str, suffix: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    return Path(directory) / f"{owner.prefix}{token}{suffix}"


def _fresh(path: Path, now: float) -> bool:
    try:
        return now - path.stat().st_mtime <= MAX_AGE_SECONDS
    except FileNotFoundError:
        return False


@contextmanager
def _locked(folder: Path):
    # flock on the folder itself: no lock file beside the uploads, and the lock goes
    # with the process if it dies.
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def office_usage(directory: str | Path, owner: Owner) -> tuple[int, int]:
    """(files, bytes) the owner's office has waiting, every user and account of it."""
    folder = Path(directory)
    if not folder.is_dir():
        return 0, 0
    files = size = 0
    for path in folder.iterdir():
        if path.name.startswith(owner.office) and path.name.endswith(".upload"):
            try:
                size += path.stat().st_size
            except FileNotFoundError:
                continue
            files += 1
    return files, size


def save(directory: str | Path, owner: Owner, data: bytes, now: float | None = None,
         name: str = "", quota: Quota | None = None) -> str:
    """Store a file and return its token; QuotaExceeded (nothing stored) when the office
    would have more waiting than its quota allows."""
    folder = private_files.make_folder(directory)  # 0700, its files 0600
    with _locked(folder):
        purge_stale(folder, now)
        if quota is not None:
            files, size = office_usage(folder, owner)
            if files + 1 > quota.files or size + len(data) > quota.bytes:
                raise QuotaExceeded(quota)
        token = secrets.token_urlsafe(24)
        path = _path(folder, owner, token, ".upload")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if name:
            private_files.write_text(_path(folder, owner, token, ".name"), name[:NAME_MAX])
    return token


def pending(directory: str | Path, owner: Owner, now: float | None = None) -> list[Pending]:
    """The owner's files still waiting for this account, newest first."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    out = []
    for path in folder.glob(f"{owner.prefix}*.upload"):
        token = path.name[len(owner.prefix):-len(".upload")]
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if _TOKEN.match(token) and now - stat.st_mtime <= MAX_AGE_SECONDS:
            out.append(Pending(token, load_name(folder, owner, token), stat.st_size,
                               datetime.fromtimestamp(stat.st_mtime, UTC)))
    return sorted(out, key=lambda p: p.uploaded_at, reverse=True)


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


def delete(directory: str | Path, owner: Owner, token: str) -> bool:
    """Delete an upload and what sits beside it; whether there was one."""
    found = False
    for suffix in _SUFFIXES:
        path = _path(directory, owner, token, suffix)
        if path is not None and path.exists():
            path.unlink(missing_ok=True)
            found = found or suffix == ".upload"
    return found


def forget_account(directory: str | Path, office_id: int, account_id: int) -> int:
    """Delete every upload (of any user) waiting for an account that is being deleted: a later
    account may be given the same id."""
    return _forget(directory, str(int(office_id)), str(int(account_id)))


def forget_office(directory: str | Path, office_id: int) -> int:
    """Delete every upload waiting in an office that is being deleted."""
    return _forget(directory, str(int(office_id)), None)


def _forget(directory: str | Path, office: str, account: str | None) -> int:
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    gone = 0
    for path in folder.iterdir():
        parts = path.name.split("-", 3)  # office, user, account, token + suffix
        if path.name.endswith(_SUFFIXES) and len(parts) == 4 and parts[0] == office \
                and account in (None, parts[2]):
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def purge_stale(directory: str | Path, now: float | None = None) -> int:
    """Delete every upload (of anyone) older than an hour, together with what sits beside it
    (whatever that one's own age), and anything left beside no upload; returns how many
    uploads went."""
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    gone = 0
    names = {path.name for path in folder.iterdir()}
    for name in names:
        stem = next((name[:-len(s)] for s in _SUFFIXES if name.endswith(s)), None)
        if stem is None:
            continue
        upload = folder / f"{stem}.upload"
        if f"{stem}.upload" in names and _fresh(upload, now):
            continue
        (folder / name).unlink(missing_ok=True)
        gone += name.endswith(".upload")
    return gone
