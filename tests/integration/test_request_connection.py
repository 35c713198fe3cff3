"""A request's one connection (db.request_connection) on SQLite and PostgreSQL: the user's
lookup runs on it outside any transaction (on PostgreSQL in autocommit: no BEGIN, nothing
left open), and the request's ORM session runs on the same connection, in one transaction
whose commit and rollback are the connection's."""
import pytest
from sqlmodel import Session, select

from portal import create_app
from portal.db import get_session, request_connection
from portal.models import Office
from portal.services import offices, users
from tests.support import postgres
from tests.support.portal_config import portal_config


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, tmp_path):
    with postgres.portal_database(request.param) as settings:
        app = create_app(portal_config(tmp_path, **settings), instance_path=str(tmp_path / "i"))
        with Session(app.extensions["db_engine"]) as s:
            users.sign_up(s, email="a@example.jp", password="correct horse 1", office_name="A商店")
        yield app
        app.extensions["db_engine"].dispose()


def office_name(app) -> str:
    with Session(app.extensions["db_engine"]) as s:
        return offices.office_name(s, 1)


def test_the_users_lookup_leaves_no_transaction_open(app):
    with app.test_request_context("/"):
        conn = request_connection()
        member = users.member(conn, 1)
        assert member is not None and member.email == "a@example.jp"
        assert not conn.in_transaction()
        driver = conn.connection.driver_connection
        if conn.dialect.name == "postgresql":
            # Read in autocommit and handed back as it was: nothing for the pool to roll back.
            assert driver.info.transaction_status.name == "IDLE" and driver.autocommit is False
        else:
            assert not driver.in_transaction


def test_the_session_commits_on_the_requests_connection(app):
    with app.test_request_context("/"):
        conn = request_connection()
        users.member(conn, 1)
        db = get_session()
        office = db.exec(select(Office)).one()
        office.name = "B商店"
        db.flush()
        # The lookup inside the session's transaction sees what the session wrote.
        assert conn.in_transaction()
        assert users.member(conn, 1).office_id == office.id
        db.commit()
    assert office_name(app) == "B商店"


def test_what_nobody_commits_is_rolled_back_at_the_end(app):
    with app.test_request_context("/"):
        db = get_session()
        db.exec(select(Office)).one().name = "書きかけ"
        db.flush()
    assert office_name(app) == "A商店"
