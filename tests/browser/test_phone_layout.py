"""Every page of the walkthroughs fits a 360 px phone, and what a thumb taps is big enough.

A small phone (360×740) is narrower than the walkthroughs' phone (390×844): no page may scroll
sideways there. Tap targets in the top bar and an account row are at least 44×44 CSS px
(WCAG 2.5.5's size; text links inside sentences are exempt).
"""
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.site_tour import ANONYMOUS_PAGES, log_in, set_up_office, signed_in_pages

pytestmark = pytest.mark.browser

SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
               "device_scale_factor": 2, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}
MIN_TAP = 44
# Screenshots of each page for a human to look at (optional): TSUNAGU_LAYOUT_SHOTS=<a folder>
SHOTS = os.environ.get("TSUNAGU_LAYOUT_SHOTS")

WIDTHS = """() => ({scroll: document.documentElement.scrollWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))})"""


@pytest.fixture
def small_phone(browser):
    context = browser.new_context(**SMALL_PHONE)
    yield context
    context.close()


def _fits(page: Page, name: str) -> str | None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        height = min(2000, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(path=f"{SHOTS}/360-{name}.png", full_page=True, animations="disabled",
                        clip={"x": 0, "y": 0, "width": 360, "height": height})
    w = page.evaluate(WIDTHS)
    if w["scroll"] <= SMALL_PHONE["viewport"]["width"]:
        return None
    return f"{name}: scrollWidth {w['scroll']} px; wider than the viewport: {w['wide']}"


def test_every_page_fits_a_360px_phone(small_phone, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    anonymous = small_phone.new_page()
    too_wide = []
    for name, path in ANONYMOUS_PAGES:
        anonymous.goto(live_portal.url + path)
        too_wide.append(_fits(anonymous, name))
    page = small_phone.new_page()
    log_in(page, live_portal)
    for name, path in signed_in_pages(office):
        page.goto(live_portal.url + path)
        expect(page.locator("main")).to_be_visible()
        too_wide.append(_fits(page, name))
    # The open menus fit too: [口座] and [記帳] in the top bar, [v] of an account row.
    page.goto(live_portal.url + "/")
    menus = page.locator(".topbar details.dropdown")
    for i in range(menus.count()):
        menus.nth(i).locator("summary").click()
        too_wide.append(_fits(page, f"top-menu-{i}-open"))
        page.keyboard.press("Escape")
    page.locator(f"#account-{office.synced} details.row-menu summary").click()
    too_wide.append(_fits(page, "row-menu-open"))
    assert not [p for p in too_wide if p], "\n".join(p for p in too_wide if p)


def _small_targets(locator, *, square: bool = False) -> list[str]:
    small = []
    for i in range(locator.count()):
        el = locator.nth(i)
        if not el.is_visible():
            continue
        box = el.bounding_box()
        if box["height"] < MIN_TAP or (square and box["width"] < MIN_TAP):
            label = el.get_attribute("aria-label") or el.inner_text().strip()
            small.append(f"{label!r}: {box['width']:.0f}×{box['height']:.0f}")
    return small


def test_top_bar_and_account_row_tap_targets_are_44px(small_phone, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    page = small_phone.new_page()
    log_in(page, live_portal)
    top = page.locator("header.topbar")
    small = _small_targets(top.locator("a, button, summary"))
    menus = top.locator("details.dropdown")  # [口座], [記帳]
    for i in range(menus.count()):
        menus.nth(i).locator("summary").click()
        small += _small_targets(menus.nth(i).locator(".dropdown-body a"))
        page.keyboard.press("Escape")

    row = page.locator(f"#account-{office.synced}")
    mark = row.get_by_role("link", name="トラブルシューティング")  # the [!] mark
    expect(mark).to_be_visible()
    small += _small_targets(mark, square=True)
    small += _small_targets(row.locator("details.row-menu > summary"), square=True)  # [v]
    small += _small_targets(row.locator("button, a.button"))
    row.locator("details.row-menu > summary").click()
    menu_links = row.locator(".dropdown-body a, .dropdown-body button")
    expect(menu_links.first).to_be_visible()
    small += _small_targets(menu_links)
    unlinked = page.locator(f"#account-{office.unlinked}")
    small += _small_targets(unlinked.locator("button, a.button, summary"))
    assert not small, "tap targets under 44 px: " + "; ".join(small)
