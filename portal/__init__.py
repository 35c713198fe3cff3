"""Tsunagu portal: the app factory."""
import secrets
from pathlib import Path

from flask import Flask

from . import config as default_config
from . import demo_secrets, private_files
from .banks.registry import BankRegistry
from .config import ConfigError
from .crypto import TokenCipher, TokenKeyError
from .db import close_session, make_engine
from .extensions import csrf
from .listen_cache import ListenCache

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    # templates/, static/ and instance/ live at the project root, beside this package.
    app = Flask(
        __name__,
        root_path=str(ROOT),
        instance_path=instance_path or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder="templates",
        static_folder="static",
    )
    app.config.from_mapping(default_config.DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TSUNAGU")
    else:
        app.config.from_mapping(test_config)
    # The instance folder holds the database, uploads and secrets: 0700, its files 0600.
    private_files.close_tree(app.instance_path)
    _finish_config(app)
    # Checked before the database is touched: a process without keys stops at once.
    app.extensions["token_cipher"] = _token_cipher(app.config["TOKEN_KEYS"])

    if app.config.get("PROXY_FIX"):
        # Behind a reverse proxy: trust one hop's X-Forwarded-* so the OAuth redirect URI and
        # the Secure cookie see the public scheme and host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    from . import log_redaction

    log_redaction.install()
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["listen_cache"] = ListenCache(engine if app.config["LISTEN_CACHE"] else None)
    app.teardown_appcontext(close_session)
    if app.config["RUN_MIGRATIONS_ON_START"]:
        from .migrate import upgrade

        upgrade(engine)

    app.extensions["bank_registry"] = _load_registry(app)

    csrf.init_app(app)
    from . import auth, errors, i18n, permissions, routing, security, template_globals

    routing.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    permissions.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    template_globals.init_app(app)

    from .views import register_blueprints

    register_blueprints(app)
    from . import cli

    cli.init_app(app)
    _start_background(app)
    return app


def _start_background(app: Flask) -> None:
    """BACKGROUND_JOBS = "all": this process syncs and schedules too (a one-process install).
    Never under the `flask` command: `flask worker` and `flask scheduler` start their own part,
    and every other command (db upgrade, tokens, ...) must start nothing."""
    import click

    from .jobs import background_mode, start_background

    if background_mode(app.config) == "all" and click.get_current_context(silent=True) is None:
        start_background(app)


def _finish_config(app: Flask) -> None:
    import os

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ.get("DATABASE_URL") or (
            "sqlite:///" + str(Path(app.instance_path) / "tsunagu.sqlite")
        )
    if not app.config.get("SECRET_KEY") and not app.config.get("TOKEN_KEYS"):
        demo = demo_secrets.read(app.instance_path)
        if demo is not None:  # a `flask` command beside `make run`: the demo's own keys
            app.config.update(SECRET_KEY=demo["secret_key"], TOKEN_KEYS=demo["token_keys"])
            app.logger.warning("SECRET_KEY and TOKEN_KEYS are not set: using the demo's, "
                               "from %s in the instance folder", demo_secrets.FILE)
    if app.config.get("SECRET_KEY") in default_config.PLACEHOLDER_SECRET_KEYS:
        raise ConfigError("SECRET_KEY is the example's placeholder: set TSUNAGU_SECRET_KEY to "
                          "a long random string of your own")
    if not app.config.get("SECRET_KEY"):
        # A random key still works for one process; sessions end at restart. make run and
        # production deployments set one (README, "Configuration").
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.logger.warning("SECRET_KEY is not set: using a random one for this process")


def _token_cipher(ring: str | None) -> TokenCipher:
    try:
        return TokenCipher.from_config(ring)
    except TokenKeyError as exc:
        hint = "" if ring else (": make a key with `flask --app app tokens new-key` and set "
                                "TSUNAGU_TOKEN_KEYS to it")
        raise ConfigError(f"{exc}{hint}") from exc


def _load_registry(app: Flask) -> BankRegistry:
    if app.config.get("BANK_CONNECTIONS") is not None:
        return BankRegistry.from_mapping(app.config["BANK_CONNECTIONS"])
    path = app.config.get("BANK_CONNECTIONS_FILE")
    if path:
        return BankRegistry.from_file(Path(app.instance_path, path) if not Path(path).is_absolute() else path)
    default = Path(app.instance_path) / "banks.yaml"
    if default.exists():
        return BankRegistry.from_file(default)
    return BankRegistry({})
