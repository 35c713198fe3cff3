"""The home page's one poll for all its syncing rows (GET /sync-status): 204 while nothing the
rows show changed, the changed rows out of band when something did, and only the office's own."""
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from portal import create_app
from portal.dates import utcnow
from portal.models import Account, BankConnection, SyncRun
from tests.support.auth import Auth
from tests.support.flows import wait_for
from tests.support.portal_config import portal_config
from tests.support.postgres import fresh_database, server_answers
from tests.web.csv_helpers import register

HX = {"HX-Request": "true"}


def link(db, account_id: int) -> None:
    """As if the consent at the bank had succeeded (and the bank-side account was chosen)."""
    with db() as s:
        account = s.get(Account, account_id)
        conn = BankConnection(office_id=account.office_id, bank_code="0001")
        s.add(conn)
        s.flush()
        account.connection_id = conn.id
        s.commit()


def start_sync(auth, account_id: int) -> str:
    resp = auth.post(f"/accounts/{account_id}/sync", headers=HX)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def tokens(html: str) -> list[str]:
    """What the page's poll sends: the `row` inputs of the rows it shows syncing."""
    return re.findall(r'<input type="hidden" name="row" value="([^"]+)">', html)


def poll(client, sent: list[str]):
    return client.get("/sync-status", query_string=[("row", v) for v in sent], headers=HX)


@contextmanager
def events(target, name: str) -> Iterator[list[tuple]]:
    """The arguments of each `name` event `target` emits inside the block."""
    seen = []

    def record(*args):
        seen.append(args)

    event.listen(target, name, record)
    try:
        yield seen
    finally:
        event.remove(target, name, record)


def poller(html: str) -> str:
    return re.search(r'<div id="sync-poll"[^>]*>', html).group(0)


def update(db, account_id: int, **changes) -> None:
    with db() as s:
        account = s.get(Account, account_id)
        run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id)
                     .order_by(SyncRun.id.desc())).first()
        for key, value in changes.items():
            target, _, field = key.partition("__")
            setattr(run if target == "run" else account, field, value)
        s.commit()


@pytest.fixture
def syncing(auth, db):
    return two_syncing(auth, db)


def two_syncing(auth, db) -> tuple[int, int]:
    """Two accounts of the office syncing (queued) and one manual account."""
    auth.signup()
    a = register(auth, kind="api:personal", name="本店 普通")
    b = register(auth, kind="api:personal", name="支店 当座")
    register(auth, kind="manual:personal", name="手動の口座")
    link(db, a)
    link(db, b)
    start_sync(auth, a)
    start_sync(auth, b)
    return a, b


def test_page_has_one_poll_for_all_syncing_rows(auth, syncing):
    a, b = syncing
    page = auth.client.get("/").get_data(as_text=True)
    assert page.count('hx-trigger="every') == 1  # rows no longer poll one by one
    assert 'hx-get="/sync-status"' in poller(page) and 'hx-trigger="every 1s"' in poller(page)
    assert {v.split(".")[0] for v in tokens(page)} == {str(a), str(b)}


def test_nothing_changed_is_204_decided_by_one_query(auth, app, syncing):
    page = auth.client.get("/").get_data(as_text=True)
    engine = app.extensions["db_engine"]
    with (events(engine, "before_cursor_execute") as executed, events(engine, "checkout") as checkouts,
          events(Session, "after_begin") as sessions):
        resp = poll(auth.client, tokens(page))
    seen = [statement for _conn, _cursor, statement, *_rest in executed]
    assert resp.status_code == 204 and resp.get_data() == b""
    # Besides signing the user in: one query, on the office's accounts and their newest runs.
    about_rows = [q for q in seen if "sync_run" in q or "FROM account" in q]
    assert len(about_rows) == 1, about_rows
    # Both on the request's one connection, and no ORM session is built for them.
    assert len(checkouts) == 1 and sessions == []


def test_a_page_signs_in_and_reads_on_one_connection(auth, app, syncing):
    """The user's lookup and the page's ORM session share the request's connection: one
    checkout (on PostgreSQL one pre-ping), and the session's commit is the connection's."""
    a, _b = syncing
    form = {"csrf_token": auth.token("/"), "name": "改名した口座"}
    with events(app.extensions["db_engine"], "checkout") as checkouts:
        assert auth.client.get("/").status_code == 200  # the account rows: ORM queries
        resp = auth.client.post(f"/accounts/{a}/settings", data=form)  # commits
    assert resp.status_code in (200, 303) and len(checkouts) == 2
    assert "改名した口座" in auth.client.get("/").get_data(as_text=True)


def test_a_page_from_before_the_dot_gets_its_rows_again(auth, syncing):
    """Tokens were "<id>:<token>" before: a tab left open over an upgrade is not stuck."""
    a, b = syncing
    old = [v.replace(".", ":", 1) for v in tokens(auth.client.get("/").get_data(as_text=True))]
    html = poll(auth.client, old).get_data(as_text=True)
    assert f'id="account-{a}" hx-swap-oob="true"' in html and f'id="account-{b}" hx-swap-oob="true"' in html


