"""The listen cache on a real PostgreSQL (portal/listen_cache.py, migration 0017): what a web
process keeps in memory is forgotten when the database tells of a change, a notice that
arrives during a read keeps nothing, a lost connection empties memory until LISTEN runs
again, and disposing the engine stops the cache."""
import pytest
from sqlalchemy import text
from sqlmodel import Session

from portal import create_app
from portal.listen_cache import ListenCache
from portal.models import Account, Membership, Office, SyncRun, User
from portal.models.vocabulary import Role, SyncMethod, SyncState, SyncTrigger
from portal.services import users
from tests.support.auth import Auth
from tests.support.flows import wait_for
from tests.support.portal_config import portal_config
from tests.support.postgres import fresh_database, migrated_engine, server_answers

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")]


@pytest.fixture
def engine(tmp_path):
    with migrated_engine("postgresql", tmp_path) as engine:
        yield engine


@pytest.fixture
def cache(engine):
    cache = ListenCache(engine)
    cache.read(("o", 0), "start", lambda: None)  # the first read starts the thread
    wait_for(lambda: cache.listening, timeout=10, message="the cache to listen")
    yield cache
    cache.stop()


@pytest.fixture
def office(engine) -> dict:
    """An office with a user, their membership, an account and a run."""
    with Session(engine) as s:
        office, user = Office(name="A商店"), User(email="a@example.jp", password_hash="x")
        s.add_all([office, user])
        s.flush()
        account = Account(office_id=office.id, name="本店 普通", bank_code="0001", kind="personal",
                          sync_method=SyncMethod.API)
        s.add_all([account, Membership(user_id=user.id, office_id=office.id, role=Role.OWNER)])
        s.flush()
        s.add(SyncRun(office_id=office.id, account_id=account.id, state=SyncState.QUEUED,
                      trigger=SyncTrigger.USER))
        s.commit()
        return {"office": office.id, "user": user.id, "account": account.id}


def kept(cache: ListenCache, topic, key="k") -> bool:
    """Whether the cache answers `topic` from memory (a read that must load says no)."""
    loaded = []
    cache.read(topic, key, lambda: loaded.append(1) or "again")
    return not loaded


def remember(cache, topic, key="k") -> None:
    cache.read(topic, key, lambda: "value")
    assert kept(cache, topic, key)


