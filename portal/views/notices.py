"""The e-mails a user gets: their settings per kind, and the one-click unsubscribe link."""
from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..extensions import csrf
from ..labels import label
from ..models import User
from ..models.vocabulary import NoticeKind
from ..notice_mail import read_unsubscribe_token
from ..services import notifications
from .http import see_other

bp = Blueprint("notices", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
def settings():
    db = get_session()
    if request.method == "POST":
        wanted = set(request.form.getlist("kind"))
        for kind in NoticeKind:
            notifications.set_opt_out(db, current_user.id, kind, off=str(kind) not in wanted)
        flash(_("通知の設定を保存しました。"), "success")
        return see_other("notices.settings")
    off = notifications.opted_out(db, current_user.id)
    kinds = [(kind, label(kind), kind not in off) for kind in NoticeKind]
    return render_template("notices/settings.html", kinds=kinds,
                           mail_on=bool(current_app.config.get("MAIL_HOST")))


def _recipient(token: str) -> tuple[User, NoticeKind] | None:
    found = read_unsubscribe_token(current_app, token)
    user = get_session().get(User, found[0]) if found else None
    return (user, found[1]) if user is not None else None


# Mail clients POST the one-click unsubscribe (RFC 8058) with no page and no CSRF token: the
# signed token is the credential, and all it can do is switch one kind of mail off.
@csrf.exempt
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    found = _recipient(token)
    if found is None:
        return render_template("error.html", message=_(
            "この配信停止のリンクは無効です。メールのリンクを途中で切れずに開いたか確かめてください。")), 404
    user, kind = found
    done = request.method == "POST"
    if done:
        notifications.set_opt_out(get_session(), user.id, kind, off=True)
    return render_template("notices/unsubscribe.html", kind_label=label(kind), done=done,
                           email=user.email)
