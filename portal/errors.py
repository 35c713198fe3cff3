"""Error pages the whole app shares, and the one limit every request body meets."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def init_app(app) -> None:
    @app.before_request
    def _refuse_large_bodies():
        # The declared length decides, before anything reads the body: also on routes that
        # never read one (a POST to / answers 413, not 405). A body sent without a length is
        # cut off at the same limit by Werkzeug while the form is read.
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)

    @app.errorhandler(413)
    def _too_large(_exc):
        mb = (request.max_content_length or 0) // (1024 * 1024)
        message = _("送信されたデータが大きすぎます(上限 %(mb)s MB)。", mb=mb)
        return render_template("error.html", message=message), 413

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc):
        message = _("フォームの有効期限が切れたか、不正な送信です。ページを再読み込みしてもう一度お試しください。")  # noqa: E501
        return render_template("error.html", message=message), 400

    @app.errorhandler(404)
    def _not_found(_exc):
        return render_template("error.html", message=_("ページが見つかりません。")), 404
