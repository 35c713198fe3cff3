"""未処理の明細 (the inbox): the office's statements not yet booked, newest first, each with
its suggested entry. A row is booked, booked with edits, skipped or (a 口座振替) booked with
its pair; with htmx the row turns in place into a short "done" row with 取り消す, without
JavaScript the form posts and comes back here (303)."""
from flask import Blueprint, abort, flash, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...db import get_session
from ...forms_bookkeeping import BookingFields, InboxFilterForm, SkipForm, TransferForm
from ...labels import books_error
from ...models import Statement
from ...models.vocabulary import BookingState, SuggestionSource
from ...services.books import booking, guard, inbox
from ...services.books.common import BooksError, owned
from ...services.books.inbox import InboxItem, Suggestion
from ..http import is_htmx, see_other
from . import shared

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
COUNT_UP_TO = 1000  # past this the inbox says "more than 1,000": counting stays bounded


def _accounts() -> dict:
    return {a.id: a for a in shared.accounts(g.office_id)}


def _filter() -> InboxFilterForm:
    form = InboxFilterForm(request.args)
    form.validate()
    accounts = _accounts()
    form.account.choices = [("", _("すべての口座"))] + [
        (str(a.id), shared.account_label(a)) for a in accounts.values()]
    if form.account.data not in accounts:  # a wrong or foreign id: the whole office
        form.account.data = None
    return form


@bp.get("/")
def index():
    db = get_session()
    form = _filter()
    account_id = form.account.data
    page = inbox.inbox_page(db, g.office_id, account_id=account_id,
                            cursor=inbox.parse_cursor(form.after.data))
    return render_template(
        "books/inbox.html", form=form, page=page, account_id=account_id,
        count=inbox.unbooked_count(db, g.office_id, account_id, up_to=COUNT_UP_TO),
        count_up_to=COUNT_UP_TO,
        flagged=guard.flagged_count(db, g.office_id),
        next_after=f"{page.next_cursor[0].isoformat()}_{page.next_cursor[1]}" if page.next_cursor else None,
        **_row_context())


def _row_words() -> dict:
    """What every row says, translated once per page rather than once per row (the page
    cost a tenth of its time in gettext at 50 rows)."""
    return {"date": _("取引日"), "account": _("口座"), "text": _("摘要"), "in": _("入金"),
            "out": _("出金"), "suggestion": _("提案"), "actions": _("操作"), "tax": _("税区分"),
            "counterparty": _("取引先"), "skip_suggested": _("スキップ(記帳しない)"),
            "book": _("登録"), "book_skip": _("提案どおりスキップ"), "edit": _("編集して登録"),
            "skip": _("スキップ"), "skip_reason": _("スキップの理由(任意)"),
            "skip_do": _("スキップする"), "rule": _("ルールを作成"),
            "transfer": _("口座振替として2件を登録"), "none": _("提案なし")}


def _row_context() -> dict:
    return {"accounts": _accounts(), "m": shared.load(g.office_id), "w": _row_words()}


def _back():
    """To the inbox, with the account filter the row's form came from."""
    return see_other("books.inbox.index", account=shared.int_arg(request.form.get("back")) or None)


def _item(statement_id: int) -> InboxItem:
    """One statement as the inbox shows it (for a row re-drawn by htmx)."""
    db = get_session()
    statement = owned(db, g.office_id, Statement, statement_id)
    partner = inbox.transfer_partners(db, g.office_id, [statement]).get(statement.id)
    if partner is not None:
        return InboxItem(statement, Suggestion(source=SuggestionSource.TRANSFER), partner)
    return InboxItem(statement, inbox.suggestions_for(db, g.office_id, [statement]).get(statement.id))


def _fragment(template: str, status: int = 200, **values):
    resp = make_response(render_template(template, back=request.form.get("back", ""),
                                         **_row_context(), **values), status)
    resp.vary.add("HX-Request")
    return resp


def _done(statement_id: int, entry, message: str):
    """After a booking: the done row (htmx), else the inbox with the message."""
    if is_htmx():
        return _fragment("books/_inbox_done.html", row_id=statement_id, entry=entry,
                         message=message, statement=get_session().get(Statement, statement_id))
    flash(message, "success")
    return _back()


def _refused(statement_id: int, message: str):
    """A booking refused (already booked, nothing to book it as): said on the row (htmx,
    409) or at the top of the inbox."""
    if is_htmx():
        return _fragment("books/_inbox_refused.html", 409, row_id=statement_id, message=message)
    flash(message, "error")
    return _back()


