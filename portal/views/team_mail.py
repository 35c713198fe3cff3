"""The invitation e-mail: plain text with an HTML alternative, in the inviter's language (the
invitee has no language setting with us yet). It names the office, the inviter, the role, the
link and until when it works; nothing of the office's statements. A failure to send is logged
(never the link: it holds the token) and reported to the caller, which then shows the link."""
import smtplib

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from ..i18n import format_datetime
from ..labels import label
from ..models.vocabulary import Role
from ..services import mailer


def settings() -> mailer.MailSettings | None:
    return mailer.MailSettings.from_config(current_app.config)


def invitation(to: str, *, office_name: str, inviter: str, role: Role, link: str,
               expires_at) -> bool:
    """Send the invitation; True when the server took it, False without mail or on failure."""
    mail = settings()
    if mail is None:
        return False
    until = format_datetime(expires_at)
    subject = _("【つなぐ】「%(office)s」への招待", office=office_name)
    intro = _("%(inviter)s さんから、つなぐの事業所「%(office)s」に招待されました。",
              inviter=inviter, office=office_name)
    role_line = _("権限: %(role)s", role=label(role))
    open_line = _("次のリンクを開いて参加してください。リンクは一度だけ使えます。")
    until_line = _("有効期限: %(until)s(日本時間)", until=until)
    ignore = _("お心当たりがない場合は、このメールを破棄してください。")
    body = "\n\n".join([intro, role_line, open_line, link, until_line, ignore]) + "\n"
    html = Markup("").join([
        Markup("<!doctype html><html><body>"),
        *(Markup("<p>{}</p>").format(line) for line in (intro, role_line, open_line)),
        Markup('<p><a href="{0}">{1}</a></p>').format(link, _("招待を開く")),
        Markup("<p>{}</p>").format(until_line),
        Markup("<p>{}</p>").format(ignore),
        Markup("</body></html>"),
    ])
    try:
        mailer.send(mail, to=to, subject=subject, body=body, html=str(html))
    except (smtplib.SMTPException, OSError):
        current_app.logger.exception("could not send an invitation mail to office members")
        return False
    return True

