"""Notices as e-mails: written in the recipient's language (plain text and HTML), with a
one-click unsubscribe link (RFC 8058), and sent by `deliver_due`.

Links are absolute and made outside any request: from PUBLIC_URL (the address members open
the portal at, e.g. "https://tsunagu.example.jp"), else from SERVER_NAME, else
http://localhost. A mail names only what the reader needs to act: the office, the bank, the
account names, dates and counts; never an amount or a statement's text.
"""
import json
import smtplib
import time
from datetime import date

from flask import Flask, current_app, render_template, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from .dates import utcnow
from .db import get_session, session_scope
from .models import Notice, Office, User
from .models.vocabulary import NoticeKind
from .services import leased_claims, mailer, notifications

SALT = "notice-unsubscribe"
BATCH = 10  # notices claimed at a time: a batch is sent well within its lease


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(app: Flask, user_id: int, kind: NoticeKind) -> str:
    return _serializer(app).dumps({"u": user_id, "k": str(kind)})


def read_unsubscribe_token(app: Flask, token: str) -> tuple[int, NoticeKind] | None:
    """The user and the kind a token stops, or None when it was not made here."""
    try:
        data = _serializer(app).loads(token)
        return int(data["u"]), NoticeKind(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def public_url(app: Flask) -> str:
    configured = app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if app.config.get("SERVER_NAME"):
        return f"{app.config.get('PREFERRED_URL_SCHEME') or 'http'}://{app.config['SERVER_NAME']}"
    return "http://localhost"


def _subject(kind: NoticeKind, data: dict) -> str:
    if kind == NoticeKind.CONSENT_EXPIRING:
        return _("【つなぐ】%(bank)sの認証の有効期限が近づいています", bank=data.get("bank", ""))
    if kind == NoticeKind.CONSENT_ENDED:
        return _("【つなぐ】%(bank)sの認証が切れました", bank=data.get("bank", ""))
    if kind == NoticeKind.WEBHOOK_DISABLED:
        return _("【つなぐ】Webhookの送信先を無効にしました")
    if kind == NoticeKind.SYNC_FAILING:
        return _("【つなぐ】%(account)sの同期が続けて失敗しています", account=data.get("account", ""))
    if data.get("task") == "import":
        return _("【つなぐ】明細の取り込みが終わりました")
    return _("【つなぐ】仕訳の書き出しが終わりました")


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value), "long") if value else ""


def compose(app: Flask, notice: Notice, user: User, office_name: str | None
            ) -> tuple[str, str, str, dict[str, str]]:
    """Subject, plain text, HTML and headers of one notice, in the user's language."""
    data = json.loads(notice.payload or "{}")
    kind = NoticeKind(notice.kind)
    locale = user.locale or app.config["BABEL_DEFAULT_LOCALE"]
    with app.test_request_context("/", base_url=public_url(app)), force_locale(locale):
        unsubscribe = url_for("notices.unsubscribe",
                              token=unsubscribe_token(app, user.id, kind), _external=True)
        context = {
            "data": data, "office": office_name, "expires": _day(data.get("expires")),
            "last": _day(data.get("last")), "reauth_url": url_for("reauth.index", _external=True),
            "settings_url": url_for("notices.settings", _external=True),
            "unsubscribe_url": unsubscribe, "portal_url": url_for("home.index", _external=True),
            "lang": locale,
        }
        if data.get("account_id"):
            context["log_url"] = url_for("account.sync.log", account_id=data["account_id"],
                                         _external=True)
        if data.get("endpoint_id"):
            context["webhook_url"] = url_for("office.webhooks.show", endpoint_id=data["endpoint_id"],
                                             _external=True)
        subject = _subject(kind, data)
        text = render_template(f"mail/notice_{kind}.txt", subject=subject, **context)
        html = render_template(f"mail/notice_{kind}.html", subject=subject, **context)
    headers = {"List-Unsubscribe": f"<{unsubscribe}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return subject, text, html, headers


def deliver_due(app: Flask, now=None) -> int:
    """Claim the due notices and send them; returns how many were sent. Without MAIL_HOST
    nothing is claimed: the notices wait (and the scan adds none: see run_once)."""
    settings = mailer.MailSettings.from_config(app.config)
    if settings is None:
        return 0
    engine = app.extensions["db_engine"]
    lease = float(app.config.get("NOTICE_LEASE_SECONDS", 300))
    max_attempts = int(app.config["NOTICE_MAX_ATTEMPTS"])
    with app.app_context():
        return leased_claims.drain(
            engine, lambda session: notifications.claim(session, now or utcnow(), lease, BATCH),
            lambda notice_id: _deliver_one(app, engine, settings, notice_id, max_attempts))


def _deliver_one(app: Flask, engine, settings, notice_id: int, max_attempts: int) -> int:
    with session_scope(engine) as session:
        notice = session.get(Notice, notice_id)
        user = session.get(User, notice.user_id)
        if notice.kind in notifications.opted_out(session, notice.user_id):
            # Switched off after the event was noticed: not sent, not retried.
            notifications.mark_sent(session, notice_id, utcnow(), note="opted out")
            return 0
        office = session.get(Office, notice.office_id) if notice.office_id else None
        try:
            subject, text, html, headers = compose(app, notice, user, office.name if office else None)
        except Exception as exc:  # a template bug must not block the queue behind it
            app.logger.exception("could not write notice %s", notice_id)
            notifications.mark_failed(session, notice_id, utcnow(), f"compose: {type(exc).__name__}",
                                      max_attempts=max_attempts)
            return 0
        try:
            mailer.send(settings, to=user.email, subject=subject, body=text, html=html, headers=headers)
        except (smtplib.SMTPException, OSError) as exc:
            app.logger.warning("could not send notice %s: %s", notice_id, exc)
            notifications.mark_failed(session, notice_id, utcnow(), f"{type(exc).__name__}: {exc}",
                                      max_attempts=max_attempts)
            return 0
        notifications.mark_sent(session, notice_id, utcnow())
        return 1


def run_once(app: Flask, now=None) -> tuple[int, int]:
    """Scan for events, then send what is due: (notices added, mails sent). Safe in any
    number of processes at once (portal/services/notifications.py). Without MAIL_HOST it does
    nothing, so that notices do not pile up in an installation without mail."""
    if mailer.MailSettings.from_config(app.config) is None:
        return 0, 0
    with session_scope(app.extensions["db_engine"]) as session:
        added = notifications.scan(session, now or utcnow())
    return added, deliver_due(app, now)


def report_long_task(task: str, task_id: str | int, started: float, office_id: int | None,
                     summary: dict) -> None:
    """In a request that finished an import or export begun at `started` (time.monotonic()):
    a notice to its user when it took LONG_TASK_SECONDS or more. Never fails the request."""
    seconds = time.monotonic() - started
    threshold = float(current_app.config["LONG_TASK_SECONDS"])
    if seconds < threshold or mailer.MailSettings.from_config(current_app.config) is None:
        return
    session = get_session()
    try:
        notifications.long_task_finished(session, user_id=current_user.id, office_id=office_id,
                                         task=task, task_id=task_id, seconds=seconds,
                                         summary=summary, threshold_seconds=threshold)
    except Exception:  # the work is done and committed; a lost notice is only a lost mail
        session.rollback()
        current_app.logger.exception("could not record the %s notice", task)