def _book(book, statement_id: int, *args, message: str | None = None):
    """book(db, office, statement_id, *args, user_id=) and the done row, or why it was refused;
    an id not of this office stays a 404."""
    try:
        entry = book(get_session(), g.office_id, statement_id, *args, user_id=current_user.id)
    except BooksError as exc:
        if exc.code == "not_found":
            raise
        return _refused(statement_id, books_error(exc))
    skipped = entry.state == BookingState.SKIPPED  # a suggestion may be a skip, too
    return _done(statement_id, entry,
                 message or (_("スキップしました。") if skipped else _("登録しました。")))


@bp.post("/<int:statement_id>/confirm")
def confirm(statement_id: int):
    owned(get_session(), g.office_id, Statement, statement_id)
    return _book(booking.confirm, statement_id)


@bp.post("/<int:statement_id>/skip")
def skip(statement_id: int):
    form = SkipForm()
    owned(get_session(), g.office_id, Statement, statement_id)
    if not form.validate_on_submit():
        if not form.csrf_token.errors and form.reason.errors:
            return _refused(statement_id, form.reason.errors[0])
        abort(400)
    return _book(booking.skip, statement_id, form.reason.data or "")


@bp.post("/<int:statement_id>/transfer")
def transfer(statement_id: int):
    form = TransferForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    owned(db, g.office_id, Statement, statement_id)
    owned(db, g.office_id, Statement, form.other_id.data)
    return _book(booking.confirm_transfer, statement_id, form.other_id.data,
                 message=_("口座振替として登録しました。"))


@bp.post("/entries/<int:entry_id>/undo")
def undo(entry_id: int):
    back = booking.undo(get_session(), g.office_id, entry_id)
    if is_htmx():
        row = shared.int_arg(request.form.get("row"))
        statement_id = row if row in back else (back[0] if back else None)
        if statement_id is None:  # its statement is gone: nothing comes back to the inbox
            return _fragment("books/_inbox_refused.html", row_id=row or 0,
                             message=_("登録を取り消しました。"))
        return _fragment("books/_inbox_row.html", item=_item(statement_id), focus=True)
    flash(_("登録を取り消しました。明細は未処理に戻りました。"), "success")
    return _back()


@bp.post("/confirm-all")
def confirm_all():
    ids = [i for i in (shared.int_arg(v) for v in request.form.getlist("ids")) if i is not None]
    result = booking.confirm_many(get_session(), g.office_id, ids, user_id=current_user.id)
    left = inbox.unbooked_count(get_session(), g.office_id, up_to=COUNT_UP_TO)
    booked = len(result.entries)
    rest = (_("未処理の明細は残り%(num)s件以上です。", num=f"{COUNT_UP_TO:,}") if left > COUNT_UP_TO else
            ngettext("未処理の明細は残り%(num)s件です。", "未処理の明細は残り%(num)s件です。", left))
    flash(ngettext("%(num)s件を登録しました。", "%(num)s件を登録しました。", booked) + " " + rest,
          "success")
    return _back()


class EditForm(BookingFields):
    pass


def _edit_form(item: InboxItem | None = None) -> EditForm:
    if item is None:
        form = EditForm()
    else:
        s = item.suggestion if item.suggestion and not item.suggestion.skip \
            and item.suggestion.source != SuggestionSource.TRANSFER else Suggestion()
        form = EditForm(formdata=None, data=shared.booking_data(s))
    shared.fill_booking_choices(form, shared.load(g.office_id))
    return form


@bp.route("/<int:statement_id>/edit", methods=["GET", "POST"])
def edit(statement_id: int):
    """編集して登録: the suggestion in a form of its own page, booked as the user leaves it."""
    db = get_session()
    item = _item(statement_id)
    form = _edit_form(item if request.method == "GET" else None)
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            booking.confirm(db, g.office_id, statement_id, Suggestion(**shared.booking_values(form)),
                            user_id=current_user.id)
        except BooksError as exc:
            error = shared.attach_error(form, exc)
        else:
            flash(_("登録しました。"), "success")
            return see_other("books.inbox.index", _anchor=f"inbox-{statement_id}")
    status = 400 if request.method == "POST" else 200
    return render_template("books/inbox_edit.html", form=form, item=item, error=error,
                           accounts=_accounts()), status

