"""Files only the portal's own user may read: the instance folder holds the database (password
hashes, encrypted tokens, every statement), uploaded statement files and the demo's secrets.

Folders 0700, files 0600, whatever the process umask. SQLite makes its -wal and -shm files
lazily, with the database file's own mode (its unix VFS copies it), so the database file is
made 0600 before the first connect and the three are set again after every new connection
(`sqlite_connected`): a database left 0644 by an older version, or copied in, is closed too.
"""
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def make_folder(folder: str | Path) -> Path:
    """The folder (and missing parents) created 0700; an existing one set to 0700."""
    folder = Path(folder)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    return folder


def close_tree(folder: str | Path) -> None:
    """The folder, every folder below it 0700 and every file in them 0600 (symlinks untouched:
    what they point at is not ours to change)."""
    root = make_folder(folder)
    for here, dirs, files in os.walk(root):
        for name in dirs:
            path = Path(here, name)
            if not path.is_symlink():
                os.chmod(path, FOLDER_MODE)
        for name in files:
            path = Path(here, name)
            if not path.is_symlink():
                os.chmod(path, FILE_MODE)


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write a file created 0600 (and kept 0600 when it already existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), FILE_MODE)
        f.write(data)


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL; None for another database or one in memory."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:") \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def prepare_sqlite(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use the umask)."""
    if not path.exists() and path.parent.is_dir():  # a missing folder stays SQLite's error
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    sqlite_connected(path)


def sqlite_connected(path: Path) -> None:
    """The database file and whichever of its -wal, -shm and -journal exist, 0600."""
    for suffix in SQLITE_SUFFIXES:
        try:
            os.chmod(f"{path}{suffix}", FILE_MODE)
        except FileNotFoundError:
            pass
