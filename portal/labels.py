"""What people read for each state, code and message: one translated label per member.

Views and templates ask here (registered as template globals in portal.template_globals);
nothing else spells these words."""
from collections.abc import Iterable
from enum import StrEnum

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from .banks import catalog
from .dates import to_jst
from .ledger.csv_import.layouts import SPECS
from .models.vocabulary import (
    AuditAction,
    BookingState,
    BusinessForm,
    ConnectionState,
    Direction,
    ExportChange,
    FlagReason,
    NoticeKind,
    ReviewState,
    Role,
    RuleMatch,
    StatementSource,
    SuggestionSource,
    SyncMethod,
    SyncState,
    SyncTrigger,
    TitleKind,
)

_LABELS: dict[type[StrEnum], dict[str, object]] = {
    SyncMethod: {SyncMethod.API: _l("API連携"), SyncMethod.MANUAL: _l("手動"),
                 SyncMethod.LEGACY: _l("従来の方法")},
    SyncState: {SyncState.NEVER: _l("未同期"), SyncState.QUEUED: _l("同期待ち"),
                SyncState.RUNNING: _l("同期中"), SyncState.NEEDS_SELECTION: _l("口座の選択待ち"),
                SyncState.DONE: _l("同期完了"), SyncState.FAILED: _l("同期失敗")},
    SyncTrigger: {SyncTrigger.USER: _l("手動"), SyncTrigger.SCHEDULE: _l("自動"),
                  SyncTrigger.RETRY: _l("再試行")},
    ConnectionState: {ConnectionState.ACTIVE: _l("連携中"),
                      ConnectionState.REAUTH_REQUIRED: _l("再認証が必要"),
                      ConnectionState.REVOKED: _l("連携解除")},
    StatementSource: {StatementSource.API: _l("API"), StatementSource.CSV: _l("明細ファイル"),
                      StatementSource.LEGACY: _l("従来の方法"), StatementSource.MANUAL: _l("手動")},
    ReviewState: {ReviewState.OPEN: _l("未確認"), ReviewState.LINKED: _l("既存の明細と紐付け"),
                  ReviewState.ADDED: _l("新しい明細として追加"), ReviewState.IGNORED: _l("無視")},
    BusinessForm: {BusinessForm.CORPORATION: _l("法人"), BusinessForm.SOLE_PROPRIETOR: _l("個人事業主")},
    TitleKind: {TitleKind.ASSET: _l("資産"), TitleKind.LIABILITY: _l("負債"), TitleKind.EQUITY: _l("純資産"),
                TitleKind.INCOME: _l("収益"), TitleKind.EXPENSE: _l("費用")},
    BookingState: {BookingState.BOOKED: _l("登録済み"), BookingState.SKIPPED: _l("スキップ"),
                   BookingState.FLAGGED: _l("要確認")},
    FlagReason: {FlagReason.CHANGED: _l("登録後に銀行の明細が変わりました"),
                 FlagReason.REMOVED: _l("登録後に明細が削除されました")},
    RuleMatch: {RuleMatch.CONTAINS: _l("を含む"), RuleMatch.EQUALS: _l("と一致する"),
                RuleMatch.STARTS_WITH: _l("で始まる"), RuleMatch.REGEX: _l("正規表現")},
    Direction: {Direction.IN: _l("入金"), Direction.OUT: _l("出金")},
    SuggestionSource: {SuggestionSource.RULE: _l("自動登録ルール"),
                       SuggestionSource.LEARNED: _l("過去の登録から推測"),
                       SuggestionSource.TRANSFER: _l("口座振替")},
    ExportChange: {ExportChange.EDITED: _l("出力後に編集されました"),
                   ExportChange.FLAGGED: _l("出力後に要確認になりました"),
                   ExportChange.UNDONE: _l("出力後に取り消されました")},
    Role: {Role.OWNER: _l("オーナー"), Role.ADMIN: _l("管理者"), Role.BOOKKEEPER: _l("記帳担当"),
           Role.VIEWER: _l("閲覧のみ")},
    # Sentences of the audit log; some are the flashes of the same actions (one msgid each).
    AuditAction: {
        AuditAction.ACCOUNT_LINKED: _l("口座を登録しました"),
        AuditAction.ACCOUNT_REMOVED: _l("口座を削除しました"),
        AuditAction.CONSENT_GRANTED: _l("銀行で認証しました"),
        AuditAction.CONSENT_ENDED: _l("連携を解除しました"),
        AuditAction.MEMBER_INVITED: _l("メンバーを招待しました"),
        AuditAction.INVITATION_REVOKED: _l("招待を取り消しました"),
        AuditAction.MEMBER_JOINED: _l("メンバーが参加しました"),
        AuditAction.MEMBER_REMOVED: _l("メンバーから外しました"),
        AuditAction.ROLE_CHANGED: _l("権限を変更しました"),
        AuditAction.OFFICE_SWITCHED: _l("事業所を切り替えました"),
        AuditAction.STATEMENTS_EXPORTED: _l("明細を書き出しました"),
        AuditAction.JOURNAL_EXPORTED: _l("仕訳を書き出しました"),
        AuditAction.TWO_FACTOR_POLICY: _l("2段階認証の必須設定を変更しました"),
        AuditAction.API_TOKEN_CREATED: _l("APIトークンを作成しました"),
        AuditAction.API_TOKEN_REVOKED: _l("APIトークンを無効にしました")},
    NoticeKind: {NoticeKind.CONSENT_EXPIRING: _l("銀行の認証の有効期限が近づいたとき"),
                 NoticeKind.CONSENT_ENDED: _l("銀行の認証が切れたとき・解除されたとき"),
                 NoticeKind.SYNC_FAILING: _l("同期が3回続けて失敗したとき"),
                 NoticeKind.LONG_TASK_DONE: _l("時間のかかった取り込み・書き出しが終わったとき"),
                 NoticeKind.WEBHOOK_DISABLED: _l("Webhookが自動で無効になったとき")},
}

