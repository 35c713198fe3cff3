"""WSGI entry point: `gunicorn app:app` or `flask --app app run`.

TSUNAGU_INSTANCE_DIR names another instance folder (database, uploads) than ./instance."""
import os

from portal import create_app

app = create_app(instance_path=os.environ.get("TSUNAGU_INSTANCE_DIR") or None)
