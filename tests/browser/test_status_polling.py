"""Home polls once per interval for all its syncing rows, in real Chromium: two rows sync, the
page sends one poll request a second (not one per row), the rows reach their final state by
themselves, and the polling stops. No scheduler runs: the test works the syncs off itself."""
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.jobs import run_pending
from portal.models import Account, RemoteAccount
from tests.support.flows import PortalUser

pytestmark = pytest.mark.browser

POLL = "/sync-status"
NO_RELOAD = "() => window.__tsunaguNoReload"
SET_NO_RELOAD = "() => { window.__tsunaguNoReload = 'still the same document'; }"


def two_syncing_accounts(portal, db) -> tuple[PortalUser, int, int]:
    """A, its bank-side account chosen: its sync ends done. B, on the same consent with none
    chosen: its sync ends asking for one. Both left queued."""
    user = PortalUser(portal).signup()
    a = user.register("0001")
    assert user.consent(a).status_code == 303
    user.sync(a)
    assert run_pending(portal.app) == 1  # the consent sees several bank-side accounts
    with db() as s:
        conn_id = s.get(Account, a).connection_id
        remotes = s.exec(select(RemoteAccount).where(RemoteAccount.connection_id == conn_id)
                         .order_by(RemoteAccount.id)).all()
    assert len(remotes) >= 3
    assert user.post(f"/accounts/{a}/select", {"remote_account": str(remotes[0].id)}).status_code == 303
    b = user.register("0001", name="B口座")
    with db() as s:
        s.get(Account, b).connection_id = conn_id
        s.commit()
    user.sync(b)
    return user, a, b


def log_in(page: Page, portal, user: PortalUser) -> None:
    page.goto(portal.url + "/login")
    page.get_by_label("メールアドレス").fill(user.email)
    page.get_by_label("パスワード", exact=True).fill(user.password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()


def wait_for_requests(page: Page, seen: list, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        assert time.monotonic() < deadline, f"{len(seen)} of {count} requests in {timeout} s"
        page.wait_for_timeout(100)  # lets Playwright deliver the request events


@pytest.mark.portal_config(SCHEDULER_ENABLED=False)
def test_one_poll_a_second_for_two_syncing_rows_until_both_end(page: Page, live_portal, db):
    user, a, b = two_syncing_accounts(live_portal, db)
    polls, row_polls = [], []

    def on_request(request):
        path = urlsplit(request.url).path
        if path == POLL:
            polls.append((time.monotonic(), parse_qs(urlsplit(request.url).query).get("row", [])))
        elif path.startswith("/accounts/") and path.endswith("/status"):
            row_polls.append(path)

    page.on("request", on_request)
    log_in(page, live_portal, user)
    page.evaluate(SET_NO_RELOAD)
    row_a, row_b = page.locator(f"#account-{a}"), page.locator(f"#account-{b}")
    for row in (row_a, row_b):
        expect(row.locator(".state-text.running")).to_contain_text("同期待ち")
        expect(row.locator(".account-state")).to_have_attribute("aria-live", "polite")

    # Nothing changes while the runs wait: the page asks once a second, for both rows at once.
    wait_for_requests(page, polls, 4)
    times = [t for t, _ in polls]
    # One poller: a second apart on average, and never two requests close together (a
    # busy machine may send one a little late and the next a little early, not at once).
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert sum(gaps) / len(gaps) > 0.8 and min(gaps) > 0.5, times
    assert all({v.split(".")[0] for v in sent} == {str(a), str(b)} for _, sent in polls), polls
    assert row_polls == []  # no row polls on its own

    assert run_pending(live_portal.app) == 2
    with db() as s:
        synced = s.get(Account, a)
    expect(row_a.locator(".state-text.ok")).to_contain_text("同期完了", timeout=20_000)
    expect(row_a.locator(".count")).to_have_text(re.compile(rf"(^|\D)({synced.statement_count:,}|"
                                                            rf"{synced.statement_count})件"))
    last_synced = row_a.locator(".account-figures > div").filter(has_text="最終同期").locator("dd")
    expect(last_synced).to_have_text(re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}$"))
    expect(row_b.get_by_role("link", name="口座を選択してください")).to_be_visible(timeout=20_000)
    assert page.evaluate(NO_RELOAD) == "still the same document", "the page was reloaded"

    # Nothing syncs: the poll took its trigger away, and no request follows.
    expect(page.locator("#sync-poll")).not_to_have_attribute("hx-trigger", re.compile("."))
    after = len(polls)
    page.wait_for_timeout(2500)  # an observation window: two intervals without a request
    assert len(polls) == after and row_polls == []
