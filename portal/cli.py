"""Command-line tools: `flask db upgrade`, `flask tokens rotate-key`, `flask sync run-pending`."""
import click
from flask import Flask, current_app
from sqlmodel import select

from .crypto import TokenCipher, generate_key, token_aad
from .db import session_scope


def init_app(app: Flask) -> None:
    @app.cli.group("db")
    def db_group():
        """Database schema (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision):
        from .migrate import upgrade

        upgrade(current_app.extensions["db_engine"], revision)
        click.echo(f"database at {revision}")

    @app.cli.group("tokens")
    def tokens_group():
        """Bank token encryption keys."""

    @tokens_group.command("new-key")
    def new_key():
        """Print a new key-ring entry to put first in TOKEN_KEYS."""
        click.echo(generate_key())

    @tokens_group.command("rotate-key")
    def rotate_key():
        """Re-encrypt every stored token with the first key of TOKEN_KEYS."""
        from .models import BankConnection

        cipher: TokenCipher = current_app.extensions["token_cipher"]
        done = 0
        with session_scope(current_app.extensions["db_engine"]) as session:
            for conn in session.exec(select(BankConnection)):
                for field, attr in (("access", "access_token_enc"), ("refresh", "refresh_token_enc")):
                    blob = getattr(conn, attr)
                    if blob and cipher.key_id_of(blob) != cipher.primary_kid:
                        aad = token_aad(conn.id, field)
                        setattr(conn, attr, cipher.encrypt(cipher.decrypt(blob, aad), aad))
                        done += 1
            session.commit()
        click.echo(f"re-encrypted {done} tokens with key {cipher.primary_kid}")

    @app.cli.group("sync")
    def sync_group():
        """Sync runs."""

    @sync_group.command("run-pending")
    def run_pending_cmd():
        from .jobs import run_pending

        click.echo(f"ran {run_pending(current_app)} sync runs")
