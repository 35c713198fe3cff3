"""Home: the office's accounts with balance, last sync and state, and the one poll that keeps
the syncing rows current."""
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..db import get_session, request_connection
from ..services import account_rows, reauth, sync_status
from ..services import accounts as accounts_svc

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    db = get_session()
    accounts = accounts_svc.list_accounts(db, current_user.office_id)
    rows = account_rows.build(db, current_app.extensions["bank_registry"], accounts)
    # The syncing rows' tokens, for the page's poll; no row syncs, no poll, no query.
    now = sync_status.live(db, current_user.office_id) if any(r.polling for r in rows) else {}
    return render_template("home/index.html", rows=rows, poll_every=account_rows.poll_interval(rows),
                           poll_tokens=sync_status.tokens(now),
                           expiring=reauth.expiring(db, current_user.office_id))


@bp.get("/sync-status", endpoint="sync_status")
@login_required
def sync_status_poll():
    """The page's poll: 204 when no row it shows syncing changed (one query, none while the
    listen cache remembers the office's rows), else the changed rows of this office and the
    poll's next state, out of band."""
    office_id = current_user.office_id
    # From memory while nothing changed (PostgreSQL), else on the request's connection: a
    # "nothing changed" answer builds no ORM session.
    now = sync_status.live_remembered(current_app.extensions["listen_cache"], request_connection,
                                      office_id)
    ids = sync_status.changed(sync_status.parse_sent(request.args.getlist("row")), now)
    if not ids:
        return "", 204
    db = get_session()
    accounts = sync_status.accounts_of(db, office_id, ids)
    rows = account_rows.build(db, current_app.extensions["bank_registry"], accounts)
    every = sync_status.interval(now) or account_rows.poll_interval(rows)
    return render_template("home/_sync_changes.html", rows=rows, poll_every=every,
                           poll_tokens=sync_status.tokens(now), gone=sorted(ids - {a.id for a in accounts}))
