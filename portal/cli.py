"""Command-line tools: `flask db upgrade`, `flask tokens rotate-key`, `flask sync run-pending`,
`flask sync worker`."""
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

    @sync_group.command("worker")
    def worker_cmd():
        """Run queued syncs (and the scheduled jobs) in the foreground until stopped.

        Start as many as you like beside web processes that have the scheduler off: runs are
        claimed under a lease, and one that a killed worker held is taken over."""
        import signal
        import threading

        from .jobs import start_scheduler

        app = current_app._get_current_object()
        if "scheduler" not in app.extensions:
            start_scheduler(app)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        worker_id = app.extensions["sync_dispatcher"].ctx.worker_id
        click.echo(f"sync worker {worker_id} running; stop with Ctrl+C", err=True)
        stop.wait()
        app.extensions["stop_background"]()
        click.echo("sync worker stopped", err=True)

    @app.cli.group("files")
    def files_group():
        """Uploaded statement files waiting for their import."""

    @files_group.command("prune")
    def prune_cmd():
        """Delete uploads older than an hour (the next upload does it too; cron may run this)."""
        from pathlib import Path

        from .services import upload_store

        gone = upload_store.purge_stale(Path(current_app.instance_path) / "uploads")
        click.echo(f"deleted {gone} abandoned uploads")
