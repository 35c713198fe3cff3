"""Two processes noticing the same event at once (`flask notices run`, started together on one
database): each recipient still gets exactly one mail, on SQLite and on PostgreSQL."""
import pytest
from sqlmodel import Session, select

from portal import create_app
from portal.models import Notice
from portal.models.vocabulary import NoticeState
from tests.support import postgres
from tests.support.notice_office import MANAGERS, make_office
from tests.support.notice_runs import run_notices_together
from tests.support.portal_config import portal_config


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.sqlite'}"
        return
    if not postgres.server_answers():
        pytest.skip("no PostgreSQL server answers")
    with postgres.fresh_database() as url:
        yield url


def test_two_processes_send_one_mail_per_recipient(tmp_path, mailbox, database_url):
    app = create_app(portal_config(tmp_path, DATABASE_URL=database_url),
                     instance_path=str(tmp_path / "instance"))
    engine = app.extensions["db_engine"]
    try:
        with Session(engine) as s:
            make_office(s, days_left=6)
        results = run_notices_together(app.config, mailbox, tmp_path / "instance", 2)
        assert all(code == 0 for _out, code in results), results
        # smtplib returns after the server accepted DATA: every mail is in the box by now.
        assert sorted(m["To"] for m in mailbox.messages) == sorted(MANAGERS)
        with Session(engine) as s:
            notices = s.exec(select(Notice)).all()
        assert len(notices) == len(MANAGERS)
        assert all(n.state == NoticeState.SENT and n.attempts == 1 for n in notices)
        # A third run later (a restart) finds the event noticed already.
        [(out, code)] = run_notices_together(app.config, mailbox, tmp_path / "instance", 1)
        assert code == 0 and "0 notices added, 0 mails sent" in out
        assert len(mailbox.messages) == len(MANAGERS)
    finally:
        engine.dispose()
