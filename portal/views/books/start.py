"""記帳を始める: the office chooses 法人 or 個人事業主 once; its masters start from that."""
from flask import Blueprint, g, redirect, render_template, url_for

from ...db import get_session
from ...forms_bookkeeping import BUSINESS_FORMS, StartForm
from ...labels import label
from ...models.vocabulary import BusinessForm
from ...services.books import masters
from ..http import see_other

bp = Blueprint("start", __name__, url_prefix="/start")


def _form() -> StartForm:
    form = StartForm()
    form.business_form.choices = [(f.value, label(f)) for f in BUSINESS_FORMS]
    return form


@bp.get("/")
def form():
    if masters.setup_of(get_session(), g.office_id) is not None:
        return redirect(url_for("books.inbox.index"), code=303)
    return render_template("books/start.html", form=_form())


@bp.post("/")
def begin():
    form = _form()
    if not form.validate_on_submit():
        return render_template("books/start.html", form=form), 400
    masters.start_books(get_session(), g.office_id, BusinessForm(form.business_form.data))
    return see_other("books.inbox.index")