# What each role may do, in the words of the members page (one line per role).
ROLE_SUMMARIES = {
    Role.OWNER: _l("すべての操作。メンバーの管理、事業所の設定を含みます。"),
    Role.ADMIN: _l("口座の連携・銀行の認証・設定、メンバーの招待。記帳担当のできることすべて。"),
    Role.BOOKKEEPER: _l("明細の入力・取り込み・同期、記帳と書き出し。銀行の認証はできません。"),
    Role.VIEWER: _l("閲覧のみ。変更はできません。"),
}


def role_summary(role: Role) -> str:
    return str(ROLE_SUMMARIES[role])


def label(member: StrEnum) -> str:
    """The label of one enum member. Members of different enums may share a value ("api" is a
    sync method and a statement source), so the enum's type picks the table."""
    return str(_LABELS[type(member)][member])


# Typed sync errors (portal.banks.errors codes and the queue's own) and the action offered.
SYNC_ERRORS = {
    "reauth_required": _l("銀行での認証が切れています。再認証してください。"),
    "bank_unavailable": _l("銀行のサービス時間外またはメンテナンス中です。自動で再試行します。"),
    "rate_limited": _l("銀行の利用回数の上限に達しました。自動で再試行します。"),
    "bank_error": _l("銀行でエラーが発生しました。時間をおいて再度同期してください。"),
    "bad_response": _l("銀行から想定外の応答がありました。時間をおいて再度同期してください。"),
    "bank_unreachable": _l("銀行に接続できませんでした。時間をおいて再度同期してください。"),
    "permission_denied": _l("この口座の明細を取得する権限が許可されていません。再認証して「残高照会」と「入出金明細照会」を許可してください。"),  # noqa: E501
    "needs_selection": _l("口座を選択してください"),
    "outside_hours": _l("銀行のサービス時間外です。"),
    "maintenance": _l("銀行がメンテナンス中です。"),
    "daily_limit": _l("本日の銀行APIの利用回数の上限に達しました。明日、自動で同期します。"),
    "not_linked": _l("この口座は銀行と連携していません。"),
    "internal_error": _l("同期中に予期しないエラーが発生しました。"),
    "interrupted": _l("同期の処理が何度も中断されたため停止しました。もう一度同期してください。"),
}


def sync_error(code: str | None) -> str:
    return str(SYNC_ERRORS.get(code or "", SYNC_ERRORS["internal_error"]))


REAUTH_REASONS = {
    "consent_expired": _l("認証の有効期限が切れました"),
    "invalid_grant": _l("アクセス許可が失効しました(銀行でのパスワード変更や認可の取り消しなど)"),
    "token_rejected": _l("銀行がアクセスを受け付けませんでした(認可の取り消しなど)"),
    "no_refresh_token": _l("認証の更新ができません"),
    "invalid_client": _l("銀行との接続設定が無効です。管理者に連絡してください"),
    "unauthorized_client": _l("銀行との接続設定が無効です。管理者に連絡してください"),
    "disconnected": _l("連携を解除しました"),
}


