"""仕訳の書き出し: the booked entries of a period as a file an accounting product imports, each
export recorded; the past exports (downloaded again as they went out) and the entries that
changed after going out."""
import time
from datetime import date, timedelta
from urllib.parse import quote

from flask import Blueprint, Response, flash, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ... import labels
from ...bookkeeping.entry import EntryKind
from ...bookkeeping.formats import FORMATS, JournalFormatError, UnencodableError
from ...dates import months_back, today_jst
from ...db import get_session
from ...forms_bookkeeping import ExportForm
from ...models.vocabulary import AuditAction, ExportChange
from ...notice_mail import report_long_task
from ...services import audit
from ...services.accounts import list_accounts
from ...services.books import details, journal_export
from ...services.books.common import BooksError, split_ids
from ..acting import actor
from ..http import see_other

bp = Blueprint("exports", __name__, url_prefix="/exports")
PREVIEW_ROWS = 100
# What each file holds, beside the product's own name for it.
FORMAT_HINTS = {
    "yayoi": _l("弥生会計の「仕訳日記帳」でインポートします(Shift_JIS)。すべての仕訳が入ります。"),
    "freee": _l("収入・支出の取引だけが入ります。口座振替は入りません: "
                "「freee会計（口座振替インポート）」を選んで、別のファイルとして書き出してください。"),
    "freee_transfers": _l("口座振替だけが入ります。収入・支出の取引は"
                          "「freee会計（取引インポート・収入/支出）」で書き出してください。"),
    "mf": _l("マネーフォワード クラウド会計の「仕訳帳」でインポートします(UTF-8)。すべての仕訳が入ります。"),
    "generic": _l("Excel などで開ける、すべての項目を含む仕訳帳です(UTF-8、BOM付き)。"),
}


def _last_month() -> tuple[date, date]:
    """Japan's last month: what is usually handed to the accountant."""
    this_month = months_back(today_jst(), 0)
    return months_back(this_month, 1), this_month - timedelta(days=1)


def _form(accounts, formdata=None) -> ExportForm:
    if formdata is None:
        start, end = _last_month()
        form = ExportForm(formdata=None, data={"date_from": start, "date_to": end,
                                               "accounts": [a.id for a in accounts],
                                               "format_key": next(iter(FORMATS))})
    else:
        form = ExportForm()
    form.accounts.choices = [(a.id, a.name) for a in accounts]
    form.format_key.choices = [(f.key, _(f.label)) for f in FORMATS.values()]
    return form


def _page(form, accounts, status=200, **extra):
    db, office_id = get_session(), g.office_id
    exports = journal_export.list_exports(db, office_id)
    changed = journal_export.changed_after_export(db, office_id)
    names = {a.id: a.name for a in accounts}
    return render_template(
        "books/exports.html", form=form, formats=FORMATS, hints=FORMAT_HINTS, exports=exports,
        changed=changed, exports_by_id={e.id: e for e in exports},
        who=details.user_emails(db, office_id, [e.user_id for e in exports]),
        accounts_text=lambda x: _accounts_text(x, names),
        ExportChange=ExportChange, entry_id_of=_entry_id, **extra), status


def _accounts_text(export, names: dict[int, str]) -> str:
    ids = split_ids(export.account_ids)
    if not ids:
        return _("すべての口座")
    return _("、").join(names.get(i, _("削除された口座")) for i in ids)


def _entry_id(code: str) -> int | None:
    """The entry id in one of our entry codes (TSU-000123), for a link to it."""
    digits = code.removeprefix("TSU-")
    return int(digits) if digits.isascii() and digits.isdigit() else None


def _format_error(exc: JournalFormatError) -> str:
    if isinstance(exc, UnencodableError):
        why = _("「%(char)s」は Shift_JIS で書けない文字です", char=exc.char)
    else:
        why = str(exc).split(": ", 2)[-1]
    return _("仕訳 %(code)s の「%(field)s」をこの形式で書き出せません(%(why)s)。"
             "仕訳を直してから、もう一度書き出してください。何も書き出していません。",
             code=exc.entry_id, field=exc.field, why=why)


def _filename(key: str, start: date, end: date, extension: str) -> str:
    whole_month = start.day == 1 and end == months_back(start, -1) - timedelta(days=1)
    period = f"{start:%Y-%m}" if whole_month else f"{start:%Y%m%d}-{end:%Y%m%d}"
    return f"tsunagu-{key}-{period}.{extension}"


def _download(fmt, entries, start: date, end: date) -> Response:
    name = _filename(fmt.key, start, end, fmt.extension)
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name, safe='')}"
    # The entries are read and checked already: the generator only encodes them.
    return Response(fmt.write(entries), content_type=fmt.media_type,
                    headers={"Content-Disposition": disposition})


