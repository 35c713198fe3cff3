"""The masters of the office's books, one page per kind: 勘定科目, 補助科目, 税区分, 取引先,
部門 and タグ, each a list with an add form, rename and 使う/使わない (rows are never
deleted: entries and exports keep naming them); and the 勘定科目 + 補助科目 each bank
account books to."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...db import get_session
from ...forms_bookkeeping import AccountMapForm, ActiveForm, NameForm, SubAccountForm, TitleForm
from ...labels import books_error, label
from ...models import (
    BookCounterparty,
    BookDepartment,
    BookSubAccount,
    BookTag,
    BookTaxClass,
    BookTitle,
)
from ...models.vocabulary import TitleKind
from ...services.books import masters
from ...services.books.common import BooksError, owned
from ..http import see_other
from . import shared

bp = Blueprint("masters", __name__, url_prefix="/masters")

# URL part → (model, title of the page). In the order of the tabs.
KINDS = {
    "titles": (BookTitle, _l("勘定科目")),
    "sub-accounts": (BookSubAccount, _l("補助科目")),
    "tax-classes": (BookTaxClass, _l("税区分")),
    "counterparties": (BookCounterparty, _l("取引先")),
    "departments": (BookDepartment, _l("部門")),
    "tags": (BookTag, _l("タグ")),
}


def _kind(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind][0]


def _add_form(kind: str):
    model = _kind(kind)
    m = shared.load(g.office_id)
    if model is BookTitle:
        form = TitleForm()
        form.kind.choices = [(k.value, label(k)) for k in TitleKind]
        form.tax_class_key.choices = [("", _("対象外(指定なし)"))] + [
            (t.key, t.name) for t in m.taxes if t.active]
    elif model is BookSubAccount:
        form = SubAccountForm()
        form.title_id.choices = [("", _("選んでください"))] + [
            (str(t.id), t.name) for t in m.titles if t.active or t.id == form.title_id.data]
    elif model is BookTaxClass:
        form = None  # the catalogue's 税区分 only: renamed or switched off, never added
    else:
        form = NameForm()
    return form, m


def _page(kind: str, form=None, status: int = 200, row_error=None):
    """The page of one kind. row_error: (row key, field name, message, submitted value) of a
    row's form that was refused, shown beside that row's field."""
    default_form, m = _add_form(kind)
    if form is None:
        form = default_form
        if form is not None:  # a GET: an empty form, not one read from the request
            form.process(formdata=None)
    model = KINDS[kind][0]
    rows = {BookTitle: m.titles, BookSubAccount: m.subs, BookTaxClass: m.taxes,
            BookCounterparty: m.counterparties, BookDepartment: m.departments, BookTag: m.tags}[model]
    return render_template("books/masters.html", kind=kind, kinds=KINDS, model=model, rows=rows,
                           form=form, m=m, row_error=row_error, TitleKind=TitleKind,
                           title_kinds=list(TitleKind)), status


@bp.get("/")
def index():
    return redirect(url_for("books.masters.kind", kind="titles"))


@bp.get("/<kind>")
def kind(kind: str):
    _kind(kind)
    return _page(kind)


@bp.post("/<kind>")
def add(kind: str):
    model = _kind(kind)
    form, _m = _add_form(kind)
    if form is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(kind, form, 400)
    db = get_session()
    try:
        if model is BookTitle:
            masters.add_title(db, g.office_id, form.name.data, TitleKind(form.kind.data),
                              form.tax_class_key.data or None)
        elif model is BookSubAccount:
            masters.add_named(db, g.office_id, model, form.name.data, title_id=form.title_id.data)
        else:
            masters.add_named(db, g.office_id, model, form.name.data)
    except BooksError as exc:
        db.rollback()
        error = shared.attach_error(form, exc)
        if error:
            form.name.errors = [*form.name.errors, error]
        return _page(kind, form, 400)
    flash(_("「%(name)s」を追加しました。", name=form.name.data.strip()), "success")
    return see_other("books.masters.kind", kind=kind)


def _row(kind: str, ident: str):
    """The office's row of the kind named in the URL (a 税区分 by its key); 404 otherwise."""
    model = _kind(kind)
    db = get_session()
    if model is BookTaxClass:
        row = next((t for t in masters.list_masters(db, g.office_id, BookTaxClass) if t.key == ident), None)
        if row is None:
            abort(404)
        return model, row
    row_id = shared.int_arg(ident)
    if row_id is None:
        abort(404)
    return model, owned(db, g.office_id, model, row_id)


