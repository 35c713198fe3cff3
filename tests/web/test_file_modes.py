"""Files on disk: the instance folder 0700 and every file in it 0600 (the database with its
-wal and -shm, uploads and what sits beside them), whatever the process umask."""
import os
import stat
from pathlib import Path

import pytest

from portal import create_app
from tests.support.auth import Auth
from tests.support.portal_config import portal_config
from tests.web.csv_helpers import CUSTOM, preview_location, register


def modes(folder: Path) -> dict[str, int]:
    """Every folder and file under `folder` (itself included) → its permission bits."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def assert_private(folder: Path) -> None:
    wrong = {name: oct(mode) for name, mode in modes(folder).items()
             if mode != (0o700 if (folder / name).is_dir() else 0o600)}
    assert not wrong, wrong


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # what most shells have: new files 0644, new folders 0755
    yield
    os.umask(old)


def test_instance_folder_and_every_file_in_it_are_private(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "config.py").write_text("# left 0644 by an older version\n")
    os.chmod(instance / "config.py", 0o644)
    db_path = instance / "tsunagu.sqlite"
    app = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{db_path}"),
                     instance_path=str(instance))
    try:
        auth = Auth(app.test_client())
        assert auth.signup().status_code == 303  # writes: the WAL is in use
        account_id = register(auth)
        location = preview_location(auth, account_id, CUSTOM.encode("utf-8"))
        resp = auth.post(location + "/mapping", {
            "header_line": "1", "col_0": "date", "col_1": "description", "col_2": "withdrawal",
            "col_3": "deposit", "col_4": ""})
        assert resp.status_code == 303
        names = set(modes(instance))
        assert {"tsunagu.sqlite", "tsunagu.sqlite-wal", "tsunagu.sqlite-shm", "uploads"} <= names
        uploads = [n for n in names if n.startswith("uploads/")]
        assert {n.rsplit(".", 1)[-1] for n in uploads} == {"upload", "name", "json"}, uploads
        assert_private(instance)
    finally:
        app.extensions["db_engine"].dispose()
    assert_private(instance)


def test_database_left_readable_is_closed_at_the_next_connect(tmp_path, loose_umask):
    db_path = tmp_path / "elsewhere" / "portal.sqlite"
    db_path.parent.mkdir()
    app = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{db_path}"),
                     instance_path=str(tmp_path / "instance"))
    app.extensions["db_engine"].dispose()
    os.chmod(db_path, 0o644)
    app = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{db_path}"),
                     instance_path=str(tmp_path / "instance"))
    try:
        assert Auth(app.test_client()).signup().status_code == 303
        for suffix in ("", "-wal", "-shm"):
            assert stat.S_IMODE(Path(f"{db_path}{suffix}").stat().st_mode) == 0o600, suffix
    finally:
        app.extensions["db_engine"].dispose()
