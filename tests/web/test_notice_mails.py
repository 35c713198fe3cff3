"""E-mail notices sent to a real SMTP server (aiosmtpd): who gets them, in which language,
what they say and link to, that an event mails once, opt-out and one-click unsubscribe."""
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal import create_app
from portal.dates import utcnow
from portal.models import Account, BankConnection, Notice, NoticeOptOut, SyncRun, User
from portal.models.vocabulary import NoticeKind, NoticeState, SyncState, SyncTrigger
from portal.notice_mail import run_once, unsubscribe_token
from portal.services import notifications, passwords
from tests.support.auth import Auth
from tests.support.notice_office import ACCOUNT_NAMES, MANAGERS, MEMBERS, make_office
from tests.support.portal_config import portal_config


@pytest.fixture
def app(tmp_path, mailbox):
    app = create_app(portal_config(tmp_path, PUBLIC_URL="https://tsunagu.example.jp",
                                   **mailbox.settings()),
                     instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["db_engine"].dispose()


def _parts(message) -> tuple[str, str]:
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def test_a_consent_ending_in_six_days_mails_each_owner_and_admin_once(db, app, mailbox):
    with db() as s:
        office = make_office(s, days_left=6)
    assert run_once(app) == (3, 3)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(MANAGERS)  # no bookkeeper, viewer
    with db() as s:
        [key] = {n.event_key for n in s.exec(select(Notice))}
        assert key.startswith(f"consent:{office.connection_id}:") and key.endswith(":7")

    [owner] = mailbox.to("owner@example.jp")
    text, html = _parts(owner)
    assert "みずほ銀行" in owner["Subject"] and "有効期限" in owner["Subject"]
    for part in (text, html):
        assert "みずほ銀行" in part and all(name in part for name in ACCOUNT_NAMES)
        assert "https://tsunagu.example.jp/reauth/" in part
        assert "山田商店" in part
    assert "日です" in text and 'lang="ja"' in html  # a Japanese date in a Japanese mail
    assert owner["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https://tsunagu\.example\.jp/unsubscribe/\S+>", owner["List-Unsubscribe"])

    [admin] = mailbox.to("admin@example.jp")  # this member reads English
    text, html = _parts(admin)
    assert 'lang="en"' in html and re.search(r"[A-Z][a-z]+ \d{1,2}, \d{4}", text)
    assert "https://tsunagu.example.jp/reauth/" in text

    # Again, as after a restart: the event was noticed; nothing more is sent.
    assert run_once(app) == (0, 0)
    assert len(mailbox.messages) == 3


def test_each_threshold_mails_once_and_a_renewed_consent_starts_again(db, app, mailbox):
    with db() as s:
        office = make_office(s, days_left=13.5, members=MEMBERS[:1])
    run_once(app)
    with db() as s:
        conn = s.get(BankConnection, office.connection_id)
        conn.consent_expires_at = utcnow() + timedelta(hours=20)  # the 1-day notice now
        s.commit()
    run_once(app)
    run_once(app)
    with db() as s:
        keys = sorted(n.event_key.rsplit(":", 1)[1] for n in s.exec(select(Notice)))
    assert keys == ["1", "14"] and len(mailbox.messages) == 2


def test_an_opted_out_member_gets_nothing(db, app, mailbox):
    with db() as s:
        office = make_office(s)
        notifications.set_opt_out(s, office.users["owner@example.jp"], NoticeKind.CONSENT_EXPIRING, True)
    run_once(app)
    assert not mailbox.to("owner@example.jp")
    assert len(mailbox.to("admin@example.jp")) == 1


def test_one_click_unsubscribe_needs_no_csrf_token_and_a_bad_token_is_refused(db, app, mailbox):
    with db() as s:
        office = make_office(s)
    run_once(app)
    link = mailbox.to("owner@example.jp")[0]["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("https://tsunagu.example.jp")
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "停止する" in page.get_data(as_text=True)
    with db() as s:
        assert not s.exec(select(NoticeOptOut)).all()  # opening the link (a scanner) stops nothing
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})  # as a mail client does it
    assert done.status_code == 200
    with db() as s:
        [row] = s.exec(select(NoticeOptOut)).all()
        assert (row.user_id, row.kind) == (office.users["owner@example.jp"], NoticeKind.CONSENT_EXPIRING)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.post(forged).status_code == 404
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    with db() as s:
        assert len(s.exec(select(NoticeOptOut)).all()) == 1