@bp.post("/<kind>/<ident>")
def update(kind: str, ident: str):
    """Rename (and, for a 勘定科目, its 区分 and default 税区分)."""
    model, row = _row(kind, ident)
    key = row.key if model is BookTaxClass else row.id
    form = NameForm()
    db = get_session()
    if not form.validate_on_submit():
        return _page(kind, status=400, row_error=(key, "name", form.name.errors[0], form.name.data))
    try:
        if model is BookTitle:
            kind_value = request.form.get("kind", "")
            tax = request.form.get("tax_class_key", "")
            masters.update_title(db, g.office_id, row.id, name=form.name.data,
                                 kind=TitleKind(kind_value) if kind_value in set(TitleKind) else None,
                                 tax_class_key=tax)
        elif model is BookTaxClass:
            masters.update_tax_class(db, g.office_id, row.key, name=form.name.data)
        else:
            masters.update_named(db, g.office_id, model, row.id, name=form.name.data)
    except BooksError as exc:
        db.rollback()
        field = "tax_class_key" if exc.code == "unknown_tax_class" else "name"
        return _page(kind, status=400, row_error=(key, field, books_error(exc), form.name.data))
    flash(_("「%(name)s」を保存しました。", name=form.name.data.strip()), "success")
    return see_other("books.masters.kind", kind=kind, _anchor=f"master-{key}")


@bp.post("/<kind>/<ident>/active")
def toggle(kind: str, ident: str):
    model, row = _row(kind, ident)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    db = get_session()
    if model is BookTitle:
        masters.update_title(db, g.office_id, row.id, active=active)
    elif model is BookTaxClass:
        masters.update_tax_class(db, g.office_id, row.key, active=active)
    else:
        masters.update_named(db, g.office_id, model, row.id, active=active)
    if active:
        flash(_("「%(name)s」を使うようにしました。", name=row.name), "success")
    else:
        flash(_("「%(name)s」を使わないようにしました。登録済みの仕訳はそのままです。", name=row.name),
              "success")
    key = row.key if model is BookTaxClass else row.id
    return see_other("books.masters.kind", kind=kind, _anchor=f"master-{key}")


def _map_forms(maps, m, failed=None) -> dict:
    """One form per bank account, prefilled with its mapping (or what was just refused)."""
    forms = {}
    for account_id, mapping in maps.items():
        if failed is not None and failed[0] == account_id:
            form = failed[1]
        else:
            form = AccountMapForm(formdata=None, prefix=f"account-{account_id}", data={
                "title_id": mapping.title_id, "sub_account_id": mapping.sub_account_id})
        form.title_id.choices = [(str(t.id), t.name) for t in m.titles
                                 if t.active or t.id == form.title_id.data]
        form.sub_account_id.choices = [("", _("なし"))] + [
            (str(s.id), _("%(title)s / %(sub)s", title=m.title_name(s.title_id), sub=s.name))
            for s in m.subs if s.active or s.id == form.sub_account_id.data]
        forms[account_id] = form
    return forms


def _accounts_page(status: int = 200, failed=None, error=None):
    db = get_session()
    maps = masters.ensure_account_maps(db, g.office_id)
    db.commit()  # accounts added since the start get their default mapping, kept
    m = shared.load(g.office_id)
    accounts = shared.accounts(g.office_id)
    return render_template("books/masters_accounts.html", kinds=KINDS, accounts=accounts,
                           forms=_map_forms(maps, m, failed), error=error, m=m,
                           account_label=shared.account_label), status


@bp.get("/accounts")
def accounts():
    return _accounts_page()


@bp.post("/accounts/<int:account_id>")
def set_account(account_id: int):
    db = get_session()
    if account_id not in {a.id for a in shared.accounts(g.office_id)}:
        abort(404)
    form = AccountMapForm(prefix=f"account-{account_id}")
    if not form.validate_on_submit():
        return _accounts_page(400, failed=(account_id, form))
    try:
        masters.set_account_map(db, g.office_id, account_id, form.title_id.data,
                                form.sub_account_id.data)
    except BooksError as exc:
        db.rollback()
        shared.attach_error(form, exc)
        return _accounts_page(400, failed=(account_id, form))
    flash(_("口座の勘定科目を保存しました。"), "success")
    return see_other("books.masters.accounts", _anchor=f"account-{account_id}")
