"""In Chromium, desktop and phone: an account switched from its bank's CSV to the API shows, on
its statements page, the one day of the overlap where the file lacks a row the bank has."""
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from portal.dates import today_jst
from tests.browser.site_tour import log_in
from tests.browser.test_accessibility import FAILING_IMPACTS, axe_violations
from tests.integration.test_legacy_switch import (
    BANK,
    FILE_DAYS,
    LOGIN,
    OVERLAP_DAYS,
    consent_and_first_sync,
    import_csv,
    legacy_csv,
)
from tests.support.flows import PortalUser


def test_the_day_the_file_lacks_is_shown_on_the_statements_page(page: Page, live_portal, sandbox, db,
                                                                viewport_name):
    today = today_jst()
    bank_user = sandbox.admin("GET", f"/banks/{BANK}/_sandbox/users/{LOGIN}").json()
    remote_id = bank_user["accounts"][0]["accountId"]
    truth = sandbox.admin("GET", f"/banks/{BANK}/_sandbox/ground-truth/{remote_id}").json()["transactions"]
    held = [t for t in truth if date.fromisoformat(t["transactionDate"]) >= today - timedelta(days=FILE_DAYS)]
    missing = next(t for t in held if t.get("remarks") and
                   date.fromisoformat(t["transactionDate"]) >= today - timedelta(days=OVERLAP_DAYS - 5))
    user = PortalUser(live_portal).signup()
    account_id = user.register(BANK, kind="manual:personal", name="佐藤 普通預金")
    import_csv(user, account_id, legacy_csv([t for t in held if t is not missing], set()))
    assert user.post(f"/accounts/{account_id}/switch").status_code == 303
    consent_and_first_sync(user, db, account_id, remote_id)

    log_in(page, live_portal)
    page.goto(f"{live_portal.url}/accounts/{account_id}/statements")
    alert = page.locator(".day-mismatches")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("明細ファイルと銀行の明細が一致しない日があります")
    missing_day = date.fromisoformat(missing["transactionDate"])
    expect(alert.get_by_role("listitem")).to_have_count(1)
    expect(alert.get_by_role("listitem")).to_contain_text(f"{missing_day:%Y/%m/%d}")
    # It fits the screen it is on (a 390 px phone included) and axe finds nothing serious.
    box = alert.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    serious = [v for v in axe_violations(page, f"statements, switched ({viewport_name})")
               if v.split()[1] in FAILING_IMPACTS]
    assert serious == []
