"""Statement files: import (upload → column mapping when needed → preview → confirm) and export."""
import time
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...dates import today_jst
from ...db import get_engine, get_session
from ...forms import ConfirmForm
from ...forms_files import ConfirmImportForm, ExportForm, HeaderLineForm, UploadForm, mapping_form
from ...ledger.csv_export import export_fields
from ...ledger.csv_import import DEFAULT_MAX_BYTES, CsvFormatError
from ...models.vocabulary import AuditAction
from ...notice_mail import report_long_task
from ...services import audit, csv_ingest, csv_mapping, upload_store
from ...services.statements import ledger_in_order
from ..acting import actor
from ..http import see_other
from . import current_account

bp = Blueprint("files", __name__)
MAX_UPLOAD_BYTES = DEFAULT_MAX_BYTES  # 5 MB
EXPORT_CHARSETS = {"utf-8-sig": "utf-8", "cp932": "Shift_JIS"}  # codec → HTTP charset
UNSAFE_NAME = str.maketrans(dict.fromkeys('/\\:*?"<>|\r\n\t', "_"))


@bp.url_value_preprocessor
def _limit_upload(endpoint, _values):
    # Runs before the app's before_request (where the CSRF check reads the body), so a
    # file over the limit is refused while it is read, not after it is stored.
    if endpoint == "account.files.upload":
        request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024


