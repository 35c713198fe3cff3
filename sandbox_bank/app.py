"""Application factory of the sandbox bank."""

from __future__ import annotations

from flask import Flask

from .config import load_config
from .context import Sandbox


def create_app(config: dict | None = None) -> Flask:
    settings = load_config(config)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"],
        # Differs from the portal's cookie: cookies ignore ports, so two apps on
        # 127.0.0.1 sharing a name would overwrite each other's session.
        SESSION_COOKIE_NAME="sandbox_bank_session",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SANDBOX=settings,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["sandbox"] = Sandbox(app, settings)

    from . import admin, api_gmo, api_mufg, public, views_auth

    for module in (public, views_auth, api_gmo, api_mufg, admin):
        app.register_blueprint(module.bp)
    return app
