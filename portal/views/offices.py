"""The signed-in user's offices: the switcher in the top bar and the accountant's overview."""
from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import switch_office
from ..db import get_session
from ..forms_offices import NewOfficeForm, SwitchOfficeForm
from ..labels import label
from ..models.vocabulary import AuditAction, Role
from ..services import audit, office_overview, offices
from .acting import actor
from .sign_in import _safe_next

bp = Blueprint("offices", __name__, url_prefix="/offices")



def _log_switch(db, to_office_id: int, from_name: str | None) -> None:
    audit.record(db, to_office_id, actor(), AuditAction.OFFICE_SWITCHED, target=current_user.email,
                 detail=from_name and f"from: {from_name}")


@bp.post("/switch")
@login_required
def switch():
    form = SwitchOfficeForm()
    if not form.validate_on_submit():
        abort(400)
    db, target, next_path = get_session(), form.office_id.data, form.next.data
    if form.to.data:  # a cell of the overview: "<office id> <page>"
        office_id, _sep, next_path = form.to.data.partition(" ")
        if not office_id.isdigit():
            abort(400)
        target = int(office_id)
    from_id = current_user.office_id
    if target != from_id:
        from_name = offices.office_name(db, from_id)
        # Membership is checked by switch_office; the id in the form is only a wish.
        if not switch_office(target):
            message = _("この事業所のメンバーではありません。")
            return render_template("error.html", message=message), 403
        _log_switch(db, target, from_name)
        db.commit()
        flash(_("「%(name)s」に切り替えました。", name=offices.office_name(db, target)), "success")
    return redirect(_safe_next(next_path), code=303)


@bp.get("/")
@login_required
def index():
    sort = request.args.get("sort", "name")
    sort = sort if sort in office_overview.COLUMNS else "name"
    descending = request.args.get("dir") == "desc"
    rows = office_overview.sort_rows(office_overview.overview(get_session(), current_user.id),
                                     sort, descending)
    return render_template("offices/index.html", rows=rows, sort=sort, descending=descending,
                           up_to=office_overview.INBOX_UP_TO,
                           role_labels={role: label(role) for role in Role})


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = NewOfficeForm()
    if form.validate_on_submit():
        db = get_session()
        from_name = offices.office_name(db, current_user.office_id)
        office = offices.create_office(db, current_user.id, form.name.data)
        db.commit()
        switch_office(office.id)
        _log_switch(db, office.id, from_name)
        db.commit()
        flash(_("事業所「%(name)s」を追加しました。", name=office.name), "success")
        return redirect(_safe_next(None), code=303)
    return render_template("offices/new.html", form=form), 400 if form.errors else 200
