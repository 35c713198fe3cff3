"""A user who is a member of no office, after a right password (and code): removed from their
only office, or they left it. Every page works in an office, so instead of signing them in
(sign_in.hold_without_office holds them half signed in) this page says so and offers the
two ways on: make an office of their own here, or open an invitation's link and join
(views/invitations.py takes the same hold). Public in portal.permissions: the hold is the key.
"""
from flask import Blueprint, flash, render_template
from flask import session as cookie_session
from flask_babel import gettext as _

from ..db import get_session
from ..forms_offices import NewOfficeForm
from ..services import offices
from .http import see_other
from .sign_in import NO_OFFICE_KEY, held_without_office, start_session

bp = Blueprint("no_office", __name__, url_prefix="/login/no-office")


@bp.route("", methods=["GET", "POST"])
def choose():
    user = held_without_office()
    if user is None:  # never held, ten minutes gone, or their sessions ended since
        cookie_session.pop(NO_OFFICE_KEY, None)
        return see_other("auth.login")
    form = NewOfficeForm()
    if form.validate_on_submit():
        db = get_session()
        office = offices.create_office(db, user.id, form.name.data)
        db.commit()
        start_session(user.id)  # a member now: signed in, working in the office just made
        flash(_("事業所「%(name)s」を作成しました。", name=office.name), "success")
        return see_other("home.index")
    return render_template("auth/no_office.html", form=form, email=user.email), \
        400 if form.errors else 200
