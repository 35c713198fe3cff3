"""監査ログ: who did what in the current office, newest first, 50 a page, the next page by
keyset (?before=<the last id shown>)."""
from flask import Blueprint, render_template, request
from flask_login import current_user

from ...db import get_session
from ...forms_team import AuditPageForm
from ...labels import label
from ...models.vocabulary import AuditAction, Role
from ...services import audit

bp = Blueprint("audit", __name__)

PAGE = 50
# Actions whose detail is a role, or "old → new" roles, stored as values: shown as labels.
_ROLE_DETAILS = {AuditAction.MEMBER_INVITED, AuditAction.INVITATION_REVOKED,
                 AuditAction.MEMBER_JOINED, AuditAction.MEMBER_REMOVED, AuditAction.ROLE_CHANGED}
_ROLES = {r.value: r for r in Role}


def detail_text(event) -> str:
    if not event.detail:
        return ""
    if event.action in _ROLE_DETAILS:
        return " → ".join(label(_ROLES[p]) if p in _ROLES else p for p in event.detail.split(" → "))
    return event.detail


@bp.get("/audit")
def index():
    form = AuditPageForm(request.args)
    form.validate()
    before = form.value("before")
    rows = audit.page(get_session(), current_user.office_id, before_id=before, limit=PAGE + 1)
    events, more = rows[:PAGE], len(rows) > PAGE
    return render_template("office/audit.html", events=events, detail_text=detail_text,
                           next_before=events[-1].id if more else None, paged=before is not None)
