"""Command-line tools: `flask db upgrade`, `flask tokens rotate-key`, `flask sync run-pending`,
`flask worker` (alias `flask sync worker`), `flask scheduler`, `flask notices run`,
`flask webhooks deliver`, `flask files prune`, `flask offices delete`, `flask ledger check` /
`rebuild`.

Only `worker` and `scheduler` start background work; the other commands start none."""
import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlmodel import select

from .crypto import TokenCipher, generate_key, token_aad
from .db import session_scope

# Also a plugin command (pyproject's flask.commands entry point): `tokens new-key` runs before
# any key is set, when the app itself cannot load.
tokens_group = AppGroup("tokens", help="Bank token encryption keys.")


@tokens_group.command("new-key", with_appcontext=False)
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

    app.cli.add_command(tokens_group)

    @app.cli.group("sync")
    def sync_group():
        """Sync runs."""

    @sync_group.command("run-pending")
    def run_pending_cmd():
        from .jobs import run_pending

        click.echo(f"ran {run_pending(current_app)} sync runs")

    @app.cli.command("worker")
    @_worker_options
    def worker_cmd(with_scheduler, threads):
        """Run queued syncs in the foreground until SIGTERM or Ctrl+C.

        Start as many as you like, on any machines sharing the database: runs are claimed
        under a lease, and one that a killed worker held is taken over."""
        _serve(syncs=True, scheduled=with_scheduler, threads=threads)

    @sync_group.command("worker")
    @_worker_options
    def sync_worker_cmd(with_scheduler, threads):
        """The same as `flask worker` (its older name)."""
        _serve(syncs=True, scheduled=with_scheduler, threads=threads)

    @app.cli.command("scheduler")
    def scheduler_cmd():
        """Queue the scheduled syncs and refresh tokens, in the foreground until stopped.

        Only the leader acts (a PostgreSQL advisory lock), so a second one is a standby."""
        _serve(syncs=False, scheduled=True, threads=None)

    @app.cli.group("notices")
    def notices_group():
        """E-mail notifications."""

    @notices_group.command("run")
    def notices_run_cmd():
        """Find the events due a notice and send the due mails, once (cron may run this; any
        number at once is safe)."""
        from .notice_mail import run_once

        added, sent = run_once(current_app._get_current_object())
        click.echo(f"{added} notices added, {sent} mails sent")

    @app.cli.group("webhooks")
    def webhooks_group():
        """Webhook deliveries."""

    @webhooks_group.command("deliver")
    def webhooks_deliver_cmd():
        """Add the consent events due, then send the due deliveries, once (any number at once
        is safe)."""
        from .webhook_delivery import deliver_due, scan_consents

        app_ = current_app._get_current_object()
        added = scan_consents(app_)
        click.echo(f"{added} consent events added, {deliver_due(app_)} deliveries sent")

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

    @app.cli.group("ledger")
    def ledger_group():
        """The figures kept per account and day (counts, sums, balance chain)."""

    @ledger_group.command("check")
    @click.option("--account", "account_id", type=int, default=None, help="this account only")
    def ledger_check_cmd(account_id):
        """Recount every account's statements (or one's) and compare with the kept figures;
        exits 1 if any differ. Reads each ledger once: for a quiet hour at scale."""
        from .services import ledger_stats

        wrong = 0
        ids = _account_ids(account_id)
        for one in ids:
            with session_scope(current_app.extensions["db_engine"]) as session:
                days = ledger_stats.differing_days(session, one)
            if days:
                wrong += 1
                click.echo(f"account {one}: {_count(len(days), 'day')} differ from a recount, the first "
                           f"{days[0].isoformat()}; repair: flask ledger rebuild --account {one}")
        click.echo(f"checked {_count(len(ids), 'account')}, {wrong} differ")
        if wrong:
            raise SystemExit(1)

    @ledger_group.command("rebuild")
    @click.option("--account", "account_id", type=int, default=None, help="this account only")
    @click.option("--all", "every", is_flag=True, help="every account")
    def ledger_rebuild_cmd(account_id, every):
        """Recompute the kept figures from the statements: after rows were written past the
        portal (a bulk copy), or when `flask ledger check` finds a difference."""
        from .services import ledger_stats

        if (account_id is None) == (not every):
            raise click.UsageError("give --account ID or --all")
        ids = _account_ids(account_id)
        for one in ids:
            with session_scope(current_app.extensions["db_engine"]) as session:
                ledger_stats.rebuild_account(session, one)
                session.commit()
        click.echo(f"rebuilt the figures of {_count(len(ids), 'account')}")

    @app.cli.group("offices")
    def offices_group():
        """Offices (事業所)."""

    @offices_group.command("delete")
    @click.argument("office_id", type=int)
    @click.option("--yes", is_flag=True, help="do not ask to confirm")
    def offices_delete_cmd(office_id, yes):
        """Delete an office and everything of it, as its owner can on 事業所を削除する: for an
        office too large for a web request's time, or one whose owners cannot sign in."""
        from pathlib import Path

        from .services import office_removal, upload_store

        with session_scope(current_app.extensions["db_engine"]) as session:
            try:
                removal = office_removal.what_goes(session, office_id)
            except office_removal.NoSuchOffice:
                raise click.ClickException(f"no office {office_id}") from None
            click.echo(f"office {office_id} 「{removal.name}」: {removal.accounts} accounts, "
                       f"{removal.statements} statements, {removal.entries} journal entries, "
                       f"{removal.members} members; consents ended at: "
                       f"{', '.join(removal.consents) or 'none'}")
            if not yes:
                click.confirm("Delete it? This cannot be undone", abort=True)
            try:
                office_removal.delete_office(session, current_app.extensions["token_cipher"],
                                             current_app.extensions["bank_registry"], office_id)
            except office_removal.OfficeBusy:
                raise click.ClickException("a sync of this office is running: try again when "
                                           "it has finished") from None
        upload_store.forget_office(Path(current_app.instance_path) / "uploads", office_id)
        click.echo(f"deleted office {office_id}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _account_ids(account_id: int | None) -> list[int]:
    """The one account asked for (an error if there is none), or every account."""
    from .models import Account

    with session_scope(current_app.extensions["db_engine"]) as session:
        if account_id is None:
            return list(session.exec(select(Account.id).order_by(Account.id)))
        if session.get(Account, account_id) is None:
            raise click.ClickException(f"no account {account_id}")
        return [account_id]


def _worker_options(command):
    command = click.option("--threads", type=click.IntRange(min=1), default=None,
                           help="sync threads (default: SYNC_WORKERS)")(command)
    return click.option("--with-scheduler", is_flag=True,
                        help="also run the scheduled jobs (the leader acts; no `flask scheduler` needed)",
                        )(command)


def _serve(*, syncs: bool, scheduled: bool, threads: int | None) -> None:
    """Start the background part in this process and block until SIGTERM or SIGINT; then
    let the runs in hand finish and stop."""
    import signal
    import threading

    from .jobs import start_background

    app = current_app._get_current_object()
    bg = start_background(app, syncs=syncs, scheduled=scheduled, threads=threads)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    parts = []
    if bg.dispatcher is not None:
        parts.append(f"sync worker {bg.dispatcher.ctx.worker_id} ({bg.dispatcher.threads} threads)")
    if bg.scheduler is not None:
        parts.append("scheduler")
    click.echo(f"{' + '.join(parts)} running; stop with Ctrl+C", err=True)
    stop.wait()
    bg.stop()
    click.echo("stopped", err=True)