def _too_large() -> str:
    return _("ファイルが大きすぎます(上限 %(mb)s MB)。期間を分けて取り込んでください。",
             mb=MAX_UPLOAD_BYTES // (1024 * 1024))


@bp.errorhandler(413)
def _upload_too_large(_exc):
    if not current_user.is_authenticated:
        return _too_large(), 413
    return _upload_page(current_account(), UploadForm(formdata=None), _too_large(), 413)


def _owner(account) -> upload_store.Owner:
    return upload_store.Owner(account.office_id, current_user.id, account.id)


def _folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _quota() -> upload_store.Quota:
    return upload_store.Quota(current_app.config["UPLOAD_PENDING_FILES"],
                              current_app.config["UPLOAD_PENDING_BYTES"])


def _over_quota() -> str:
    quota = _quota()
    return _("取り込みを待っているファイルが多すぎます(事業所全体で%(files)s件・%(mb)s MB まで)。"
             "読み込んだファイルを取り込むか削除してから、もう一度お試しください。"
             "取り込まれなかったファイルは1時間後に自動で削除されます。",
             files=quota.files, mb=quota.bytes // (1024 * 1024))


def _upload_page(account, form, error=None, status=200):
    return render_template("files/import.html", account=account, form=form, error=error,
                           layouts=labels.layout_labels(), refused=_refused(account),
                           pending=upload_store.pending(_folder(), _owner(account)),
                           cancel_form=ConfirmForm(formdata=None)), status


def _refused(account) -> bool:
    try:
        csv_ingest.check_importable(account)
    except csv_ingest.ImportRefused:
        return True
    return False


@bp.route("/import", methods=["GET", "POST"])
def upload():
    account = current_account()
    form = UploadForm()
    if _refused(account):
        return _upload_page(account, form, status=400 if request.method == "POST" else 200)
    if not form.validate_on_submit():
        return _upload_page(account, form, status=400 if form.errors else 200)
    data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _upload_page(account, form, _too_large(), 413)
    if not data.strip():
        return _upload_page(account, form, _("ファイルが空です。"), 400)
    try:
        token = upload_store.save(_folder(), _owner(account), data, name=form.file.data.filename or "",
                                  quota=_quota())
    except upload_store.QuotaExceeded:
        return _upload_page(account, form, _over_quota(), 429)
    return see_other("account.files.preview", account_id=account.id, upload=token)


def _load(account, token):
    raw = upload_store.load(_folder(), _owner(account), token)
    if raw is None:
        flash(_("アップロードしたファイルの有効期限(1時間)が切れました。もう一度選んでください。"), "error")
    return raw


def _unreadable(account, token, exc: CsvFormatError):
    if exc.code == "unknown_layout":
        return see_other("account.files.mapping", account_id=account.id, upload=token)
    upload_store.delete(_folder(), _owner(account), token)
    flash(labels.message(exc), "error")
    return see_other("account.files.upload", account_id=account.id)


def _with_mapping(account, raw, token, fn):
    chosen = upload_store.load_mapping(_folder(), _owner(account), token)
    return csv_mapping.with_mapping(account, raw, chosen, fn)


@bp.get("/import/<upload>")
def preview(upload: str):
    account = current_account()
    raw = _load(account, upload)
    if raw is None or _refused(account):
        return see_other("account.files.upload", account_id=account.id)
    try:
        p = _with_mapping(account, raw, upload, lambda m: csv_ingest.preview(get_session(), account, raw, m))
    except CsvFormatError as exc:
        return _unreadable(account, upload, exc)
    return render_template("files/preview.html", p=p, upload=upload,
                           layout_label=labels.layout(p.file.layout_name),
                           form=ConfirmImportForm(), cancel_form=ConfirmForm(formdata=None))


@bp.post("/import/<upload>/cancel")
def cancel(upload: str):
    """Abandon an upload: its file goes now, not an hour later."""
    account = current_account()
    if ConfirmForm().validate_on_submit() \
            and upload_store.delete(_folder(), _owner(account), upload):
        flash(_("読み込んだファイルを削除しました。"), "success")
    return see_other("account.files.upload", account_id=account.id)


@bp.post("/import/<upload>")
def confirm(upload: str):
    account = current_account()
    form = ConfirmImportForm()
    raw = _load(account, upload)
    if raw is None or _refused(account) or not form.validate_on_submit():
        return see_other("account.files.upload", account_id=account.id)
    registry = current_app.extensions["bank_registry"]
    started = time.monotonic()
    try:
        name = upload_store.load_name(_folder(), _owner(account), upload)
        out = _with_mapping(account, raw, upload, lambda m: csv_ingest.commit_import(
            get_session(), account, raw, m, registry=registry, gap_complete=form.gap_complete.data,
            file_name=name))
    except CsvFormatError as exc:
        return _unreadable(account, upload, exc)
    upload_store.delete(_folder(), _owner(account), upload)
    report_long_task("import", upload, started, account.office_id,
                     {"added": out.added, "held": out.held, "errors": out.errors})
    flash(_("%(added)s件の明細を取り込みました(取り込み済み%(held)s件、読み取れない行%(bad)s件)。",
            added=out.added, held=out.held, bad=out.errors), "success")
    if out.gap_cleared:
        flash(_("不足していた期間の明細がそろいました。"), "success")
    if out.became_legacy:
        flash(_("API連携方式に切り替えられます。"), "success")
    return see_other("account.statements.index", account_id=account.id)


@bp.route("/import/<upload>/mapping", methods=["GET", "POST"])
def mapping(upload: str):
    account = current_account()
    raw = _load(account, upload)
    if raw is None:
        return see_other("account.files.upload", account_id=account.id)
    posted = request.method == "POST"
    asked = HeaderLineForm(request.form if posted else request.args)
    asked.validate()
    header_row = asked.header_row()
    try:
        proposal = csv_mapping.propose(account, raw, header_row)
    except CsvFormatError as exc:
        return _unreadable(account, upload, exc)
    prefill = {f"col_{i}": role for i, role in proposal.roles.items()}
    prefill["header_line"] = proposal.header_row + 1
    if posted:
        form = mapping_form(len(proposal.columns))
    else:
        form = mapping_form(len(proposal.columns), formdata=None, data=prefill)
    error = None
    if posted and form.validate_on_submit():
        try:
            chosen = csv_mapping.from_roles(form.roles(), form.header_line.data - 1)
        except csv_mapping.MappingError as exc:
            error = labels.mapping_error(exc.code)
        else:
            upload_store.save_mapping(_folder(), _owner(account), upload, chosen.to_dict())
            return see_other("account.files.preview", account_id=account.id, upload=upload)
    status = 400 if (error or form.errors) else 200
    return render_template("files/mapping.html", form=form, proposal=proposal, upload=upload,
                           error=error), status


@bp.get("/export")
def export():
    account = current_account()
    form = ExportForm(request.args)
    if not form.validate():
        abort(400)
    encoding = form.encoding.data
    # Committed before the file streams: the whole ledger, its row count as the account keeps it.
    audit.record(get_session(), account.office_id, actor(), AuditAction.STATEMENTS_EXPORTED,
                 target=account.name,
                 detail=f"all statements, rows: {account.statement_count}, {EXPORT_CHARSETS[encoding]}")
    get_session().commit()
    rows = ledger_in_order(get_engine(), account.id)  # rows with ExportRow's fields, streamed
    name = f"{account.name.translate(UNSAFE_NAME)}_{today_jst():%Y%m%d}.csv"
    disposition = (f'attachment; filename="statements-{account.id}.csv"; '
                   f"filename*=UTF-8''{quote(name, safe='')}")
    return Response(export_fields(rows, encoding), headers={"Content-Disposition": disposition},
                    content_type=f"text/csv; charset={EXPORT_CHARSETS[encoding]}")
