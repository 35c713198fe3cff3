"""Two-factor authentication (blueprint "two_factor"): the code asked after the password at
login, setting it up and turning it off (/account/two-factor), and the office owner's
「メンバー全員に必須」, which sends a member without it to the setup before anything else."""
import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import CodeForm, RequireTwoFactorForm, TwoFactorDisableForm, TwoFactorSetupForm
from ..models.vocabulary import AuditAction
from ..services import audit, two_factor, users
from . import rate_limits
from .acting import actor
from .http import is_htmx, see_other
from .sign_in import PENDING_KEY, hold_without_office, start_session

bp = Blueprint("two_factor", __name__)

# What a member who must set up two-factor first may still reach.
# Switching away stays open: another office of the user may not require it.
_OPEN_WHILE_REQUIRED = {"two_factor.setup", "two_factor.confirm", "auth.logout", "auth.set_language",
                        "static", "offices.switch", "offices.index"}


def _cipher():
    return current_app.extensions["token_cipher"]


@bp.before_app_request
def _required_by_office():
    if (request.endpoint in _OPEN_WHILE_REQUIRED or request.blueprint == "api"
            or not current_user.is_authenticated
            or current_user.two_factor or not current_user.two_factor_required):
        return None
    target = url_for("two_factor.setup")
    if is_htmx():
        return "", 401, {"HX-Redirect": target}
    if request.method == "GET":
        flash(_("この事業所では2段階認証が必須です。設定すると、ほかのページを使えるようになります。"),
              "error")
    return redirect(target, code=303)


def _pending() -> dict | None:
    pending = cookie_session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    return pending


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    pending = _pending()
    if pending is None:
        cookie_session.pop(PENDING_KEY, None)
        return see_other("auth.login")
    form = CodeForm()
    if form.validate_on_submit():
        wait = rate_limits.spend((rate_limits.LOGIN_ADDRESS, rate_limits.address_key()),
                                 (rate_limits.CODE_ACCOUNT, str(pending["uid"])))
        if wait:
            return rate_limits.too_many(wait)
        session = get_session()
        user = users.by_id(session, pending["uid"])
        # The password may have changed (or every session ended) since it was given.
        if (user is not None and user.session_version == pending["sv"]
                and two_factor.verify(session, _cipher(), user.id, form.code.data)):
            rate_limits.give_back(rate_limits.CODE_ACCOUNT, str(user.id))
            if not start_session(user.id):  # a member of no office: they choose one first
                return hold_without_office(user.id, user.session_version, pending["next"])
            left = two_factor.recovery_codes_left(session, user.id)
            if left < two_factor.RECOVERY_CODES and left <= 3:
                flash(_("残りのリカバリーコードが少なくなっています。2段階認証を設定し直すと、新しいコードが発行されます。"),
                      "warning")
            return redirect(pending["next"], code=303)
        form.code.errors.append(_("確認コードが違うか、すでに使われています。"))
    return render_template("auth/login_code.html", form=form), 400 if form.errors else 200


@bp.get("/account/two-factor")
@login_required
def setup():
    session = get_session()
    if current_user.two_factor:
        return render_template("account/two_factor.html", disable_form=TwoFactorDisableForm(),
                               office_form=_office_form(),
                               codes_left=two_factor.recovery_codes_left(session, current_user.id))
    return _setup_page(TwoFactorSetupForm())


def _office_form() -> RequireTwoFactorForm | None:
    if not current_user.is_owner:
        return None
    return RequireTwoFactorForm(data={"required": current_user.two_factor_required})


def _setup_page(form: TwoFactorSetupForm, status: int = 200):
    secret = two_factor.begin_setup(get_session(), _cipher(), current_user.id)
    uri = two_factor.provisioning_uri(secret, current_user.email)
    return render_template("account/two_factor_setup.html", form=form, secret=secret,
                           qr=two_factor.qr_data_uri(uri)), status


@bp.post("/account/two-factor/confirm")
@login_required
def confirm():
    if current_user.two_factor:
        return see_other("two_factor.setup")
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        wait = rate_limits.spend((rate_limits.CODE_ACCOUNT, str(current_user.id)))
        if wait:
            return rate_limits.too_many(wait)
        codes = two_factor.confirm_setup(get_session(), _cipher(), current_user.id, form.code.data)
        if codes is not None:
            rate_limits.give_back(rate_limits.CODE_ACCOUNT, str(current_user.id))
            # Shown in this answer only (no-store, as every signed-in page): never again.
            return render_template("account/recovery_codes.html", codes=codes)
        form.code.errors.append(_("確認コードが違います。アプリに表示されている最新のコードを入力してください。"))
    return _setup_page(form, 400)


@bp.post("/account/two-factor/disable")
@login_required
def disable():
    if not current_user.two_factor:
        return see_other("two_factor.setup")
    form = TwoFactorDisableForm()
    session = get_session()
    if form.validate_on_submit():
        wait = rate_limits.spend((rate_limits.CODE_ACCOUNT, str(current_user.id)))
        if wait:
            return rate_limits.too_many(wait)
        if not users.check_password(session, current_user.id, form.password.data):
            form.password.errors.append(_("パスワードが違います。"))
        elif not two_factor.verify(session, _cipher(), current_user.id, form.code.data):
            form.code.errors.append(_("確認コードが違うか、すでに使われています。"))
        else:
            two_factor.disable(session, current_user.id)
            flash(_("2段階認証をオフにしました。"), "success")
            return see_other("account_security.index")
    return render_template("account/two_factor.html", disable_form=form, office_form=_office_form(),
                           codes_left=two_factor.recovery_codes_left(session, current_user.id)), 400


@bp.post("/account/two-factor/office")
@login_required
def office_requirement():
    if not current_user.is_owner:
        abort(404)
    form = RequireTwoFactorForm()
    if form.validate_on_submit():
        # Only reachable with two-factor on (the page offers it there), so the owner never
        # locks themself out of the office's pages by turning it on.
        if not current_user.two_factor:
            return see_other("two_factor.setup")
        # Recorded first, so set_two_factor_required's commit writes both.
        audit.record(get_session(), current_user.office_id, actor(), AuditAction.TWO_FACTOR_POLICY,
                     detail="on" if form.required.data else "off")
        users.set_two_factor_required(get_session(), current_user.office_id, bool(form.required.data))
        flash(_("メンバー全員に2段階認証を必須にしました。") if form.required.data
              else _("2段階認証の必須をやめました。"), "success")
    return see_other("two_factor.setup")
