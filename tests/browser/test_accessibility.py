"""Accessibility: axe-core on every page of the walkthroughs, desktop and phone, and the keyboard.

axe-core (tests/browser/vendor/, see its README) is evaluated in the page through Playwright,
which the portal's CSP (script-src 'self') does not stop, so the pages are checked with their
real CSP on. Any violation of impact "serious" or "critical" fails; the message lists every
violation found, with its rule id and the elements.
"""
import re
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.site_tour import ANONYMOUS_PAGES, log_in, set_up_office, signed_in_pages

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")), summary: v.nodes[0] && v.nodes[0].failureSummary}));
}"""


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page, where: str) -> list[str]:
    """Every violation axe finds on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    found = []
    for v in page.evaluate(RUN_AXE):
        why = (v["summary"] or "").splitlines()[1:2]  # e.g. the contrast ratio axe measured
        found.append(f"[{where}] {v['impact']} {v['id']}: {v['help']} — {v['targets'][:6]}"
                     + (f" · {why[0].strip()}" if why else ""))
    return found


class Audit:
    def __init__(self, page: Page):
        self.page, self.found = page, []

    def __call__(self, where: str) -> None:
        self.found += axe_violations(self.page, where)

    def assert_clean(self) -> None:
        failing = [v for v in self.found if v.split("] ", 1)[1].split(" ", 1)[0] in FAILING_IMPACTS]
        assert not failing, (f"{len(failing)} serious/critical axe violations; all found:\n"
                             + "\n".join(self.found))


def test_axe_finds_nothing_serious_on_any_page(page: Page, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    audit = Audit(page)
    for name, path in ANONYMOUS_PAGES:
        page.goto(live_portal.url + path)
        audit(name)
    # A failed sign-up: the errors next to their fields.
    page.goto(live_portal.url + "/signup")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator(".field.has-error").first).to_be_visible()
    audit("signup-errors")

    log_in(page, live_portal)
    for name, path in signed_in_pages(office):
        page.goto(live_portal.url + path)
        audit(name)

    # The states htmx and the menus bring in.
    page.goto(live_portal.url + "/")
    menus = page.locator(".topbar details.dropdown")  # [口座], [記帳]
    for i in range(menus.count()):
        menus.nth(i).locator("summary").click()
        audit(f"top-menu-{i}-open")
        page.keyboard.press("Escape")
    page.locator(f"#account-{office.synced} details.row-menu summary").click()
    expect(page.locator(f"#account-{office.synced} .dropdown-body")).to_be_visible()
    audit("row-menu-open")
    page.goto(live_portal.url + "/accounts/new")
    page.get_by_label("金融機関を検索").fill("みずほ")
    expect(page.locator("#bank-results").get_by_role("link", name=re.compile("^みずほ銀行"))).to_be_visible()
    audit("search-results")
    page.goto(live_portal.url + f"/accounts/{office.unlinked}/settings")
    page.get_by_role("link", name="他の口座のログイン情報を利用する").click()
    expect(page.locator("#login-picker").get_by_role("radio").first).to_be_visible()
    audit("login-picker")
    page.get_by_label("口座名").fill("")
    page.get_by_role("button", name="口座を保存する").click()
    expect(page.locator(".field.has-error")).to_be_visible()
    audit("settings-errors")
    audit.assert_clean()


# --- the keyboard ---------------------------------------------------------------------

FOCUSED = """() => { const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), text: (e.innerText || e.value || '').trim(),
          row: e.closest('article.account-row') ? e.closest('article.account-row').id : null,
          summary: e.tagName === 'SUMMARY' && !!e.closest('details.row-menu')}; }"""