def test_the_settings_page_saves_each_kind(db, app):
    with db() as s:
        office = make_office(s, members=MEMBERS[:1])
        user = s.get(User, office.users["owner@example.jp"])
        user.password_hash = passwords.hash_password("correct horse 1")
        s.commit()
    auth = Auth(app.test_client())
    assert auth.login().status_code == 303
    page = auth.client.get("/account/notifications").get_data(as_text=True)
    assert page.count('type="checkbox"') == len(NoticeKind) and page.count("checked") == len(NoticeKind)
    saved = auth.post("/account/notifications", data={"kind": ["consent_expiring", "long_task_done"],
                                                      "csrf_token": auth.token("/account/notifications")})
    assert saved.status_code == 303
    with db() as s:
        off = notifications.opted_out(s, office.users["owner@example.jp"])
    assert off == {NoticeKind.CONSENT_ENDED, NoticeKind.SYNC_FAILING, NoticeKind.WEBHOOK_DISABLED}
    page = auth.client.get("/account/notifications").get_data(as_text=True)
    assert page.count("checked") == 2
    assert auth.client.post("/account/notifications", data={"kind": []}).status_code == 400  # CSRF


def _runs(s, account_id, states):
    office_id = s.get(Account, account_id).office_id
    for state in states:
        s.add(SyncRun(office_id=office_id, account_id=account_id, trigger=SyncTrigger.SCHEDULE,
                      state=state, finished_at=utcnow()))
    s.commit()


def test_a_sync_failing_three_times_in_a_row_mails_once_per_streak(db, app, mailbox):
    with db() as s:
        office = make_office(s, days_left=60)  # no consent notice
        account_id = office.account_ids[0]
        s.get(Account, account_id).sync_state = SyncState.FAILED
        _runs(s, account_id, [SyncState.DONE, SyncState.FAILED, SyncState.FAILED])
    assert run_once(app) == (0, 0)  # two failures are not yet news
    with db() as s:
        _runs(s, account_id, [SyncState.FAILED])
    assert run_once(app) == (3, 3)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(MANAGERS)
    text, _html = _parts(mailbox.to("owner@example.jp")[0])
    assert ACCOUNT_NAMES[0] in text and f"/accounts/{account_id}/log" in text
    with db() as s:  # a fourth failure is the same streak
        _runs(s, account_id, [SyncState.FAILED])
    assert run_once(app) == (0, 0)
    with db() as s:  # a success, then three failures: a new streak
        _runs(s, account_id, [SyncState.DONE] + [SyncState.FAILED] * 3)
    assert run_once(app) == (3, 3)


def test_an_smtp_failure_keeps_the_notice_for_a_retry(db, tmp_path, mailbox):
    closed = create_app(portal_config(tmp_path, MAIL_HOST="127.0.0.1", MAIL_PORT=9,
                                      MAIL_SECURITY="none", MAIL_TIMEOUT=2),
                        instance_path=str(tmp_path / "instance"))
    try:
        with Session(closed.extensions["db_engine"]) as s:
            make_office(s, members=MEMBERS[:1])
        assert run_once(closed) == (1, 0)
        with Session(closed.extensions["db_engine"]) as s:
            [notice] = s.exec(select(Notice)).all()
            assert notice.state == NoticeState.PENDING and notice.attempts == 1
            assert notice.last_error and notice.claimed_until is not None  # retried later
            retry_at = notice.claimed_until
        # Once due again, with the server answering, it goes out, once.
        closed.config.update(mailbox.settings())
        assert run_once(closed, now=retry_at + timedelta(seconds=1)) == (0, 1)
        assert run_once(closed) == (0, 0)
        with Session(closed.extensions["db_engine"]) as s:
            [notice] = s.exec(select(Notice)).all()
            assert notice.state == NoticeState.SENT and notice.attempts == 2
        assert [m["To"] for m in mailbox.messages] == ["owner@example.jp"]
    finally:
        closed.extensions["db_engine"].dispose()


def test_a_long_import_mails_its_user_and_a_quick_one_does_not(db, app, mailbox):
    with db() as s:
        office = make_office(s, days_left=60, members=MEMBERS[:1])
        user_id = office.users["owner@example.jp"]
        for task_id, seconds in (("quick", 5), ("slow", 75)):
            notifications.long_task_finished(
                s, user_id=user_id, office_id=office.office_id, task="import", task_id=task_id,
                seconds=seconds, summary={"added": 120, "held": 3, "errors": 0}, threshold_seconds=60)
    run_once(app)
    [mail] = mailbox.messages
    text, _html = _parts(mail)
    assert "120" in text and "取り込み" in mail["Subject"]


def test_an_unsubscribe_token_is_bound_to_its_user_and_kind(app):
    from portal.notice_mail import read_unsubscribe_token

    token = unsubscribe_token(app, 7, NoticeKind.SYNC_FAILING)
    assert read_unsubscribe_token(app, token) == (7, NoticeKind.SYNC_FAILING)
    assert read_unsubscribe_token(app, token[:-1] + ("x" if token[-1] != "x" else "y")) is None