def test_only_the_changed_row_comes_back_out_of_band(auth, db, syncing):
    a, b = syncing
    sent = tokens(auth.client.get("/").get_data(as_text=True))
    update(db, a, run__state="running", run__fetched=120, account__sync_state="running")
    resp = poll(auth.client, sent)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'id="account-{a}" hx-swap-oob="true"' in html and "120件取得" in html
    assert f'id="account-{b}"' not in html  # unchanged: not sent again
    assert 'hx-swap-oob="true"' in poller(html) and 'hx-trigger="every 1s"' in poller(html)
    # The page now holds the new row: the same poll again is "nothing changed".
    sent = [v for v in sent if not v.startswith(f"{a}.")] + tokens(html)
    assert poll(auth.client, sent).status_code == 204


def test_rows_reach_their_final_state_and_polling_stops(auth, db, syncing):
    a, b = syncing
    sent = tokens(auth.client.get("/").get_data(as_text=True))
    update(db, a, run__state="done", run__added=7, run__finished_at=utcnow(),
           account__sync_state="done", account__statement_count=7, account__last_synced_at=utcnow())
    update(db, b, run__state="needs_selection", account__sync_state="needs_selection")
    html = poll(auth.client, sent).get_data(as_text=True)
    assert "同期完了" in html and "7件" in html
    assert "口座を選択してください" in html
    assert tokens(html) == []  # neither row syncs any more
    assert "hx-trigger" not in poller(html)  # so the page stops polling
    assert poll(auth.client, []).status_code == 204


def test_a_sync_started_elsewhere_is_picked_up(auth, db, syncing):
    a, b = syncing
    sent = [v for v in tokens(auth.client.get("/").get_data(as_text=True)) if v.startswith(f"{a}.")]
    html = poll(auth.client, sent).get_data(as_text=True)  # the page showed b idle
    assert f'id="account-{b}" hx-swap-oob="true"' in html and f'id="account-{a}"' not in html


def test_sync_now_starts_the_page_poll(auth, db):
    auth.signup()
    a = register(auth, kind="api:personal", name="本店 普通")
    link(db, a)
    assert "hx-trigger" not in poller(auth.client.get("/").get_data(as_text=True))
    html = start_sync(auth, a)
    assert 'hx-swap-oob="true"' in poller(html) and 'hx-trigger="every 1s"' in poller(html)
    assert tokens(html)[0].startswith(f"{a}.")


def test_the_poll_never_answers_with_another_offices_rows(app, auth, db, syncing):
    a, b = syncing
    sent = tokens(auth.client.get("/").get_data(as_text=True))
    other = Auth(app.test_client())
    other.signup(email="b@example.jp", office="B商店")
    mine = register(other, kind="api:personal", name="B の口座")
    link(db, mine)
    start_sync(other, mine)
    html = poll(other.client, sent).get_data(as_text=True)  # the first office's tokens
    assert "本店 普通" not in html and "支店 当座" not in html
    assert f'id="account-{a}" hx-swap-oob="true"' not in html
    assert f'id="account-{mine}" hx-swap-oob="true"' in html  # its own syncing row only
    assert f'<article id="account-{a}" hx-swap-oob="delete"></article>' in html


def test_anonymous_poll_is_sent_to_login(client):
    resp = client.get("/sync-status", headers=HX)
    assert resp.status_code == 401 and "/login" in resp.headers["HX-Redirect"]


@pytest.mark.postgres
@pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")
@pytest.mark.parametrize("cache_on", [True, False], ids=["listen cache", "no listen cache"])
def test_the_poll_on_postgresql(tmp_path, cache_on):
    """The poll's query is compiled for the database in use: PostgreSQL's driver too. With the
    listen cache an unchanged poll is answered from memory (no connection at all) until the
    database tells of a change; without it, on one connection for the user and the rows."""
    with fresh_database() as url:
        app = create_app(portal_config(tmp_path, DATABASE_URL=url, LISTEN_CACHE=cache_on),
                         instance_path=str(tmp_path / "i"))
        try:
            auth = Auth(app.test_client())
            db = lambda: Session(app.extensions["db_engine"])  # noqa: E731
            a, b = two_syncing(auth, db)
            sent = tokens(auth.client.get("/").get_data(as_text=True))
            cache = app.extensions["listen_cache"]
            def unchanged_poll_checkouts() -> int:
                with events(app.extensions["db_engine"], "checkout") as checkouts:
                    assert len(sent) == 2 and poll(auth.client, sent).status_code == 204
                return len(checkouts)

            if cache_on:  # the first reads start the cache; once it listens, reads are kept
                wait_for(lambda: unchanged_poll_checkouts() == 0, timeout=10,
                         message="a poll answered from memory")
            else:  # one connection, one pre-ping, for the user and the rows
                assert unchanged_poll_checkouts() == 1 and not cache.listening
            update(db, a, run__state="done", account__sync_state="done")

            def changed_rows():
                answer = poll(auth.client, sent)
                return answer.status_code == 200 and answer.get_data(as_text=True)

            html = wait_for(changed_rows, timeout=10, message="the change to reach the poll")
            assert f'id="account-{a}" hx-swap-oob="true"' in html and f'id="account-{b}"' not in html
        finally:
            app.extensions["db_engine"].dispose()
