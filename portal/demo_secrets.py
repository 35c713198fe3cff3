"""The demo's keys: `make run` writes them to the instance folder on its first start
(dev-secrets.json, 0600), and a `flask` command run on that instance without keys of its own
uses them, so the operator commands of the README work on the demo as they are."""
import json
import secrets
from pathlib import Path

from .config import ConfigError
from .crypto import generate_key

FILE = "dev-secrets.json"


def ensure(instance: Path) -> dict:
    """The instance's demo keys, made on the first call."""
    path = instance / FILE
    if path.exists():
        return json.loads(path.read_text())
    data = {"secret_key": secrets.token_hex(32), "token_keys": generate_key(),
            "client_secret": secrets.token_urlsafe(32), "admin_token": secrets.token_urlsafe(24),
            "sandbox_secret_key": secrets.token_hex(32)}
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)
    return data


def read(instance: str | Path) -> dict | None:
    """The demo keys of an instance folder `make run` started on, else None."""
    path = Path(instance) / FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        return {"secret_key": str(data["secret_key"]), "token_keys": str(data["token_keys"])}
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{FILE} in the instance folder is damaged ({exc!r}): set "
                          "TSUNAGU_SECRET_KEY and TSUNAGU_TOKEN_KEYS, or move it away") from exc
