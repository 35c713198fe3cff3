"""The link in an invitation mail: see the invitation, sign in or sign up, and join.

Public (portal.permissions): the token is the key. Opening the link changes nothing (mail
scanners open links); joining is a button. A link that no longer works says why and whom to
ask; the token itself is never logged."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth import log_in, switch_office
from ..db import get_session
from ..forms import ConfirmForm
from ..forms_team import InvitedAccountForm
from ..labels import role_summary
from ..services import invitations, users
from ..services.invitations import Found, InvitationError
from .sign_in import held_without_office, start_session

bp = Blueprint("invitations", __name__, url_prefix="/invitations")

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}  # the URL holds the token


def _invalid(found: Found | None):
    # Unknown: 404. Known but expired, used or revoked: 410, with whom to ask for a new one.
    return render_template("invitations/invalid.html", found=found), 404 if found is None else 410, NO_STORE


def _held(found: Found):
    """The invited user, held after their password as a member of no office (sign_in)."""
    held = held_without_office()
    return held if held is not None and held.email == found.email else None


def _page(token: str, found: Found, form: InvitedAccountForm | None = None, status: int = 200):
    if current_user.is_authenticated:
        mode = "join" if current_user.email == found.email else "other"
    elif _held(found) is not None:
        mode = "join"
    elif users.find(get_session(), found.email) is not None:
        mode = "login"
    else:
        mode = "signup"
        if form is None:
            form = InvitedAccountForm(formdata=None)
    return render_template(
        "invitations/show.html", found=found, token=token, mode=mode, form=form,
        join_form=ConfirmForm(formdata=None), role_summary=role_summary,
        login_url=url_for("auth.login", next=url_for("invitations.show", token=token)),
    ), status, NO_STORE


@bp.get("/<token>")
def show(token: str):
    found = invitations.lookup(get_session(), token)
    if found is None or not found.is_valid:
        return _invalid(found)
    return _page(token, found)


def _joined(office_name: str):
    flash(_("事業所「%(name)s」に参加しました。", name=office_name), "success")
    return redirect(url_for("home.index"), code=303)


@bp.post("/<token>")
def join(token: str):
    """参加する: the signed-in user joins, and the session moves to the office joined. A user
    of no office, held after their password, joins and is signed in there."""
    session = get_session()
    found = invitations.valid(session, token)
    held = None if current_user.is_authenticated or found is None else _held(found)
    if not current_user.is_authenticated and held is None:
        return redirect(url_for("invitations.show", token=token), code=303)
    try:
        membership = invitations.accept(session, token, held.id if held else current_user.id)
    except InvitationError as exc:
        if exc.code == "wrong_email" and found is not None:
            return _page(token, found, status=403)
        if exc.code == "already_member" and found is not None:
            _enter(held, found.office_id)
            flash(_("すでに事業所「%(name)s」のメンバーです。", name=found.office_name), "success")
            return redirect(url_for("home.index"), code=303)
        return _invalid(invitations.lookup(session, token))
    _enter(held, membership.office_id)
    return _joined(found.office_name)


def _enter(held, office_id: int) -> None:
    """Work in the office joined: the held user is signed in there, a signed-in one moves."""
    if held is not None:
        start_session(None)
        log_in(held.id, office_id)
    else:
        switch_office(office_id)


@bp.post("/<token>/account")
def create_account(token: str):
    """An account for the invited address (no office of its own), joined and signed in."""
    session = get_session()
    found = invitations.valid(session, token)
    if found is None:
        return _invalid(invitations.lookup(session, token))
    if current_user.is_authenticated or users.find(session, found.email) is not None:
        return redirect(url_for("invitations.show", token=token), code=303)
    form = InvitedAccountForm()
    form.account_email = found.email
    if not form.validate_on_submit():
        return _page(token, found, form, 400)
    try:
        user = invitations.create_invited_user(session, found.email, form.password.data,
                                               locale=str(get_locale()))
        membership = invitations.accept(session, token, user.id)
    except (InvitationError, IntegrityError):
        # Used, revoked or expired meanwhile, or the address registered meanwhile: nothing kept.
        session.rollback()
        found = invitations.valid(session, token)
        if found is None:
            return _invalid(invitations.lookup(session, token))
        return redirect(url_for("invitations.show", token=token), code=303)
    start_session(None)
    log_in(user.id, membership.office_id)
    return _joined(found.office_name)
