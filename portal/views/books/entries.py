"""仕訳: the office's journal entries, newest first; a flagged entry beside the bank's record
now, with 「銀行の内容で更新」 and 「取り消して未処理に戻す」; the edit of an entry."""
from flask import Blueprint, current_app, flash, g, render_template, request
from flask_babel import gettext as _

from ... import labels
from ...bookkeeping.entry import EntryKind
from ...db import get_session
from ...forms import ConfirmForm
from ...forms_bookkeeping import BookingFields, EntryFilterForm
from ...models.vocabulary import BookingState, FlagReason
from ...services.accounts import list_accounts
from ...services.books import booking, details
from ...services.books.common import BooksError, split_ids
from ...services.books.inbox import Suggestion
from ...services.books.journal_export import entry_code
from ..http import see_other
from . import shared

bp = Blueprint("entries", __name__, url_prefix="/entries")
PAGE_SIZE = 50


def _context(entries):
    db = get_session()
    return {"names": details.names(db, g.office_id),
            "changes": details.line_changes(db, g.office_id, entries),
            "accounts": {a.id: a for a in list_accounts(db, g.office_id)},
            "entry_code": entry_code, "EntryKind": EntryKind, "BookingState": BookingState,
            "FlagReason": FlagReason}


@bp.get("")
def index():
    form = EntryFilterForm(request.args)
    form.validate()
    state = form.value("state") or None
    size = current_app.config.get("BOOK_ENTRIES_PAGE_SIZE", PAGE_SIZE)
    # One more than a page: whether there is an older page, without counting them all.
    rows = booking.list_entries(get_session(), g.office_id, state=BookingState(state) if state else None,
                                limit=size + 1, before_id=form.before_id())
    page, more = rows[:size], len(rows) > size
    return render_template("books/entries.html", entries=page, state=state,
                           next_before=page[-1].id if more else None,
                           confirm_form=ConfirmForm(formdata=None), **_context(page))


@bp.get("/<int:entry_id>")
def show(entry_id: int):
    entry = booking.entry_of(get_session(), g.office_id, entry_id)
    return render_template("books/entry.html", entry=entry, confirm_form=ConfirmForm(formdata=None),
                           **_context([entry]))


def _prefill(entry) -> dict:
    income = entry.kind == EntryKind.INCOME
    return {"title_id": entry.credit_title_id if income else entry.debit_title_id,
            "sub_account_id": entry.credit_sub_id if income else entry.debit_sub_id,
            "tax_class_key": entry.tax_class_key, "counterparty_id": entry.counterparty_id,
            "department_id": entry.department_id, "memo": entry.memo,
            "tag_ids": list(split_ids(entry.tag_ids))}


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
def edit(entry_id: int):
    db = get_session()
    entry = booking.entry_of(db, g.office_id, entry_id)
    if entry.state == BookingState.SKIPPED:
        flash(_("スキップした明細は編集できません。取り消してから登録してください。"), "error")
        return see_other("books.entries.show", entry_id=entry.id)
    posted = request.method == "POST"
    form = BookingFields() if posted else BookingFields(formdata=None, data=_prefill(entry))
    # The office's active masters, and the entry's own even when switched off since.
    shared.fill_booking_choices(form, shared.load(g.office_id))
    error = None
    if posted and form.validate_on_submit():
        try:
            booking.edit_entry(db, g.office_id, entry.id, Suggestion(**shared.booking_values(form)))
        except BooksError as exc:
            db.rollback()
            error = shared.attach_error(form, exc)
        else:
            flash(_("仕訳 %(code)s を更新しました。", code=entry_code(entry.id)), "success")
            return see_other("books.entries.show", entry_id=entry.id)
    status = 400 if (error or form.errors) else 200
    return render_template("books/entries_edit.html", entry=entry, form=form, error=error,
                           **_context([entry])), status


@bp.post("/<int:entry_id>/resolve")
def resolve(entry_id: int):
    db = get_session()
    entry = booking.entry_of(db, g.office_id, entry_id)
    if not ConfirmForm().validate_on_submit():
        return see_other("books.entries.show", entry_id=entry.id)
    try:
        booking.resolve_flag(db, g.office_id, entry.id)
    except BooksError as exc:
        db.rollback()
        flash(labels.books_error(exc), "error")
    else:
        flash(_("仕訳 %(code)s を銀行の内容で更新しました。", code=entry_code(entry.id)), "success")
    return see_other("books.entries.show", entry_id=entry.id)


@bp.route("/<int:entry_id>/undo", methods=["GET", "POST"])
def undo(entry_id: int):
    db = get_session()
    entry = booking.entry_of(db, g.office_id, entry_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        code = entry_code(entry.id)
        back = booking.undo(db, g.office_id, entry.id)
        flash(_("仕訳 %(code)s を取り消しました。明細%(num)s件が未処理の明細に戻りました。",
                code=code, num=len(back)), "success")
        return see_other("books.entries.index")
    lines = booking.lines_of(db, g.office_id, [entry.id])
    return render_template("books/entries_undo.html", entry=entry, form=form, lines=lines,
                           **_context([entry]))
