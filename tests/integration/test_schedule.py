"""The schedule: syncs queued for every linked account without overlap; tokens refreshed ahead."""
from datetime import timedelta

from sqlmodel import select

from portal.dates import utcnow
from portal.models import BankConnection, SyncRun
from portal.services import schedule
from tests.integration.lifetime_helpers import connections, link_first, refresh_concurrently
from tests.support.flows import PortalUser


def test_scheduled_syncs_queue_each_linked_account_once(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, _ = link_first(user, sandbox, db)
    manual_id = user.register("0001", kind="manual:personal")
    with db() as s:
        registry = live_portal.app.extensions["bank_registry"]
        first = schedule.queue_scheduled_syncs(s, registry)
        second = schedule.queue_scheduled_syncs(s, registry)  # while the first is queued or running
    assert first == 1 and second == 0
    assert user.wait_state(account_id, "done", "failed") == "done"
    with db() as s:
        runs = s.exec(select(SyncRun).where(SyncRun.trigger == "schedule")).all()
    assert [r.account_id for r in runs] == [account_id] and manual_id != account_id
    assert runs[0].state == "done"


def test_tokens_refresh_ahead_of_expiry_and_rotate(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    link_first(user, sandbox, db)
    app = live_portal.app
    with db() as s:
        conn = s.exec(select(BankConnection)).one()
        old_refresh = conn.refresh_token_enc
        conn.access_expires_at = utcnow() + timedelta(minutes=2)
        s.commit()
    with db() as s:
        refreshed = schedule.refresh_due_tokens(s, app.extensions["bank_registry"],
                                                app.extensions["token_cipher"])
    assert refreshed == 1
    conn = connections(db)[0]
    assert conn.state == "active" and conn.refresh_token_enc != old_refresh
    assert conn.access_expires_at > utcnow() + timedelta(minutes=30)


def test_concurrent_refreshes_do_not_lock_each_other_out(live_portal, db, sandbox):
    """Two workers refreshing one rotating token: one refreshes, the other uses the result."""
    user = PortalUser(live_portal).signup()
    link_first(user, sandbox, db)
    tokens, errors = refresh_concurrently(live_portal, db)
    assert errors == [] and len(set(tokens)) == 1
    assert connections(db)[0].state == "active"
