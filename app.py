"""WSGI entry point: `gunicorn -c deploy/gunicorn.conf.py app:app`, and the app of every
`flask --app app …` command (`worker`, `scheduler`, `db upgrade`, …).

Serving pages starts no background work unless BACKGROUND_JOBS is "all" (README, "Running at
scale"). TSUNAGU_INSTANCE_DIR names another instance folder (database, uploads) than ./instance."""
import os

from portal import create_app
from portal.config import ConfigError

try:
    app = create_app(instance_path=os.environ.get("TSUNAGU_INSTANCE_DIR") or None)
except ConfigError as exc:  # one line that says what to set, not a traceback
    raise SystemExit(f"Tsunagu cannot start: {exc}") from None
