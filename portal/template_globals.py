"""Every name templates may call beyond Flask's and Babel's, registered in one place."""
from flask import g
from flask_login import current_user

from . import labels
from .db import get_session
from .models import vocabulary
from .services.cutover import reviews


def open_review_count(account) -> int:
    """Open reviews of an account; one query per request for the whole office."""
    if "open_review_counts" not in g:
        g.open_review_counts = reviews.open_counts(get_session(), current_user.office_id)
    return g.open_review_counts.get(account.id, 0)


def init_app(app) -> None:
    app.jinja_env.globals.update(
        label=labels.label,
        sync_error_text=labels.sync_error,
        reauth_reason=labels.reauth_reason,
        outside_hours_text=labels.outside_hours,
        encoding_label=labels.encoding,
        former_bank_name=labels.former_bank_name,
        kind_choice_label=labels.kind_choice,
        statement_message=labels.message,
        file_layout=labels.layout,
        cutover_reason=labels.cutover_reason,
        open_review_count=open_review_count,
        SyncMethod=vocabulary.SyncMethod,
        SyncState=vocabulary.SyncState,
        ConnectionState=vocabulary.ConnectionState,
    )
