"""Error pages the whole app shares."""
from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(_exc):
        message = _("フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてもう一度お試しください。")  # noqa: E501
        return render_template("error.html", message=message), 400

    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template("error.html", message=_("ページが見つかりません。")), 404
