"""Every page of the two walkthroughs, for the checks that look at all of them (the phone
layout, accessibility): an office set up over plain HTTP, then the pages visited in Chromium.

    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    for name, path in signed_in_pages(office): page.goto(live_portal.url + path)
"""
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.dates import utcnow
from portal.models import Account, RemoteAccount, SyncRun
from portal.models.vocabulary import SyncState, SyncTrigger
from tests.support.flows import PortalUser

EMAIL, PASSWORD = "owner@example.jp", "correct horse 1"


@dataclass
class Office:
    synced: int  # linked and synced twice: the second sync found unlinked accounts, so [!] shows
    unlinked: int  # registered, not yet sent to the bank (its row offers the bank's auth page)
    manual: int  # a 手動 account
    user: PortalUser  # the same office over plain HTTP, e.g. a second tab


def set_up_office(portal, sandbox, db) -> Office:
    """Walkthrough 1 and the first step of walkthrough 2, over HTTP (a few seconds)."""
    user = PortalUser(portal, EMAIL, PASSWORD).signup()
    synced = user.register("0001")
    assert user.consent(synced).status_code == 303
    user.sync(synced)
    assert user.wait_state(synced, "needs_selection") == "needs_selection"
    with db() as s:
        conn_id = s.get(Account, synced).connection_id
        remote = s.exec(select(RemoteAccount).where(RemoteAccount.connection_id == conn_id)
                        .order_by(RemoteAccount.id)).first()
    assert user.post(f"/accounts/{synced}/select", {"remote_account": str(remote.id)}).status_code == 303
    assert user.wait_state(synced, "done", "failed") == "done"
    with db() as s:  # a failed run, so the sync log shows its longest 結果 text;
        # before the last sync, whose notice puts the [!] mark on the row
        account = s.get(Account, synced)
        now = utcnow()
        s.add(SyncRun(office_id=account.office_id, account_id=synced, trigger=SyncTrigger.SCHEDULE,
                      state=SyncState.FAILED, error_code="bank_unavailable", created_at=now,
                      started_at=now - timedelta(seconds=3), finished_at=now))
        s.commit()
    user.sync(synced)  # walkthrough 2, step 1: the sync that shows the [!] mark
    assert user.wait_state(synced, "done", "failed") == "done"
    unlinked = user.register("0001", name="B口座")
    manual = user.register("0005", kind="manual:corporate", name="手動の口座")
    return Office(synced, unlinked, manual, user)


def log_in(page: Page, portal) -> None:
    page.goto(portal.url + "/login")
    page.get_by_label("メールアドレス").fill(EMAIL)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()


def signed_in_pages(office: Office) -> list[tuple[str, str]]:
    a, b, m = office.synced, office.unlinked, office.manual
    return [
        ("home", "/"),
        ("accounts", "/accounts/"),
        ("search", "/accounts/new?q=%E3%81%BF%E3%81%9A%E3%81%BB"),  # みずほ
        ("kind", "/accounts/new/0001"),
        ("registered", f"/accounts/{b}/registered"),
        ("notes", f"/accounts/{b}/connect"),
        ("settings", f"/accounts/{a}/settings"),
        ("settings-picker", f"/accounts/{b}/settings?pick=1"),
        ("troubleshooting", f"/accounts/{a}/troubleshooting"),
        ("select", f"/accounts/{a}/select"),
        ("statements", f"/accounts/{a}/statements"),
        ("statements-new", f"/accounts/{m}/statements/new"),
        ("import", f"/accounts/{m}/import"),
        ("sync-log", f"/accounts/{a}/log"),
        ("disconnect", f"/accounts/{a}/disconnect"),
        ("reauth", "/reauth/"),
        ("not-found", "/no-such-page"),
    ]


ANONYMOUS_PAGES = [("login", "/login"), ("signup", "/signup"), ("not-found-anonymous", "/no-such-page")]
