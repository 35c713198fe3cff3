"""The e-mails of signing in: a sign-up to confirm, a notice to the owner of an address that
someone tried to sign up with, a password-reset link. Each is written in the recipient's
language; a failure to send is logged and the visitor's answer stays the same."""
import smtplib

from flask import current_app, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..services import mailer


def settings() -> mailer.MailSettings | None:
    return mailer.MailSettings.from_config(current_app.config)


def _send(to: str, locale: str | None, compose) -> None:
    mail = settings()
    if mail is None:
        return
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject, body = compose()
    try:
        mailer.send(mail, to=to, subject=subject, body=body)
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("could not send mail %r", subject)


def _ignore_notice() -> str:
    return _("お心当たりがない場合は、このメールを破棄してください。")


def signup_confirmation(email: str, token: str, locale: str | None) -> None:
    link = url_for("auth.confirm_signup", token=token, _external=True)
    hours = current_app.config["SIGNUP_CONFIRM_HOURS"]

    def compose():
        return _("【つなぐ】登録の確認"), "\n\n".join([
            _("つなぐへの登録のお申し込みありがとうございます。"),
            ngettext("次のリンクを開いて登録を完了してください(%(num)d時間有効です)。",
                     "次のリンクを開いて登録を完了してください(%(num)d時間有効です)。", hours),
            link, _ignore_notice()])

    _send(email, locale, compose)


def signup_notice(email: str, locale: str | None) -> None:
    login = url_for("auth.login", _external=True)
    forgot = url_for("password_reset.forgot", _external=True)

    def compose():
        return _("【つなぐ】登録済みのメールアドレスで新規登録がありました"), "\n\n".join([
            _("このメールアドレスで新規登録のお申し込みがありましたが、すでに登録済みです。"),
            _("ご本人の場合は、次のページからログインしてください。"), login,
            _("パスワードをお忘れの場合は、次のページから再設定できます。"), forgot,
            _ignore_notice()])

    _send(email, locale, compose)


def password_reset(email: str, token: str, locale: str | None) -> None:
    link = url_for("password_reset.reset", token=token, _external=True)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]

    def compose():
        return _("【つなぐ】パスワードの再設定"), "\n\n".join([
            ngettext("次のリンクから%(num)d分以内に新しいパスワードを設定してください。リンクは一度だけ使えます。",
                     "次のリンクから%(num)d分以内に新しいパスワードを設定してください。リンクは一度だけ使えます。",
                     minutes),
            link, _("お心当たりがない場合は、このメールを破棄してください。パスワードは変わりません。")])

    _send(email, locale, compose)