@pytest.mark.parametrize("viewport_name", ["desktop"])
def test_tab_reaches_sync_now_before_the_row_menu(page: Page, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    page.goto(live_portal.url + "/")
    row_id = f"account-{office.synced}"
    order = []
    for _ in range(60):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        if f["row"] == row_id:
            order.append("[v]" if f["summary"] else f["text"])
            if f["summary"]:
                break
    assert "[v]" in order, f"Tab never reached the row's [v]: {order}"
    assert "今すぐ同期" in order and order.index("今すぐ同期") < order.index("[v]"), order


@pytest.mark.parametrize("viewport_name", ["desktop"])
def test_escape_and_a_click_outside_close_the_menus(page: Page, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    page.goto(live_portal.url + "/")
    for details in (page.locator(".topbar details.office-switcher"),  # [山田商店] (the office)
                    page.locator(".topbar details.dropdown").nth(1),  # [口座]
                    page.locator(".topbar details.dropdown").nth(2),  # [記帳]
                    page.locator(f"#account-{office.synced} details.row-menu")):  # [v]
        summary = details.locator("summary")
        summary.click()
        expect(details).to_have_attribute("open", "")
        page.keyboard.press("Tab")  # into the menu
        expect(details.locator(".dropdown-body a, .dropdown-body button").first).to_be_focused()
        page.keyboard.press("Escape")
        expect(details).not_to_have_attribute("open", re.compile(".*"))
        expect(summary).to_be_focused()

        summary.click()
        expect(details).to_have_attribute("open", "")
        size = page.viewport_size  # a click outside the menu: the page's far corner
        page.mouse.click(size["width"] - 4, size["height"] - 4)
        expect(details).not_to_have_attribute("open", re.compile(".*"))


@pytest.mark.parametrize("viewport_name", ["desktop"])
def test_a_failed_settings_submit_focuses_the_field_and_names_its_error(page: Page, live_portal,
                                                                        sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    page.goto(live_portal.url + f"/accounts/{office.synced}/settings")
    name = page.get_by_label("口座名")
    name.fill("")
    page.get_by_role("button", name="口座を保存する").click()
    error = page.locator(".field.has-error .error")
    expect(error).to_have_text("口座名を入力してください。")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    described_by = name.get_attribute("aria-describedby")
    assert described_by, "the field names no description"
    assert error.get_attribute("id") in described_by.split()
    # What a screen reader reads with the field: its accessible description is the error.
    expect(name).to_have_accessible_description("口座名を入力してください。")


@pytest.mark.parametrize("viewport_name", ["phone"])
def test_a_failed_sign_up_focuses_the_first_field_with_an_error(page: Page, live_portal):
    page.goto(live_portal.url + "/signup")
    page.get_by_label("事業所名").fill("山田商店")
    page.get_by_label("メールアドレス").fill("not an address")
    page.get_by_role("button", name="登録する").click()
    email = page.get_by_label("メールアドレス")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_be_focused()  # the first field with an error, not 事業所名 before it
    expect(page.get_by_label("事業所名")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("パスワード", exact=True)).to_have_attribute("aria-invalid", "true")


# --- non-text contrast (WCAG 1.4.11), which axe does not check ------------------------

CONTRAST = """([el, what]) => {
  const rgba = c => c.match(/[\\d.]+/g).map(Number);
  const lum = c => 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
  const ch = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                            return (x + 0.05) / (y + 0.05); };
  const background = e => {  // the first opaque background behind e
    for (let p = e; p; p = p.parentElement) {
      const c = rgba(getComputedStyle(p).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const style = getComputedStyle(el);
  if (what === "border") return ratio(rgba(style.borderTopColor), background(el.parentElement));
  if (what === "fill") return ratio(rgba(style.backgroundColor), background(el.parentElement));
  return ratio(rgba(style.color), background(el));  // "text"
}"""


def contrast(locator, what: str) -> float:
    return round(locator.evaluate(f"el => ({CONTRAST})([el, {what!r}])"), 2)


@pytest.mark.parametrize("viewport_name", ["desktop"])
def test_field_borders_and_the_mark_stand_out(page: Page, live_portal, sandbox, db):
    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    low = []
    for path in (f"/accounts/{office.synced}/settings", "/accounts/new"):
        page.goto(live_portal.url + path)
        fields = page.locator("main input:visible:not([type=hidden]):not([type=radio]):not([type=checkbox])")
        expect(fields.first).to_be_visible()
        for i in range(fields.count()):
            if (r := contrast(fields.nth(i), "border")) < 3:
                low.append(f"{path} field {fields.nth(i).get_attribute('name')}: border {r}:1")
    page.goto(live_portal.url + "/")
    row = page.locator(f"#account-{office.synced}")
    expect(row.get_by_role("link", name="トラブルシューティング")).to_be_visible()
    mark = row.locator(".alert-mark > span, .alert-mark:not(:has(> span))")  # the drawn circle
    if (r := contrast(mark, "fill")) < 3:
        low.append(f"[!] against the row: {r}:1")
    if (r := contrast(mark, "text")) < 4.5:
        low.append(f"[!]'s text: {r}:1")
    if (r := contrast(row.locator("details.row-menu > summary"), "border")) < 3:
        low.append(f"[v]'s border: {r}:1")
    assert not low, "; ".join(low)
