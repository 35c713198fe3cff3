"""事業所の削除 (owners): a page that says what goes with the office and asks for its name,
then the deletion. The owner then works in another office of theirs, or, with none left,
gets the page that offers to make or join one (views/no_office.py)."""
import logging
from pathlib import Path

from flask import Blueprint, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...db import get_session
from ...forms_offices import DeleteOfficeForm
from ...services import office_removal, offices, upload_store, users
from ...services.accounts import bank_name
from ..http import see_other
from ..sign_in import hold_without_office, start_session

bp = Blueprint("deletion", __name__, url_prefix="/delete")
log = logging.getLogger(__name__)


@bp.route("", methods=["GET", "POST"])
def delete():
    db = get_session()
    office_id, user_id = current_user.office_id, current_user.id
    form = DeleteOfficeForm()
    if form.validate_on_submit():
        name = offices.office_name(db, office_id)
        if form.name.data.strip() != name:
            form.name.errors.append(_("事業所名が違います。削除するには「%(name)s」と入力してください。",
                                      name=name))
        else:
            try:
                removal = office_removal.delete_office(
                    db, current_app.extensions["token_cipher"],
                    current_app.extensions["bank_registry"], office_id)
            except office_removal.OfficeBusy:
                flash(_("同期中の口座があるため削除できません。同期が終わってから、もう一度お試しください。"),
                      "error")
                return see_other("office.deletion.delete")
            upload_store.forget_office(Path(current_app.instance_path) / "uploads", office_id)
            log.info("office %s deleted by user %s", office_id, user_id)
            signed_in = start_session(user_id)  # in their next office, if they have one
            flash(_("事業所「%(name)s」を削除しました。", name=removal.name), "success")
            if signed_in:
                return see_other("home.index")
            user = users.by_id(db, user_id)
            return hold_without_office(user.id, user.session_version, url_for("home.index"))
    removal = office_removal.what_goes(db, office_id)
    return render_template("office/delete.html", removal=removal, form=form,
                           banks=[bank_name(code) for code in removal.consents]), \
        400 if form.errors else 200
