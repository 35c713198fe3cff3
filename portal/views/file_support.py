"""Helpers of the statement-file pages: which mapping reads an upload, labels and messages
in the user's language, the CSV download."""
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from flask_babel import gettext as translate  # msgids held in variables (marked with N_ where written)
from sqlalchemy import Engine
from sqlmodel import Session, select

from ..ledger.csv_export import ExportRow, export_csv
from ..ledger.csv_import import ColumnMapping, CsvFormatError
from ..ledger.csv_import.layouts import SPECS
from ..models import Statement
from ..services import csv_mapping, upload_store
from ..services.sync_run import today_jst

EXPORT_ENCODINGS = {"utf-8-sig": "utf-8", "cp932": "Shift_JIS"}
EXPORT_BATCH = 1000
UNSAFE_NAME = str.maketrans(dict.fromkeys('/\\:*?"<>|\r\n\t', "_"))


def with_mapping(account, raw: bytes, folder, owner, token: str, fn):
    """fn(mapping) with the mapping chosen for this upload, else a known layout (None),
    else the account's remembered mapping when the file has the header it was chosen for."""
    chosen = upload_store.load_mapping(folder, owner, token)
    if chosen:
        try:
            return fn(ColumnMapping.from_dict(chosen))
        except ValueError:
            pass
    try:
        return fn(None)
    except CsvFormatError as exc:
        remembered = csv_mapping.for_file(account, raw) if exc.code == "unknown_layout" else None
        if remembered is None:
            raise
        return fn(remembered)


def message_text(message) -> str:
    """A message of the statement modules (msgid and params: RowError, SkippedRow,
    CsvFormatError, Message) in the user's language; the Japanese page reads as before."""
    return translate(message.msgid, **message.params)


def messages_text(messages: Iterable, separator: str) -> str:
    return separator.join(message_text(m) for m in messages)


def layout_labels() -> list[str]:
    """The layouts recognised automatically, for the upload page."""
    return [translate(s.label_ja) for s in SPECS]


def layout_label(name: str) -> str:
    labels = {s.name: translate(s.label_ja) for s in SPECS}
    labels.update(zengin=_("全銀協形式"), zengin_csv=_("全銀協形式(CSV)"), custom=_("列の対応付け"))
    return labels.get(name, name)


def mapping_error(code: str) -> str:
    if code == "no_date":
        return _("取引日の列を選んでください。")
    if code == "no_description":
        return _("摘要の列を選んでください。")
    if code == "amount_style":
        return _("金額は「入金」「出金」の列か、「入出金(出金はマイナス)」の列の"
                 "どちらか一方で選んでください。")
    return _("同じ項目が複数の列に選ばれています。")


def _rows(engine: Engine, account_id: int):
    """Oldest first in ledger order, in keyset batches, on a session of its own: the body
    is produced after the request (and its session) has ended."""
    with Session(engine) as s:
        after = None
        while True:
            q = select(Statement).where(Statement.account_id == account_id)
            if after:
                q = q.where((Statement.transaction_date > after[0]) | (
                    (Statement.transaction_date == after[0]) & (Statement.id > after[1])))
            batch = list(s.exec(q.order_by(Statement.transaction_date, Statement.id).limit(EXPORT_BATCH)))
            for st in batch:
                yield ExportRow(st.transaction_date, st.value_date, st.amount, st.description,
                                st.balance_after)
            if len(batch) < EXPORT_BATCH:
                return
            after = (batch[-1].transaction_date, batch[-1].id)


def export_response(engine: Engine, account, encoding: str) -> Response:
    name = f"{account.name.translate(UNSAFE_NAME)}_{today_jst():%Y%m%d}.csv"
    disposition = (f'attachment; filename="statements-{account.id}.csv"; '
                   f"filename*=UTF-8''{quote(name, safe='')}")
    return Response(export_csv(_rows(engine, account.id), encoding),
                    headers={"Content-Disposition": disposition},
                    content_type=f"text/csv; charset={EXPORT_ENCODINGS[encoding]}")
