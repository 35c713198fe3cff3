"""The cache on SQLite (portal/listen_cache.py): memory answers while nothing was committed to
the file since it was filled, and is forgotten by the next read after any commit, from this
process or another one, with no delay; a commit during a read keeps nothing; a forked child
asks a connection of its own; a database in memory, or a disposed engine, keeps nothing."""
import os
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from portal.listen_cache import ListenCache
from tests.integration.test_listen_cache import kept, remember, run_sql
from tests.support.auth import Auth
from tests.web.test_sync_poll import events, poll, tokens, two_syncing, update


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


@pytest.fixture
def cache(engine):
    cache = ListenCache(engine)
    yield cache
    cache.stop()


def test_memory_answers_until_this_process_commits(engine, cache):
    remember(cache, ("u", 1))
    remember(cache, ("o", 2))
    assert cache.listening
    run_sql(engine, "INSERT INTO t VALUES (1)")  # any commit, whatever it touched
    assert not kept(cache, ("u", 1)) and not kept(cache, ("o", 2))
    assert kept(cache, ("u", 1))  # read again after the commit: kept from here on


def test_a_rolled_back_write_keeps_memory(engine, cache):
    remember(cache, ("u", 1))
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.rollback()
    assert kept(cache, ("u", 1))


def test_another_process_commit_is_seen_by_the_next_read(engine, cache, tmp_path):
    remember(cache, ("u", 1))
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('INSERT INTO t VALUES (2)'); c.commit()", str(tmp_path / "db.sqlite")],
                   check=True)
    assert not kept(cache, ("u", 1))


def test_a_commit_during_a_read_keeps_nothing(engine, cache):
    """The value read may already hold the commit, but the next read cannot know: it loads."""
    def load_while_someone_commits():
        run_sql(engine, "INSERT INTO t VALUES (3)")
        return "value"

    assert cache.read(("o", 1), "k", load_while_someone_commits) == "value"
    assert not kept(cache, ("o", 1))
    assert kept(cache, ("o", 1))


def test_nothing_is_kept_for_a_database_in_memory():
    engine = create_engine("sqlite://")
    cache = ListenCache(engine)
    cache.read(("u", 1), "k", lambda: "value")
    assert not kept(cache, ("u", 1)) and not cache.listening
    engine.dispose()


def test_disposing_the_engine_stops_watching(engine, cache):
    remember(cache, ("u", 1))
    watch = cache._watch
    engine.dispose()
    assert not kept(cache, ("u", 1)) and not cache.listening
    with pytest.raises(sqlite3.ProgrammingError):  # its connection is closed
        watch.execute("PRAGMA data_version")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_asks_a_connection_of_its_own(engine, cache):
    """gunicorn forks its workers after the app is made, and each drops the parent's pooled
    connections (deploy/gunicorn.conf.py: dispose(close=False)). That must not stop the
    child's cache: it watches with a connection of its own (SQLite's are not to cross a
    fork) and starts from empty memory."""
    remember(cache, ("u", 1))
    parent_watch = cache._watch
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running the parent's cleanup
        try:
            engine.dispose(close=False)
            child_kept = kept(cache, ("u", 1))
            ok = (not child_kept and cache._watch is not parent_watch and kept(cache, ("u", 1))
                  and cache.listening)
            run_sql(engine, "INSERT INTO t VALUES (4)")
            ok = ok and not kept(cache, ("u", 1))
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == b"1"
    # The child's commit is the parent's news too.
    assert not kept(cache, ("u", 1)) and cache._watch is parent_watch and kept(cache, ("u", 1))


def test_a_session_ended_elsewhere_ends_here_at_once(app):
    """The member is kept between requests; a plain UPDATE from another connection signs this
    browser out on its very next request."""
    auth = Auth(app.test_client())
    auth.signup()
    cache = app.extensions["listen_cache"]
    assert auth.client.get("/").status_code == 200
    assert cache._values.get(("u", 1)) and cache.listening
    run_sql(app.extensions["db_engine"], 'UPDATE "user" SET session_version = session_version + 1')
    assert auth.client.get("/").status_code == 302


def test_an_unchanged_poll_reads_nothing_and_a_change_comes_at_once(app):
    """The second unchanged poll is answered from memory (no connection checked out); after a
    commit the next poll renders the changed row."""
    auth = Auth(app.test_client())
    db = lambda: Session(app.extensions["db_engine"])  # noqa: E731
    a, b = two_syncing(auth, db)
    sent = tokens(auth.client.get("/").get_data(as_text=True))
    engine = app.extensions["db_engine"]
    assert poll(auth.client, sent).status_code == 204  # fills memory
    with events(engine, "checkout") as checkouts:
        assert poll(auth.client, sent).status_code == 204
    assert checkouts == []
    update(db, a, run__state="done", account__sync_state="done")
    with events(engine, "checkout") as checkouts:
        answer = poll(auth.client, sent)
    assert answer.status_code == 200 and len(checkouts) == 1
    html = answer.get_data(as_text=True)
    assert f'id="account-{a}" hx-swap-oob="true"' in html and f'id="account-{b}"' not in html
