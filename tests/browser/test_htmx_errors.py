"""htmx 2 swaps no 4xx by default: the portal's meta htmx-config swaps the 4xx answers that
carry a fragment for the user (409, 400, 422) and static/tsunagu.js keeps whole error pages out.
"""
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.models import SyncRun
from portal.models.vocabulary import ACTIVE_SYNC_STATES
from tests.browser.site_tour import log_in, set_up_office

pytestmark = pytest.mark.browser

NOT_LINKED = "この口座は銀行と連携していません。"
SET_NO_RELOAD = "() => { window.__tsunaguNoReload = 'still the same document'; }"
NO_RELOAD = "() => window.__tsunaguNoReload"


def test_sync_now_after_the_consent_ended_says_why_in_the_row(page: Page, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    row = page.locator(f"#account-{office.synced}")
    sync_now = row.locator(".account-state").get_by_role("button", name="今すぐ同期", exact=True)
    expect(sync_now).to_be_visible()

    # Meanwhile, in another tab (the same office over HTTP), 連携解除 ends the consent.
    assert office.user.post(f"/accounts/{office.synced}/disconnect").status_code == 303

    page.evaluate(SET_NO_RELOAD)
    with page.expect_response(lambda r: r.url.endswith(f"/accounts/{office.synced}/sync")) as answer:
        sync_now.click()
    assert answer.value.status == 409
    expect(row.get_by_role("alert")).to_have_text(NOT_LINKED)  # swapped in by htmx
    expect(row.get_by_role("link", name="みずほ銀行の認証ページへ")).to_be_visible()
    expect(row.get_by_role("button", name="今すぐ同期")).to_have_count(0)
    assert page.evaluate(NO_RELOAD) == "still the same document", "the page was reloaded"
    with db() as s:  # refused: nothing was queued for the ended consent
        assert not s.exec(select(SyncRun).where(SyncRun.account_id == office.synced,
                                                SyncRun.state.in_(ACTIVE_SYNC_STATES))).all()


@pytest.mark.parametrize("viewport_name", ["desktop"])
def test_an_error_page_is_not_swapped_into_the_row(page: Page, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    row = page.locator(f"#account-{office.synced}")
    sync_now = row.locator(".account-state").get_by_role("button", name="今すぐ同期", exact=True)
    # As if the session's CSRF token had gone stale: the portal answers 400 with its error page.
    page.evaluate("""() => {
      document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'stale'}));
      document.querySelectorAll('input[name=csrf_token]').forEach(i => { i.value = 'stale'; });
    }""")
    with page.expect_response(lambda r: r.url.endswith(f"/accounts/{office.synced}/sync")) as answer:
        sync_now.click()
    assert answer.value.status == 400 and "<html" in answer.value.text().lower()
    expect(page.locator("header.topbar")).to_have_count(1)  # no second page inside the row
    expect(row).not_to_contain_text("フォームの有効期限が切れた")
    expect(sync_now).to_be_visible()