def _chosen(form, accounts):
    """Query arguments of the export: every account chosen means all (None), so an entry of an
    account removed since still goes out."""
    chosen = sorted(set(form.accounts.data))
    account_ids = None if chosen == sorted(a.id for a in accounts) else chosen
    return {"period_from": form.date_from.data, "period_to": form.date_to.data,
            "account_ids": account_ids, "only_new": bool(form.only_new.data)}


def _nothing(fmt, form, query) -> str:
    if form.only_new.data:
        text = _("前回の書き出し以降の新しい仕訳はありません。何も書き出していません。")
    else:
        text = _("この期間に書き出す仕訳はありません。何も書き出していません。")
    others = len(journal_export.preview_journal(get_session(), g.office_id, **query)) \
        if fmt.kinds != frozenset(EntryKind) else 0
    if others:
        text += " " + _("この形式に入らない仕訳(収入・支出か口座振替のもう一方)が%(num)s件あります。"
                        "もう一方の形式で書き出してください。", num=others)
    return text


@bp.get("")
def index():
    accounts = list_accounts(get_session(), g.office_id)
    return _page(_form(accounts), accounts)


def _posted(answer):
    """The posted form, checked, and the entries it would write: answer(form, accounts, fmt,
    query, entries) when there are some; else the page again, with the form's errors (400)
    or saying there was nothing (no empty file and no record of one)."""
    db = get_session()
    accounts = list_accounts(db, g.office_id)
    form = _form(accounts, request.form)
    if not form.validate_on_submit():
        return _page(form, accounts, 400)
    fmt, query = FORMATS[form.format_key.data], _chosen(form, accounts)
    entries = journal_export.preview_journal(db, g.office_id, kinds=fmt.kinds, **query)
    if not entries:
        return _page(form, accounts, nothing=_nothing(fmt, form, query))
    return answer(form, accounts, fmt, query, entries)


@bp.post("/preview")
def preview():
    """What the export would write and whether every entry can be written; records nothing."""
    return _posted(_preview)


def _preview(form, accounts, fmt, _query, entries):
    problems = []
    for entry in entries:
        try:
            fmt.check(entry)
        except JournalFormatError as exc:
            problems.append(_format_error(exc))
    return _page(form, accounts, preview=entries[:PREVIEW_ROWS], preview_count=len(entries),
                 problems=problems)


@bp.post("/download")
def download():
    return _posted(_export)


def _journal_exported(fmt, start: date, end: date, entries: int, again: bool = False) -> None:
    audit.record(get_session(), g.office_id, actor(), AuditAction.JOURNAL_EXPORTED,
                 target=f"{fmt.key} {start:%Y-%m-%d}..{end:%Y-%m-%d}",
                 detail=f"entries: {entries}" + (", downloaded again" if again else ""))


def _export(form, accounts, fmt, query, entries):
    started = time.monotonic()
    db = get_session()
    # Added first: export_journal's commit writes it with the export, its rollbacks drop it.
    _journal_exported(fmt, query["period_from"], query["period_to"], len(entries))
    try:
        done = journal_export.export_journal(db, g.office_id, format_key=fmt.key, user_id=current_user.id,
                                             kinds=fmt.kinds, check=fmt.check, **query)
    except JournalFormatError as exc:  # raised before anything was recorded
        db.rollback()
        return _page(form, accounts, 400, error=_format_error(exc))
    except BooksError as exc:
        db.rollback()
        return _page(form, accounts, 400, error=labels.books_error(exc))
    answer = _download(fmt, done.entries, query["period_from"], query["period_to"])
    report_long_task("export", done.export.id, started, g.office_id, {"entries": len(done.entries)})
    return answer


@bp.get("/<int:export_id>/file")
def again(export_id: int):
    """The file of a past export, only when it can be exactly what went out."""
    copy = details.export_copy(get_session(), g.office_id, export_id)
    fmt = FORMATS.get(copy.export.format_key)
    if copy.changed:
        flash(_("この書き出しの後に変わった仕訳があるため、同じ内容では書き出せません: %(codes)s。"
                "新しく書き出してください。", codes=", ".join(c.entry_code for c in copy.changed)), "error")
        return see_other("books.exports.index")
    if fmt is None or not copy.entries:
        flash(_("この書き出しはもう一度書き出せません。"), "error")
        return see_other("books.exports.index")
    try:
        for entry in copy.entries:
            fmt.check(entry)
    except JournalFormatError as exc:
        flash(_format_error(exc), "error")
        return see_other("books.exports.index")
    _journal_exported(fmt, *copy.period, len(copy.entries), again=True)
    get_session().commit()  # nothing else is written by a download again
    return _download(fmt, copy.entries, *copy.period)