def reauth_reason(code: str | None) -> str:
    return str(REAUTH_REASONS.get(code or "", REAUTH_REASONS["token_rejected"]))


def outside_hours(next_open, reason: str | None = None) -> str:
    """Why a sync waits for the bank, and until when: its maintenance or its closing hours."""
    hhmm = to_jst(next_open).strftime("%H:%M")
    if reason == "maintenance":
        return gettext("銀行がメンテナンス中です。%(hhmm)s以降に自動で同期します", hhmm=hhmm)
    return gettext("銀行のサービス時間外です。%(hhmm)s以降に自動で同期します", hhmm=hhmm)


KIND_WORDS = {"個人": _l("個人"), "法人": _l("法人")}  # the kinds banks configure, as people read them


def kind_choice(choice, bank_name: str) -> str:
    """「みずほ銀行(法人)API」 in Japanese; "みずほ銀行 (Corporate, API)" in English."""
    kind = str(KIND_WORDS.get(choice.kind_label, choice.kind_label))
    if choice.api_suffix:
        return gettext("%(bank)s(%(kind)s)API", bank=bank_name, kind=kind)
    return gettext("%(bank)s(%(kind)s)", bank=bank_name, kind=kind)


def former_bank_name(code: str) -> str | None:
    """「旧 住信SBIネット銀行」 for a bank the catalog knows was renamed, else None."""
    entry = catalog.get(code)
    if entry is None or entry.former_name is None:
        return None
    return gettext("旧 %(name)s", name=entry.former_name)


# Statement files: the encodings we read and write, by Python codec name.
ENCODINGS = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp932": "Shift_JIS"}


def encoding(codec: str) -> str:
    return ENCODINGS.get(codec, codec)


def message(msg) -> str:
    """A message of the ledger modules (msgid and params: RowError, SkippedRow,
    CsvFormatError, Message) in the user's language."""
    return gettext(msg.msgid, **msg.params)  # msgids held in variables, marked with N_ where written


def messages(msgs: Iterable, separator: str) -> str:
    return separator.join(message(m) for m in msgs)


def cutover_reason(parts) -> str:
    """Why a candidate was offered (金額一致・日付差1日・…) in the user's language."""
    return messages(parts, gettext("・"))


def layout_labels() -> list[str]:
    """The layouts recognised automatically, for the upload page."""
    return [gettext(s.label_ja) for s in SPECS]


def layout(name: str) -> str:
    labels = {s.name: gettext(s.label_ja) for s in SPECS}
    labels.update(zengin=gettext("全銀協形式"), zengin_csv=gettext("全銀協形式(CSV)"),
                  custom=gettext("列の対応付け"))
    return labels.get(name, name)


MAPPING_ERRORS = {
    "no_date": _l("取引日の列を選んでください。"),
    "no_description": _l("摘要の列を選んでください。"),
    "amount_style": _l("金額は「入金」「出金」の列か、「入出金(出金はマイナス)」の列のどちらか一方で選んでください。"),  # noqa: E501
    "duplicate_role": _l("同じ項目が複数の列に選ばれています。"),
}


def mapping_error(code: str) -> str:
    return str(MAPPING_ERRORS.get(code, MAPPING_ERRORS["duplicate_role"]))


def undo_refused(exc) -> str:
    """Why an import cannot be undone (services.imports.UndoRefused)."""
    if exc.code == "linked":
        return ngettext("この取り込みの明細のうち%(num)d件は、API連携の明細と紐付いているため取り消せません。",  # noqa: E501
                        "この取り込みの明細のうち%(num)d件は、API連携の明細と紐付いているため取り消せません。",  # noqa: E501
                        exc.count)
    if exc.code == "empty":
        return gettext("この取り込みで追加した明細は残っていません。取り消すものはありません。")
    return gettext("この取り込みはすでに取り消しました。")


def books_error(exc) -> str:
    """Why a bookkeeping action was refused (services.books BooksError, bookkeeping.rules
    RuleError), in the user's language; a regular expression's own error is added as is."""
    text = gettext(exc.msgid)
    if getattr(exc, "code", "") == "bad_regex" and exc.detail:
        return gettext("%(message)s (%(detail)s)", message=text, detail=exc.detail)
    return text
