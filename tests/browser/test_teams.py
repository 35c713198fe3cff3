"""Teams in Chromium, with a real SMTP server catching the portal's mails:

- an owner invites a bookkeeper and a viewer from the members page; each opens the link in
  the mail, makes a password, and sees exactly what the role allows (the controls of other
  roles are not there, and their addresses answer 403);
- an accountant who is a member of three offices moves between them with the switcher in the
  top bar and the overview of every office;
- a member removed from the only office they had signs in to a page that says so, makes an
  office of their own there, and deletes it again (事業所の削除, after typing its name);
- a consent set to expire in 6 days gives exactly one mail to each owner and admin while the
  portal's own scheduler and two more `flask notices run` processes all look for it.

The account is linked over plain HTTP (the walkthrough tests click that part).
"""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.dates import utcnow
from portal.models import Account, BankConnection, RemoteAccount
from tests.browser.conftest import Shots
from tests.browser.test_accessibility import FAILING_IMPACTS, axe_violations
from tests.support.flows import PortalUser, wait_for
from tests.support.live_portal import serve_portal
from tests.support.notice_runs import run_notices_together
from tests.support.team import LINK_RE

pytestmark = pytest.mark.browser

PASSWORD = "correct horse 1"
MEMBER_PASSWORD = "orange kettle ride 42"
FORBIDDEN = "この操作を行う権限がありません"


@pytest.fixture
def portal(tmp_path, sandbox, mailbox):
    # Sign-up stays immediate (no confirmation mail); the notices job runs every second, so
    # the portal's own scheduler is one more process looking for the same events.
    with serve_portal(tmp_path, sandbox, SIGNUP_CONFIRM_BY_MAIL=False, NOTICE_CHECK_SECONDS=1,
                      **mailbox.settings()) as live:
        live.app.config["PUBLIC_URL"] = live.url
        yield live


def link_account(user: PortalUser, db, name: str) -> int:
    """An API account consented at the sandbox (as yamada), its first account picked, synced."""
    account_id = user.register("0001", name=name)
    assert user.consent(account_id).status_code == 303
    user.sync(account_id)
    if user.wait_state(account_id, "needs_selection", "done") == "needs_selection":
        with db() as s:
            conn_id = s.get(Account, account_id).connection_id
            remote = s.exec(select(RemoteAccount).where(RemoteAccount.connection_id == conn_id)
                            .order_by(RemoteAccount.id)).first()
        assert user.post(f"/accounts/{account_id}/select",
                         {"remote_account": str(remote.id)}).status_code == 303
    assert user.wait_state(account_id, "done", "failed") == "done"
    return account_id


def log_in(page: Page, url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(url + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()


def open_office_menu(page: Page) -> None:
    page.locator("details.office-switcher > summary").click()


def invite(page: Page, email: str, role_label: str) -> None:
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_role("radio", name=re.compile(f"^{role_label}")).check()
    page.get_by_role("button", name="招待する", exact=True).click()
    expect(page.get_by_role("cell", name=email)).to_be_visible()


def invitation_link(mailbox, email: str) -> str:
    mail = wait_for(lambda: mailbox.to(email), timeout=10, message=f"invitation to {email}")[-1]
    assert mail.get_body(preferencelist=("html",)) is not None  # text and HTML
    return LINK_RE.search(mail.get_body(preferencelist=("plain",)).get_content()).group(0)


def assert_accessible(page: Page, where: str) -> None:
    found = axe_violations(page, where)
    assert not [v for v in found if v.split("] ", 1)[1].split(" ", 1)[0] in FAILING_IMPACTS], found


def join_with_new_password(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="事業所への招待")).to_be_visible()
    assert_accessible(page, "invitation")
    page.get_by_label("パスワード", exact=True).fill(MEMBER_PASSWORD)
    page.get_by_label("パスワード(確認)").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="参加する").click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()


