"""自動登録ルール: the list in priority order (moved up and down or to a position), the form
for a new or changed rule with its preview (「該当する明細を数える」, nothing saved), a rule
drafted from a statement of the inbox, and deletion after asking."""
from flask import Blueprint, abort, flash, g, make_response, render_template, request
from flask_babel import gettext as _

from ...bookkeeping.rules import RuleError
from ...db import get_session
from ...forms import ConfirmForm
from ...forms_bookkeeping import DIRECTIONS, RULE_MATCHES, MoveForm, PositionForm, RuleForm
from ...labels import label
from ...models import BookRule
from ...models.vocabulary import Direction, RuleMatch
from ...services.accounts import get_account
from ...services.books import rules
from ...services.books.common import BooksError, owned
from ...services.books.rules import RuleDraft
from ..http import is_htmx, or_404, see_other
from . import shared

bp = Blueprint("rules", __name__, url_prefix="/rules")


def _context() -> dict:
    accounts = shared.accounts(g.office_id)
    return {"m": shared.load(g.office_id), "accounts": {a.id: a for a in accounts}}


@bp.get("/")
def index():
    return _list()


def _list(status: int = 200, error_rule: int | None = None, position_form=None):
    return render_template("books/rules.html", rules=rules.list_rules(get_session(), g.office_id),
                           error_rule=error_rule, position_form=position_form,
                           **_context()), status


def _choices(form: RuleForm) -> RuleForm:
    form.match.choices = [(m.value, label(m)) for m in RULE_MATCHES]
    form.direction.choices = [("", _("両方"))] + [(d.value, label(d)) for d in DIRECTIONS]
    form.skip.choices = [("book", _("仕訳を登録する")), ("skip", _("スキップする(記帳しない)"))]
    form.account_id.choices = [("", _("すべての口座"))] + [
        (str(a.id), shared.account_label(a)) for a in shared.accounts(g.office_id)]
    shared.fill_booking_choices(form, shared.load(g.office_id))
    return form


def _form_of(draft: RuleDraft | None) -> RuleForm:
    if draft is None:
        return _choices(RuleForm(formdata=None))
    return _choices(RuleForm(formdata=None, data={
        "name": draft.name, "match": RuleMatch(draft.match).value, "pattern": draft.pattern,
        "direction": Direction(draft.direction).value if draft.direction else "",
        "amount_min": draft.amount_min, "amount_max": draft.amount_max,
        "account_id": draft.account_id, "skip": "skip" if draft.skip else "book",
        "active": draft.active, **shared.booking_data(draft)}))


def _draft(form: RuleForm) -> RuleDraft:
    return RuleDraft(
        match=RuleMatch(form.match.data), pattern=form.pattern.data or "",
        direction=Direction(form.direction.data) if form.direction.data else None,
        amount_min=form.amount_min.data, amount_max=form.amount_max.data,
        account_id=form.account_id.data, skip=form.skip.data == "skip",
        name=(form.name.data or "").strip(), active=bool(form.active.data),
        **shared.booking_values(form))


def _render(form: RuleForm, rule: BookRule | None, status: int = 200, count: int | None = None,
            error: str | None = None):
    values = {"form": form, "rule": rule, "count": count, "error": error}
    if is_htmx():  # the preview button: the form again, with its count or its errors
        resp = make_response(render_template("books/_rules_form.html", **values), status)
    else:
        resp = make_response(render_template("books/rule_form.html", **values), status)
    resp.vary.add("HX-Request")
    return resp


def _submit(rule: BookRule | None):
    """POST of the form: count (preview) or save."""
    db = get_session()
    form = _choices(RuleForm())
    if not form.validate_on_submit():
        return _render(form, rule, 400)
    if form.account_id.data is not None:  # never count in another office's account
        or_404(get_account(db, g.office_id, form.account_id.data))
    draft = _draft(form)
    try:
        if request.form.get("preview"):
            return _render(form, rule, count=rules.preview_count(db, g.office_id, draft))
        if rule is None:
            saved = rules.create_rule(db, g.office_id, draft)
            flash(_("ルールを作成しました。"), "success")
        else:
            saved = rules.update_rule(db, g.office_id, rule.id, draft)
            flash(_("ルールを保存しました。"), "success")
    except (RuleError, BooksError) as exc:
        db.rollback()
        return _render(form, rule, 400, error=shared.attach_error(form, exc))
    return see_other("books.rules.index", _anchor=f"rule-{saved.id}")


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "POST":
        return _submit(None)
    statement_id = shared.int_arg(request.args.get("statement"))
    draft = None
    if statement_id is not None:  # 「ルールを作成」 of an inbox row
        draft = rules.draft_from_statement(get_session(), g.office_id, statement_id)
    elif request.args.get("statement"):
        abort(404)
    return _render(_form_of(draft), None)


@bp.route("/<int:rule_id>/edit", methods=["GET", "POST"])
def edit(rule_id: int):
    rule = owned(get_session(), g.office_id, BookRule, rule_id)
    if request.method == "POST":
        return _submit(rule)
    return _render(_form_of(rules.draft_of(rule)), rule)


@bp.post("/<int:rule_id>/move")
def move(rule_id: int):
    form = MoveForm()
    owned(get_session(), g.office_id, BookRule, rule_id)
    if not form.validate_on_submit():
        return "", 400
    rules.move_rule(get_session(), g.office_id, rule_id, int(form.step.data))
    return see_other("books.rules.index", _anchor=f"rule-{rule_id}")


@bp.post("/<int:rule_id>/position")
def position(rule_id: int):
    owned(get_session(), g.office_id, BookRule, rule_id)
    form = PositionForm()
    if not form.validate_on_submit():
        return _list(400, error_rule=rule_id, position_form=form)
    rules.set_rule_position(get_session(), g.office_id, rule_id, form.position.data)
    return see_other("books.rules.index", _anchor=f"rule-{rule_id}")


@bp.route("/<int:rule_id>/delete", methods=["GET", "POST"])
def delete(rule_id: int):
    rule = owned(get_session(), g.office_id, BookRule, rule_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        rules.delete_rule(get_session(), g.office_id, rule.id)
        flash(_("ルールを削除しました。"), "success")
        return see_other("books.rules.index")
    return render_template("books/rule_delete.html", rule=rule, form=form, **_context())
