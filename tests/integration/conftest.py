"""Fixtures of the integration tests that run services on a database of their own: `engine`,
a migrated SQLite file and a fresh PostgreSQL database in turn (skipped when no server
answers), and `s`, a session on it; `portal_app`, a portal (create_app) on each in turn. A
test file that needs another kind defines its own."""
import pytest
from sqlmodel import Session

from portal import create_app
from tests.support import postgres
from tests.support.portal_config import portal_config
from tests.support.postgres import migrated_engine, server_answers


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "postgresql" and not server_answers():
        pytest.skip("no PostgreSQL server answers")
    with migrated_engine(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def s(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def portal_app(request, tmp_path):
    with postgres.portal_database(request.param) as settings:
        app = create_app(portal_config(tmp_path, **settings), instance_path=str(tmp_path / "instance"))
        yield app
        app.extensions["db_engine"].dispose()