def expect_forbidden(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 403
    expect(page.get_by_role("alert")).to_contain_text(FORBIDDEN)


def test_an_owner_invites_a_bookkeeper_and_a_viewer(page: Page, browser, browser_context_args,
                                                     portal, db, mailbox, shots):
    owner = PortalUser(portal).signup(office="山田商店")
    account_id = link_account(owner, db, "山田の普通預金")
    log_in(page, portal.url, owner.email)
    open_office_menu(page)
    page.get_by_role("link", name="メンバー").click()
    expect(page.get_by_role("heading", name="メンバー", exact=True)).to_be_visible()
    invite(page, "keiri@example.jp", "記帳担当")
    invite(page, "miru@example.jp", "閲覧のみ")
    shots(40, "members")

    def member_page():
        context = browser.new_context(**browser_context_args)
        return context, context.new_page()

    # The bookkeeper: statements, syncing and bookkeeping; no bank links or consents.
    context, keiri = member_page()
    join_with_new_password(keiri, invitation_link(mailbox, "keiri@example.jp"))
    row = keiri.locator(f"#account-{account_id}")
    expect(row.get_by_role("button", name="今すぐ同期")).to_be_visible()
    keiri.goto(f"{portal.url}/accounts/{account_id}/statements")
    expect(keiri.get_by_role("link", name="手動で取引を登録する")).to_be_visible()
    expect(keiri.get_by_role("link", name="口座設定")).to_have_count(0)
    expect_forbidden(keiri, f"{portal.url}/accounts/{account_id}/settings")
    expect_forbidden(keiri, f"{portal.url}/accounts/new")
    assert_accessible(keiri, "forbidden")
    expect_forbidden(keiri, f"{portal.url}/office/members")
    context.close()

    # The viewer: reads everything, changes nothing.
    context, miru = member_page()
    join_with_new_password(miru, invitation_link(mailbox, "miru@example.jp"))
    row = miru.locator(f"#account-{account_id}")
    expect(row).to_contain_text("山田の普通預金")
    expect(row.get_by_role("button", name="今すぐ同期")).to_have_count(0)
    miru.goto(f"{portal.url}/accounts/{account_id}/statements")
    expect(miru.locator("table tbody tr").first).to_be_visible()  # the statements are there
    expect(miru.get_by_role("link", name="手動で取引を登録する")).to_have_count(0)
    Shots(miru, shots.viewport)(41, "viewer-statements")
    expect_forbidden(miru, f"{portal.url}/accounts/{account_id}/statements/new")
    expect_forbidden(miru, f"{portal.url}/books/rules/new")
    context.close()

    page.reload()
    expect(page.locator("table.members").first).to_contain_text("keiri@example.jp")
    expect(page.locator("table.members").first).to_contain_text("記帳担当")
    expect(page.locator("table.members").first).to_contain_text("閲覧のみ")


def test_an_accountant_moves_between_three_offices(page: Page, portal, db, mailbox, shots):
    accountant = PortalUser(portal, email="zeirishi@example.jp").signup(office="鈴木会計事務所")
    clients = {}
    for office, email in (("山田商店", "yamada@example.jp"), ("佐藤工務店", "sato@example.jp")):
        owner = PortalUser(portal, email=email).signup(office=office)
        clients[office] = (owner, link_account(owner, db, f"{office}の口座"))
        assert owner.post("/office/members/invite", {
            "csrf_token": owner.token("/office/members"), "email": accountant.email,
            "role": "admin"}).status_code == 303
        path = LINK_RE.search(mailbox.to(accountant.email)[-1]
                              .get_body(preferencelist=("plain",)).get_content()).group(1)
        assert accountant.post(path, {"csrf_token": accountant.token(path)}).status_code == 303

    # The consent of 山田商店 ends in 6 days: one mail to each of its owner and admin, however
    # many processes look (the portal's scheduler every second, and two more at once).
    yamada_owner, yamada_account = clients["山田商店"]
    with db() as s:
        conn = s.get(BankConnection, s.get(Account, yamada_account).connection_id)
        conn.consent_expires_at = utcnow() + timedelta(days=6, hours=1)
        s.add(conn)
        s.commit()
    results = run_notices_together(portal.app.config, mailbox, Path(portal.app.instance_path), 2)
    assert all(code == 0 for _out, code in results), results

    def consent_mails(email):
        return [m for m in mailbox.to(email) if "認証" in m["Subject"] and "招待" not in m["Subject"]]

    wait_for(lambda: consent_mails(yamada_owner.email) and consent_mails(accountant.email),
             timeout=15, message="the consent mails")
    assert [len(consent_mails(e)) for e in (yamada_owner.email, accountant.email)] == [1, 1]
    assert not consent_mails(clients["佐藤工務店"][0].email)
    text = consent_mails(accountant.email)[0].get_body(preferencelist=("plain",)).get_content()
    assert "山田商店の口座" in text and "/reauth/" in text

    log_in(page, portal.url, accountant.email)
    expect(page.locator("details.office-switcher > summary")).to_contain_text("鈴木会計事務所")
    open_office_menu(page)
    page.get_by_role("button", name="山田商店").click()
    expect(page.get_by_role("status").filter(has_text="「山田商店」に切り替えました")).to_be_visible()
    expect(page.locator(f"#account-{yamada_account}")).to_be_visible()
    shots(42, "switched")

    open_office_menu(page)
    page.get_by_role("link", name="事業所の一覧").click()
    expect(page.get_by_role("heading", name="事業所の一覧")).to_be_visible()
    table = page.locator("table.offices-overview")
    expect(table.locator("tbody tr")).to_have_count(3)
    yamada_row = table.locator("tbody tr", has_text="山田商店")
    expect(yamada_row.locator("td").nth(2)).to_have_text("1")  # expiring within 30 days
    shots(43, "overview")
    assert_accessible(page, "overview")
    # A figure goes into its office, on the page it counts.
    table.locator("tbody tr", has_text="佐藤工務店").locator("td").nth(1).get_by_role("button").click()
    expect(page.get_by_role("heading", name="口座の一覧・登録")).to_be_visible()
    expect(page.locator("details.office-switcher > summary")).to_contain_text("佐藤工務店")
    expect(page.get_by_text("佐藤工務店の口座")).to_be_visible()
    expect(page.get_by_text("山田商店の口座")).to_have_count(0)


def test_a_member_removed_from_their_only_office_starts_one_and_deletes_it(
        page: Page, browser, browser_context_args, portal, mailbox, shots):
    """Removed from the only office they had, a member signs in to a page that says so (not
    an error) and makes an office of their own there."""
    owner = PortalUser(portal).signup(office="山田商店")
    log_in(page, portal.url, owner.email)
    open_office_menu(page)
    page.get_by_role("link", name="メンバー").click()
    invite(page, "keiri@example.jp", "記帳担当")
    context = browser.new_context(**browser_context_args)
    keiri = context.new_page()
    join_with_new_password(keiri, invitation_link(mailbox, "keiri@example.jp"))
    keiri.get_by_role("button", name="ログアウト").click()

    page.reload()
    page.locator("table.members").first.locator("tr", has_text="keiri@example.jp").get_by_role(
        "link", name="メンバーから外す").click()
    page.get_by_role("button", name="メンバーから外す").click()
    expect(page.locator("table.members").first).not_to_contain_text("keiri@example.jp")

    keiri.set_viewport_size({"width": 360, "height": 740} if keiri.viewport_size["width"] < 800
                            else keiri.viewport_size)
    keiri.goto(portal.url + "/login")
    keiri.get_by_label("メールアドレス").fill("keiri@example.jp")
    keiri.get_by_label("パスワード", exact=True).fill(MEMBER_PASSWORD)
    keiri.get_by_role("button", name="ログイン", exact=True).click()
    expect(keiri.get_by_role("heading", name="所属している事業所がありません")).to_be_visible()
    expect(keiri.get_by_text("keiri@example.jp は、いまどの事業所のメンバーでもありません")).to_be_visible()
    assert_accessible(keiri, "no office")
    assert keiri.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    Shots(keiri, shots.viewport)(44, "no-office")
    keiri.get_by_label("事業所名").fill("経理の事務所")
    keiri.get_by_role("button", name="事業所を作成して始める").click()
    expect(keiri.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
    expect(keiri.get_by_role("status")).to_contain_text("事業所「経理の事務所」を作成しました。")
    expect(keiri.get_by_text("山田商店")).to_have_count(0)

    # And deletes it again: the page says what goes and asks for the name first.
    open_office_menu(keiri)
    keiri.get_by_role("link", name="事業所を削除する").click()
    expect(keiri.get_by_text("事業所「経理の事務所」を削除します。元に戻せません。")).to_be_visible()
    assert_accessible(keiri, "office deletion")
    Shots(keiri, shots.viewport)(45, "office-delete")
    assert keiri.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    keiri.get_by_label("確認のため、事業所名を入力してください").fill("経理")
    keiri.get_by_role("button", name="事業所を削除する").click()
    expect(keiri.get_by_text("事業所名が違います。")).to_be_visible()
    keiri.get_by_label("確認のため、事業所名を入力してください").fill("経理の事務所")
    keiri.get_by_role("button", name="事業所を削除する").click()
    expect(keiri.get_by_role("heading", name="所属している事業所がありません")).to_be_visible()
    expect(keiri.get_by_text("事業所「経理の事務所」を削除しました。")).to_be_visible()
    context.close()
