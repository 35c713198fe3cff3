"""What each typed sync error means to the user, and the action offered."""
from flask_babel import lazy_gettext as _l

ERRORS = {
    "reauth_required": _l("銀行での認証が切れています。再認証してください。"),
    "bank_unavailable": _l("銀行のサービス時間外またはメンテナンス中です。自動で再試行します。"),
    "rate_limited": _l("銀行の利用回数の上限に達しました。自動で再試行します。"),
    "bank_error": _l("銀行でエラーが発生しました。時間をおいて再度同期してください。"),
    "bad_response": _l("銀行から想定外の応答がありました。時間をおいて再度同期してください。"),
    "bank_unreachable": _l("銀行に接続できませんでした。時間をおいて再度同期してください。"),
    "permission_denied": _l("この口座の明細を取得する権限が許可されていません。再認証して「残高照会」と「入出金明細照会」を許可してください。"),  # noqa: E501
    "needs_selection": _l("口座を選択してください"),
    "outside_hours": _l("銀行のサービス時間外です。"),
    "daily_limit": _l("本日の銀行APIの利用回数の上限に達しました。明日、自動で同期します。"),
    "not_linked": _l("この口座は銀行と連携していません。"),
    "internal_error": _l("同期中に予期しないエラーが発生しました。"),
}

STATES = {
    "never": _l("未同期"),
    "queued": _l("同期待ち"),
    "running": _l("同期中"),
    "needs_selection": _l("口座の選択待ち"),
    "done": _l("同期完了"),
    "failed": _l("同期失敗"),
}

TRIGGERS = {"user": _l("手動"), "schedule": _l("自動"), "retry": _l("再試行")}


def error_text(code: str | None) -> str:
    return str(ERRORS.get(code or "", ERRORS["internal_error"]))

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


def outside_hours(next_open) -> str:
    from flask_babel import gettext

    from .i18n import to_jst

    return gettext("銀行のサービス時間外です。%(hhmm)s以降に自動で同期します",
                   hhmm=to_jst(next_open).strftime("%H:%M"))