def run_sql(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


CHANGES = {
    # what changes: (the topic it names, the SQL)
    "account sync state": ("o", "office", 'UPDATE account SET sync_state = \'error\' WHERE id = :account'),
    "account balance": ("o", "office", "UPDATE account SET balance = 5 WHERE id = :account"),
    "a run's progress": ("o", "office", "UPDATE sync_run SET fetched = 7 WHERE account_id = :account"),
    "a new run": ("o", "office", "INSERT INTO sync_run (office_id, account_id, trigger, state, "
                  "created_at, attempts, fetched, added, skipped, resumes) VALUES "
                  "(:office, :account, 'user', 'done', now(), 0, 0, 0, 0, 0)"),
    "a run removed": ("o", "office", "DELETE FROM sync_run WHERE account_id = :account"),
    "the session version": ("u", "user", 'UPDATE "user" SET session_version = 3 WHERE id = :user'),
    "the user's language": ("u", "user", "UPDATE \"user\" SET locale = 'en' WHERE id = :user"),
    "a role": ("u", "user", "UPDATE membership SET role = 'member' WHERE user_id = :user"),
    "a membership removed": ("u", "user", "DELETE FROM membership WHERE user_id = :user"),
    "the office's two-factor rule": ("u", "user",
                                     "UPDATE office SET require_two_factor = true WHERE id = :office"),
}


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_a_change_is_told_and_its_topic_forgotten(engine, cache, office, change):
    kind, key, sql = CHANGES[change]
    topic = (kind, office[key])
    remember(cache, topic)
    run_sql(engine, sql, **office)
    wait_for(lambda: not kept(cache, topic), timeout=10, message=f"{change} to be told")


def test_a_change_to_what_no_read_shows_tells_nobody(engine, cache, office):
    """Notices arrive in commit order: once a later change is told, an earlier one that
    should have told the office's topic would have been told too."""
    remember(cache, ("o", office["office"]))
    remember(cache, ("u", office["user"]))
    run_sql(engine, "UPDATE account SET name = '支店' WHERE id = :account", **office)
    run_sql(engine, "UPDATE sync_run SET lease_expires_at = now() WHERE account_id = :account", **office)
    run_sql(engine, "UPDATE \"user\" SET totp_last_step = 9 WHERE id = :user", **office)
    run_sql(engine, "UPDATE \"user\" SET locale = 'en' WHERE id = :user", **office)
    wait_for(lambda: not kept(cache, ("u", office["user"])), timeout=10, message="the locale")
    assert kept(cache, ("o", office["office"]))


def test_another_offices_change_leaves_this_one_kept(engine, cache, office):
    remember(cache, ("o", office["office"]))
    remember(cache, ("o", office["office"] + 1))
    run_sql(engine, "UPDATE account SET balance = 1 WHERE id = :account", **office)
    wait_for(lambda: not kept(cache, ("o", office["office"])), timeout=10, message="the notice")
    assert kept(cache, ("o", office["office"] + 1))


def test_a_notice_during_a_read_keeps_nothing(engine, cache, office):
    """The read saw the row before the commit; its notice came in while it was still
    reading: keeping that value would serve the old row until the next change."""
    topic = ("o", office["office"])

    def read_then_change():
        old, told = "before the commit", cache._generations.get(topic, 0)
        run_sql(engine, "UPDATE account SET balance = 2 WHERE id = :account", **office)
        wait_for(lambda: cache._generations.get(topic, 0) > told, timeout=10, message="the notice")
        return old

    assert cache.read(topic, "k", read_then_change) == "before the commit"
    assert not kept(cache, topic)


def backend_of(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND query = 'LISTEN tsunagu_change'")).scalar_one()


def test_a_lost_connection_empties_memory_until_it_listens_again(engine, cache, office):
    topic = ("o", office["office"])
    remember(cache, topic)
    first = backend_of(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    wait_for(lambda: not cache.listening, timeout=10, message="the cache to see its loss")
    assert not kept(cache, topic)  # meanwhile every read goes to the database
    wait_for(lambda: cache.listening, timeout=20, message="the cache to listen again")
    assert backend_of(engine) != first
    remember(cache, topic)
    run_sql(engine, "UPDATE account SET balance = 3 WHERE id = :account", **office)
    wait_for(lambda: not kept(cache, topic), timeout=10, message="the notice on the new connection")


def test_disposing_the_engine_stops_the_feed(engine, cache):
    backend_of(engine)
    engine.dispose()
    wait_for(lambda: not cache.thread.is_alive(), timeout=10, message="the cache's thread to end")
    assert not cache.listening
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE 'LISTEN%'")).scalar_one() == 0


@pytest.fixture
def portal(tmp_path):
    with fresh_database() as url:
        app = create_app(portal_config(tmp_path, DATABASE_URL=url), instance_path=str(tmp_path / "i"))
        yield app
        app.extensions["db_engine"].dispose()


def test_a_session_ended_elsewhere_ends_here_too(portal):
    """The member a request signs in with comes from memory: ending the user's sessions in
    another process (a plain UPDATE here) still signs this browser out."""
    auth = Auth(portal.test_client())
    auth.signup()
    cache = portal.extensions["listen_cache"]
    assert auth.client.get("/").status_code == 200  # the first read starts the cache
    wait_for(lambda: cache.listening, timeout=10, message="the cache to listen")
    assert auth.client.get("/").status_code == 200  # the member is kept now
    assert cache._values.get(("u", 1))
    run_sql(portal.extensions["db_engine"], 'UPDATE "user" SET session_version = session_version + 1')
    wait_for(lambda: auth.client.get("/").status_code == 302, timeout=10,
             message="the ended session to be refused")


def test_this_browsers_own_logout_and_login_are_seen_at_once(portal):
    """A session version newer than the kept one is asked of the database, not refused:
    here the member from before the logout is kept as if its notice had not come yet."""
    auth = Auth(portal.test_client())
    auth.signup()
    cache, engine = portal.extensions["listen_cache"], portal.extensions["db_engine"]
    assert auth.client.get("/").status_code == 200
    wait_for(lambda: cache.listening, timeout=10, message="the cache to listen")
    with engine.connect() as conn:
        before = users.member(conn, 1, 1)
    told = cache._generations.get(("u", 1), 0)
    auth.logout()
    assert auth.login().status_code == 303
    wait_for(lambda: cache._generations.get(("u", 1), 0) > told, timeout=10, message="the notices")
    assert cache.read(("u", 1), 1, lambda: before) is before
    assert auth.client.get("/").status_code == 200


def test_with_the_feed_off_every_request_reads_the_database(tmp_path):
    with fresh_database() as url:
        app = create_app(portal_config(tmp_path, DATABASE_URL=url, LISTEN_CACHE=False),
                         instance_path=str(tmp_path / "i"))
        try:
            auth = Auth(app.test_client())
            auth.signup()
            assert auth.client.get("/").status_code == 200
            cache = app.extensions["listen_cache"]
            assert not cache.listening and cache.thread is None
            run_sql(app.extensions["db_engine"], 'UPDATE "user" SET session_version = session_version + 1')
            assert auth.client.get("/").status_code == 302
        finally:
            app.extensions["db_engine"].dispose()
