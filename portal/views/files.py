"""Statement files: import (upload → column mapping when needed → preview → confirm) and export."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_engine, get_session
from ..forms_files import ConfirmImportForm, UploadForm, mapping_form
from ..ledger.csv_import import DEFAULT_MAX_BYTES, CsvFormatError
from ..services import accounts as accounts_svc
from ..services import csv_ingest, csv_mapping, upload_store
from ..web_helpers import or_404, see_other
from . import file_support

bp = Blueprint("files", __name__, url_prefix="/accounts/<int:account_id>")
MAX_UPLOAD_BYTES = DEFAULT_MAX_BYTES  # 5 MB
PREVIEW_ROWS = 20
# Row errors, skipped rows and the like from portal.ledger, in the user's language.
bp.add_app_template_global(file_support.message_text, "statement_message")


@bp.url_value_preprocessor
def _limit_upload(endpoint, _values):
    # Runs before the app's before_request (where the CSRF check reads the body), so a
    # file over the limit is refused while it is read, not after it is stored.
    if endpoint == "files.upload":
        request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024


def _too_large() -> str:
    return _("ファイルが大きすぎます(上限 %(mb)s MB)。期間を分けて取り込んでください。",
             mb=MAX_UPLOAD_BYTES // (1024 * 1024))


@bp.errorhandler(413)
def _upload_too_large(_exc):
    if not current_user.is_authenticated:
        return _too_large(), 413
    account = _account(request.view_args["account_id"])
    return _upload_page(account, UploadForm(formdata=None), _too_large(), 413)


def _account(account_id: int):
    return or_404(accounts_svc.get_account(get_session(), current_user.office_id, account_id))


def _owner(account) -> upload_store.Owner:
    return upload_store.Owner(current_user.office_id, current_user.id, account.id)


def _folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _upload_page(account, form, error=None, status=200):
    return render_template("files/import.html", account=account, form=form, error=error,
                           layouts=file_support.layout_labels(), refused=_refused(account),
                           bank_name=accounts_svc.bank_name(account.bank_code)), status


def _refused(account) -> bool:
    try:
        csv_ingest.check_importable(account)
    except csv_ingest.ImportRefused:
        return True
    return False


@bp.route("/import", methods=["GET", "POST"])
@login_required
def upload(account_id: int):
    account = _account(account_id)
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
    token = upload_store.save(_folder(), _owner(account), data)
    return see_other("files.preview", account_id=account.id, upload=token)


def _load(account, token):
    raw = upload_store.load(_folder(), _owner(account), token)
    if raw is None:
        flash(_("アップロードしたファイルの有効期限(1時間)が切れました。もう一度選んでください。"), "error")
    return raw


def _unreadable(account, token, exc: CsvFormatError):
    if exc.code == "unknown_layout":
        return see_other("files.mapping", account_id=account.id, upload=token)
    upload_store.delete(_folder(), _owner(account), token)
    flash(file_support.message_text(exc), "error")
    return see_other("files.upload", account_id=account.id)


@bp.get("/import/<upload>")
@login_required
def preview(account_id: int, upload: str):
    account = _account(account_id)
    raw = _load(account, upload)
    if raw is None or _refused(account):
        return see_other("files.upload", account_id=account.id)
    try:
        p = file_support.with_mapping(account, raw, _folder(), _owner(account), upload,
                                      lambda m: csv_ingest.preview(get_session(), account, raw, m))
    except CsvFormatError as exc:
        return _unreadable(account, upload, exc)
    return render_template("files/preview.html", account=account, p=p, upload=upload,
                           layout_label=file_support.layout_label(p.result.layout_name),
                           rows=p.result.rows[:PREVIEW_ROWS], form=ConfirmImportForm(),
                           bank_name=accounts_svc.bank_name(account.bank_code))


@bp.post("/import/<upload>")
@login_required
def confirm(account_id: int, upload: str):
    account = _account(account_id)
    form = ConfirmImportForm()
    raw = _load(account, upload)
    if raw is None or _refused(account) or not form.validate_on_submit():
        return see_other("files.upload", account_id=account.id)
    registry = current_app.extensions["bank_registry"]
    try:
        out = file_support.with_mapping(
            account, raw, _folder(), _owner(account), upload, lambda m: csv_ingest.commit_import(
                get_session(), account, raw, m, registry=registry, gap_complete=form.gap_complete.data))
    except CsvFormatError as exc:
        return _unreadable(account, upload, exc)
    upload_store.delete(_folder(), _owner(account), upload)
    flash(_("%(added)s件の明細を取り込みました(取り込み済み%(held)s件、読み取れない行%(bad)s件)。",
            added=out.added, held=out.held, bad=out.errors), "success")
    if out.gap_cleared:
        flash(_("不足していた期間の明細がそろいました。"), "success")
    if out.became_legacy:
        flash(_("API連携方式に切り替えられます。"), "success")
    return see_other("statements.index", account_id=account.id)


@bp.route("/import/<upload>/mapping", methods=["GET", "POST"])
@login_required
def mapping(account_id: int, upload: str):
    account = _account(account_id)
    raw = _load(account, upload)
    if raw is None:
        return see_other("files.upload", account_id=account.id)
    posted = request.method == "POST"
    line = (request.form if posted else request.args).get("header_line", "")
    header_row = min(int(line), 40) - 1 if line.isdigit() else None  # GET ?header_line= re-proposes
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
            error = file_support.mapping_error(exc.code)
        else:
            upload_store.save_mapping(_folder(), _owner(account), upload, chosen.to_dict())
            return see_other("files.preview", account_id=account.id, upload=upload)
    status = 400 if (error or form.errors) else 200
    return render_template("files/mapping.html", account=account, form=form, proposal=proposal,
                           upload=upload, error=error,
                           bank_name=accounts_svc.bank_name(account.bank_code)), status


@bp.get("/export")
@login_required
def export(account_id: int):
    account = _account(account_id)
    encoding = request.args.get("encoding", "utf-8-sig")
    if encoding not in file_support.EXPORT_ENCODINGS:
        abort(400)
    return file_support.export_response(get_engine(), account, encoding)
