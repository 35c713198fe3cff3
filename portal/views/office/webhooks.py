"""Webhooks: the office's endpoints (URL, events, state), a new one with its signing secret
shown once, an endpoint's delivery log with redelivery, switching it off and on, removing it
after a confirmation page."""
from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...dates import utcnow
from ...db import get_session
from ...forms import ConfirmForm
from ...forms_webhooks import DeliveryPageForm, EndpointForm
from ...services import webhooks
from ...services.webhooks import WebhookError
from ...webhook_delivery import resolver_of
from ..acting import actor
from ..http import see_other

bp = Blueprint("webhooks", __name__)
PAGE = 50


def _error_text(code: str) -> str:
    return {
        "bad_url": _("URLの形式が正しくありません。http(s)://で始まるURLを入力してください。"),
        "https_required": _("送信先はhttps://で始まるURLにしてください。"),
        "private_target": _("このURLはローカル・プライベートなアドレスを指しているため、送信先にできません。"),  # noqa: E501
        "no_events": _("イベントを1つ以上選んでください。"),
        "bad_event": _("選べないイベントが含まれています。"),
        "disabled": _("無効になっている送信先には再送できません。先に有効にしてください。"),
        "in_progress": _("この配信はいま送信中です。少し待ってから画面を読み込み直してください。"),
    }.get(code, _("対象が見つかりません。ページを読み込み直してください。"))


def _page(form: EndpointForm, status: int = 200, *, secret: str | None = None, created=None):
    body = render_template("office/webhooks.html", form=form,
                           endpoints=webhooks.listing(get_session(), current_user.office_id),
                           secret=secret, created=created)
    return body, status, ({"Cache-Control": "no-store"} if secret else {})


def _endpoint(endpoint_id: int):
    try:
        return webhooks.get(get_session(), current_user.office_id, endpoint_id)
    except WebhookError:
        abort(404)


@bp.get("/webhooks")
def index():
    return _page(EndpointForm(formdata=None))


@bp.post("/webhooks")
def create():
    form = EndpointForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    app = current_app._get_current_object()
    try:
        endpoint, secret = webhooks.create(
            get_session(), app.extensions["token_cipher"], current_user.office_id,
            url=form.url.data, description=form.description.data or "", events=form.events.data,
            actor=actor(),
            allow_private=bool(app.config["WEBHOOK_ALLOW_PRIVATE"]),
            resolver=resolver_of(app))
    except WebhookError as exc:
        get_session().rollback()
        target = form.events if exc.code in ("no_events", "bad_event") else form.url
        target.errors = [*target.errors, _error_text(exc.code)]
        return _page(form, 400)
    return _page(EndpointForm(formdata=None), secret=secret, created=endpoint)


@bp.get("/webhooks/<int:endpoint_id>")
def show(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    page = DeliveryPageForm(request.args)
    page.validate()
    before = page.value("before")
    rows = webhooks.log(get_session(), current_user.office_id, endpoint.id, before_id=before,
                        limit=PAGE + 1)
    deliveries, more = rows[:PAGE], len(rows) > PAGE
    return render_template("office/webhook.html", endpoint=endpoint, deliveries=deliveries,
                           form=ConfirmForm(), paged=before is not None,
                           next_before=deliveries[-1].id if more else None)


@bp.post("/webhooks/<int:endpoint_id>/enable")
def enable(endpoint_id: int):
    return _switch(endpoint_id, True)


@bp.post("/webhooks/<int:endpoint_id>/disable")
def disable(endpoint_id: int):
    return _switch(endpoint_id, False)


def _switch(endpoint_id: int, on: bool):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        webhooks.set_enabled(get_session(), current_user.office_id, endpoint_id, on)
    except WebhookError:
        abort(404)
    flash(_("送信先を有効にしました。") if on else _("送信先を無効にしました。"), "success")
    return see_other("office.webhooks.show", endpoint_id=endpoint_id)


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(endpoint_id: int, delivery_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    endpoint = _endpoint(endpoint_id)
    try:
        webhooks.redeliver(get_session(), current_user.office_id, endpoint.id, delivery_id, utcnow())
    except WebhookError as exc:
        if exc.code == "not_found":
            abort(404)
        flash(_error_text(exc.code), "error")
    else:
        flash(_("再送を予約しました。まもなく送信されます。"), "success")
    return see_other("office.webhooks.show", endpoint_id=endpoint.id)


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["GET", "POST"])
def delete(endpoint_id: int):
    endpoint = _endpoint(endpoint_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        webhooks.remove(get_session(), current_user.office_id, endpoint.id,
                        actor())
        flash(_("送信先 %(url)s を削除しました。", url=endpoint.url), "success")
        return see_other("office.webhooks.index")
    return render_template("office/webhook_delete.html", endpoint=endpoint, form=form)
