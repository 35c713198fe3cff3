"""Keys at start, as a new operator meets them: `flask tokens new-key` before any key is set,
one line (no traceback) when a key is missing or unusable, and the `make run` demo's keys for
a command run on its instance folder. Real `flask` processes, a clean environment."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from portal import create_app, demo_secrets
from portal.config import ConfigError
from portal.crypto import TokenCipher, generate_key
from portal.models import Office
from tests.support.portal_config import portal_config

ROOT = Path(__file__).resolve().parents[2]


def flask(instance: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update({"TSUNAGU_INSTANCE_DIR": str(instance), "PYTHONUNBUFFERED": "1"},
               **{f"TSUNAGU_{k}": v for k, v in settings.items()})
    env.pop("DATABASE_URL", None)  # the instance folder's SQLite
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_new_key_runs_before_any_key_is_set_and_touches_nothing(tmp_path):
    instance = tmp_path / "instance"
    done = flask(instance, "tokens", "new-key")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert TokenCipher.from_config(key).primary_kid == key.split(":")[0]
    assert not instance.exists()  # the app was not built: no folder, no database


@pytest.mark.parametrize(("settings", "says"), [
    ({}, "TOKEN_KEYS is not set: make a key with `flask --app app tokens new-key` and set "
         "TSUNAGU_TOKEN_KEYS to it"),
    ({"TOKEN_KEYS": "not-a-key"}, "TOKEN_KEYS entries look like kid:base64key"),
    ({"TOKEN_KEYS": "k1:c2hvcnQ"}, "each TOKEN_KEYS key must be 32 bytes"),
    ({"SECRET_KEY": "change-me-to-a-long-random-string", "TOKEN_KEYS": generate_key()},
     "SECRET_KEY is the example's placeholder"),
])
def test_a_missing_or_unusable_key_stops_the_process_with_one_line(tmp_path, settings, says):
    done = flask(tmp_path / "instance", "ledger", "check", **settings)
    assert done.returncode == 1
    assert f"Tsunagu cannot start: {says}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "instance" / "tsunagu.sqlite").exists()  # stopped before the database


def test_a_command_on_the_demo_instance_uses_the_demo_keys(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    keys = demo_secrets.ensure(instance)  # as `make run` leaves it
    assert oct((instance / demo_secrets.FILE).stat().st_mode & 0o777) == "0o600"
    done = flask(instance, "ledger", "check")
    assert done.returncode == 0, done.stderr
    assert "checked 0 accounts, 0 differ" in done.stdout
    assert "using the demo's, from dev-secrets.json" in done.stderr
    # The same keys: a token the demo encrypted opens in the command's app.
    app = create_app(portal_config(tmp_path, SECRET_KEY=None, TOKEN_KEYS=None),
                     instance_path=str(instance))
    assert app.config["SECRET_KEY"] == keys["secret_key"]
    assert app.extensions["token_cipher"] == TokenCipher.from_config(keys["token_keys"])
    # Keys of its own win: the demo's file is then not read.
    own = generate_key()
    app = create_app(portal_config(tmp_path, TOKEN_KEYS=own), instance_path=str(instance))
    assert app.extensions["token_cipher"] == TokenCipher.from_config(own)
    with Session(app.extensions["db_engine"]) as s:
        assert s.exec(select(Office)).all() == []


def test_a_damaged_demo_file_is_named(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / demo_secrets.FILE).write_text(json.dumps({"secret_key": "x"}))
    with pytest.raises(ConfigError, match="dev-secrets.json in the instance folder is damaged"):
        create_app(portal_config(tmp_path, SECRET_KEY=None, TOKEN_KEYS=None),
                   instance_path=str(instance))
    done = flask(instance, "ledger", "check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Tsunagu cannot start: dev-secrets.json in the instance folder is damaged" in done.stderr
