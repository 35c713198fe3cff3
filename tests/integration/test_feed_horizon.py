"""On PostgreSQL the change feed waits for this database's open writers and only for them: a
transaction left open in another database of the same server (another deployment, another
test) does not hold the feed back, and one open in this database holds back exactly what
committed after it started."""
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session

from portal import create_app
from portal.models import Account, Statement
from portal.services import statement_feed
from tests.support import postgres
from tests.support.auth import Auth
from tests.support.portal_config import portal_config

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not postgres.server_answers(), reason="no PostgreSQL server answers")]


def _statement(account: Account, key: str) -> Statement:
    return Statement(office_id=account.office_id, account_id=account.id, amount=-100,
                     transaction_date=date(2026, 1, 5), source="manual", dedupe_key=key)


def test_only_this_databases_open_writers_hold_the_feed_back(tmp_path):
    with postgres.fresh_database() as url, postgres.fresh_database() as other_url:
        app = create_app(portal_config(tmp_path, DATABASE_URL=url),
                         instance_path=str(tmp_path / "instance"))
        engine, other = app.extensions["db_engine"], create_engine(other_url)
        try:
            owner = Auth(app.test_client())
            owner.signup()
            resp = owner.post("/accounts/new/0005", {"kind": "manual:corporate", "name": "現金"})
            account_id = int(resp.headers["Location"].split("/")[2])
            with Session(engine) as s:
                account = s.get(Account, account_id)
                office_id = account.office_id

            with other.connect() as elsewhere:  # a writer left open in another database
                elsewhere.execute(text("CREATE TABLE t (n int)"))
                elsewhere.execute(text("INSERT INTO t VALUES (1)"))
                with Session(engine) as s:
                    s.add(_statement(account, "manual:a"))
                    s.commit()
                with Session(engine) as s:
                    first = statement_feed.page(s, office_id, None, 10)
                assert [st.dedupe_key for st, _b in first.added] == ["manual:a"]

                with engine.connect() as held:  # a writer of this database, open
                    held.execute(text("UPDATE office SET name = name WHERE id = :o"), {"o": office_id})
                    with Session(engine) as s:
                        s.add(_statement(account, "manual:b"))  # begins and commits after it
                        s.commit()
                    with Session(engine) as s:
                        waiting = statement_feed.page(s, office_id, first.next_cursor, 10)
                    assert waiting.added == [] and waiting.next_cursor == first.next_cursor
                    held.rollback()
                with Session(engine) as s:
                    after = statement_feed.page(s, office_id, first.next_cursor, 10)
                assert [st.dedupe_key for st, _b in after.added] == ["manual:b"]
                elsewhere.rollback()
        finally:
            engine.dispose()
            other.dispose()
