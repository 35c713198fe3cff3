"""The two walkthroughs, clicked through in real Chromium on a desktop and a phone viewport.

Every wait is Playwright's own (auto-waiting locators, `expect(...)` with a timeout); the
rows that poll with htmx are watched until they change by themselves, without a reload.
"""
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import func, select

from portal.models import Account, RemoteAccount, Statement, SyncRun

pytestmark = pytest.mark.browser

BANK = "0001"
KIND = "みずほ銀行(個人)API"
AUTH_BUTTON = "みずほ銀行の認証ページへ"
FLASH_OK = "みずほ銀行との連携が許可されました"
EMAIL, PASSWORD = "owner@example.jp", "correct horse 1"
SYNC_TIMEOUT = 60_000  # ms; a first sync of ~1,000 statements takes a few seconds
NO_RELOAD = "() => window.__tsunaguNoReload"
SET_NO_RELOAD = "() => { window.__tsunaguNoReload = 'still the same document'; }"


def truth(sandbox, remote_id: str, since: date | None = None) -> dict:
    data = sandbox.admin("GET", f"/banks/{BANK}/_sandbox/ground-truth/{remote_id}").json()
    sign = {"1": 1, "2": -1}
    return {f"api:{t['itemKey']}": sign[t["transactionType"]] * int(t["amount"])
            for t in data["transactions"]
            if since is None or date.fromisoformat(t["transactionDate"]) >= since}


def truth_balance(sandbox, remote_id: str) -> int:
    return int(sandbox.admin("GET", f"/banks/{BANK}/_sandbox/ground-truth/{remote_id}").json()["balance"])


def ledger(db, account_id: int) -> dict:
    with db() as s:
        rows = s.exec(select(Statement.dedupe_key, Statement.amount)
                      .where(Statement.account_id == account_id)).all()
    assert len(rows) == len({k for k, _ in rows}), "duplicate statements"
    return dict(rows)


def first_window_start(db, account_id: int) -> date:
    with db() as s:
        return s.exec(select(func.min(SyncRun.date_from)).where(SyncRun.account_id == account_id)).one()


def sync_runs(db, account_id: int) -> list[SyncRun]:
    with db() as s:
        return s.exec(select(SyncRun).where(SyncRun.account_id == account_id).order_by(SyncRun.id)).all()


def remote_of(db, account_id: int) -> RemoteAccount:
    with db() as s:
        account = s.get(Account, account_id)
        assert account.remote_account_id is not None
        return s.get(RemoteAccount, account.remote_account_id)


def count_text(n: int) -> re.Pattern:
    """「1,069件」 (or 「1069件」 where a page does not group digits)."""
    return re.compile(rf"(^|\D)({n:,}|{n})件")


def account_id_from(url: str) -> int:
    m = re.search(r"/accounts/(\d+)/", url)
    assert m, url
    return int(m.group(1))


def keep_document_marker(page: Page) -> None:
    """A variable on window survives htmx swaps and disappears with a reload or navigation.

    Set once the page's load event has fired: htmx is a deferred script, and what the test
    does next (type, click a link or a button) before it has bound its handlers would go to
    the browser, not to htmx: the no-JavaScript path, a plain request and a new page (as a
    user clicking that early gets). The heading a test waits for shows before that event."""
    page.wait_for_load_state("load")
    page.evaluate(SET_NO_RELOAD)


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate(NO_RELOAD) == "still the same document", "the page was reloaded"


# --- steps -------------------------------------------------------------------------------

def sign_up(page: Page, portal, shots) -> None:
    page.goto(portal.url + "/")
    page.get_by_role("link", name="新規登録").click()
    page.get_by_label("事業所名").fill("山田商店")
    page.get_by_label("メールアドレス").fill(EMAIL)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_label("パスワード(確認)").fill(PASSWORD)
    shots(1, "signup")
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()


def register_account(page: Page, shots, name: str = "", search_shot: bool = True) -> int:
    """Menu [口座] → [口座の一覧・登録] → [銀行口座] → [銀行口座を登録する] → search → kind → 登録する."""
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_text("口座", exact=True).click()  # the <details> dropdown's summary
    entry = menu.get_by_role("link", name="口座の一覧・登録")
    expect(entry).to_be_in_viewport(ratio=1)  # the open dropdown fits the phone's width
    entry.click()
    page.get_by_role("navigation", name="口座の種類").get_by_role("link", name="銀行口座").click()
    page.get_by_role("link", name="銀行口座を登録する").click()
    expect(page.get_by_role("heading", name="銀行口座を登録する")).to_be_visible()
    # htmx active search: the results replace #bank-results in place, no reload.
    keep_document_marker(page)
    page.get_by_label("金融機関を検索").fill("みずほ")
    results = page.locator("#bank-results")
    bank_link = results.get_by_role("link", name=re.compile(r"^みずほ銀行 .*0001"))
    expect(bank_link).to_be_visible(timeout=10_000)
    assert_not_reloaded(page)
    if search_shot:
        shots(2, "search")
    bank_link.click()
    expect(page.get_by_role("heading", name="みずほ銀行", exact=True)).to_be_visible()
    page.get_by_role("radio", name=KIND, exact=True).check()
    if name:
        page.get_by_label("口座名").fill(name)
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("heading", name=re.compile("の登録が完了しました"))).to_be_visible()
    expect(page.get_by_role("link", name=AUTH_BUTTON)).to_be_visible()
    expect(page.get_by_role("link", name="手動で取引を登録する")).to_be_visible()
    return account_id_from(page.url)


def consent_at_bank(page: Page, shots) -> None:
    """Registered page → notes page → the sandbox bank's login and consent → back home."""
    page.get_by_role("link", name=AUTH_BUTTON).click()
    expect(page.get_by_role("heading", name="注意点")).to_be_visible()
    page.get_by_role("button", name=AUTH_BUTTON).click()
    expect(page.get_by_role("heading", name="インターネットバンキング ログイン")).to_be_visible()
    page.get_by_label("ログインID").fill("yamada")
    page.get_by_label("ログインパスワード").fill("password")
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", name="外部サービス連携の同意")).to_be_visible()
    expect(page.get_by_role("checkbox", name="残高照会")).to_be_checked()
    expect(page.get_by_role("checkbox", name="入出金明細照会")).to_be_checked()
    expect(page.locator(".consent-expiry")).to_have_text(re.compile(r"\d{4}年\d{2}月\d{2}日"))
    shots(4, "consent")
    page.get_by_role("button", name="同意する", exact=True).click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=FLASH_OK)).to_be_visible()


@dataclass
class Linked:
    account_id: int
    remote: RemoteAccount


def walkthrough_one(page: Page, portal, db, sandbox, shots) -> Linked:
    sign_up(page, portal, shots)
    account_id = register_account(page, shots)
    shots(3, "registered")
    consent_at_bank(page, shots)
    row = page.locator(f"#account-{account_id}")

    # [今すぐ同期]: the row polls, and the prompt is swapped in without a reload.
    keep_document_marker(page)
    row.get_by_role("button", name="今すぐ同期", exact=True).click()
    prompt = row.get_by_role("link", name="口座を選択してください")
    expect(prompt).to_be_visible(timeout=SYNC_TIMEOUT)
    assert_not_reloaded(page)
    prompt.click()

    expect(page.get_by_role("heading", name="口座の選択")).to_be_visible()
    with db() as s:
        remotes = s.exec(select(RemoteAccount).order_by(RemoteAccount.id)).all()
    assert len(remotes) >= 3
    for r in remotes:
        line = page.get_by_role("row").filter(has=page.locator(f"#remote-{r.id}"))
        for text in (r.branch_name, r.account_type_name, r.masked_number, r.account_name):
            expect(line).to_contain_text(text)
        assert r.masked_number.startswith("*")
    sizes = {r.id: len(truth(sandbox, r.remote_id)) for r in remotes}
    chosen = next(r for r in remotes if r.id == max(sizes, key=sizes.get))
    page.get_by_role("row").filter(has_text=chosen.masked_number).get_by_role("radio").check()
    shots(5, "select")
    page.get_by_role("button", name="保存", exact=True).click()

    # Home: the row polls until the sync completes, then stops with balance and count.
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
    keep_document_marker(page)
    expect(row.locator(".state-text.ok")).to_contain_text("同期完了", timeout=SYNC_TIMEOUT)
    assert_not_reloaded(page)
    expect(page.locator("#sync-poll")).not_to_have_attribute("hx-trigger", re.compile("."))  # polling stopped
    return Linked(account_id, chosen)


def check_synced(page: Page, db, sandbox, linked: Linked) -> int:
    """The row and the portal's ledger agree with the bank's ground truth; returns the count."""
    with db() as s:
        run = s.exec(select(SyncRun).where(SyncRun.account_id == linked.account_id,
                                           SyncRun.state == "done")).first()
        count, total = s.exec(select(func.count(), func.sum(Statement.amount))
                              .where(Statement.account_id == linked.account_id)).one()
    expected = truth(sandbox, linked.remote.remote_id, run.date_from)
    assert count == len(expected) >= 1000
    assert total == sum(expected.values())
    assert ledger(db, linked.account_id) == expected
    row = page.locator(f"#account-{linked.account_id}")
    expect(row.locator(".balance")).to_have_text(f"{truth_balance(sandbox, linked.remote.remote_id):,}円")
    expect(row.locator(".count")).to_have_text(count_text(count))
    return count


# --- tests -------------------------------------------------------------------------------

def test_first_walkthrough_register_consent_select_sync(page: Page, live_portal, db, sandbox, shots):
    linked = walkthrough_one(page, live_portal, db, sandbox, shots)
    count = check_synced(page, db, sandbox, linked)
    shots(6, "synced")

    # The account's name opens its statements, newest first.
    row = page.locator(f"#account-{linked.account_id}")
    row.get_by_role("link", name=KIND, exact=True).click()
    # The walkthrough's five columns, in its order; then the memo and the row's actions.
    expect(page.locator("table.statements thead th")).to_have_text(
        ["取引日", "摘要", "入金", "出金", "残高", "メモ", "操作"])
    expect(page.locator(".page-head")).to_contain_text(count_text(count))
    newest = max(date.fromisoformat(t["transactionDate"]) for t in sandbox.admin(
        "GET", f"/banks/{BANK}/_sandbox/ground-truth/{linked.remote.remote_id}").json()["transactions"])
    expect(page.locator("table.statements tbody tr").first).to_contain_text(newest.strftime("%Y/%m/%d"))
    expect(page.locator("table.statements tbody tr")).to_have_count(50)
    shots(7, "statements")


def test_second_walkthrough_share_one_consent(page: Page, live_portal, db, sandbox, shots):
    shots.enabled = False  # walkthrough 1's screens are the first test's
    first = walkthrough_one(page, live_portal, db, sandbox, shots)
    shots.enabled = True
    check_synced(page, db, sandbox, first)
    first_name = KIND  # its name was left blank: the kind's name
    b_id = register_account(page, shots, name="B口座", search_shot=False)
    c_id = register_account(page, shots, name="C口座", search_shot=False)
    page.get_by_role("link", name="ホーム", exact=True).click()

    # 1. On the synced account: [v] → [今すぐ同期]; the [!] mark appears beside its name.
    row_a = page.locator(f"#account-{first.account_id}")
    keep_document_marker(page)
    row_menu = row_a.locator("details.row-menu")
    row_menu.get_by_label("メニュー").click()
    expect(row_menu.get_by_role("link", name="口座設定")).to_be_in_viewport(ratio=1)
    runs_before = len(sync_runs(db, first.account_id))
    row_menu.get_by_role("button", name="今すぐ同期", exact=True).click()
    expect(row_a.locator(".spinner")).to_be_visible()  # the row swapped in by htmx polls
    expect(row_a.locator(".state-text.ok")).to_contain_text("同期完了", timeout=SYNC_TIMEOUT)
    mark = row_a.get_by_role("link", name="トラブルシューティング")
    expect(mark).to_be_visible()
    expect(row_a.locator(".notice-unlinked")).to_be_visible()
    assert_not_reloaded(page)
    runs = sync_runs(db, first.account_id)
    assert len(runs) == runs_before + 1 and runs[-1].notice == "unlinked_accounts"

    # 2.–3. [!] → トラブルシューティング: tick the others, [口座を保存する].
    mark.click()
    expect(page.get_by_role("heading", name="トラブルシューティング")).to_be_visible()
    boxes = page.locator("input[type=checkbox][name=remote]")
    expect(boxes).to_have_count(2)  # the sandbox login yamada sees three accounts; one is synced
    for i in range(boxes.count()):
        boxes.nth(i).check()
    shots(8, "troubleshooting")
    page.get_by_role("button", name="口座を保存する").click()
    expect(page.get_by_role("status").filter(has_text="2件の口座を紐付けました")).to_be_visible()

    # 4.–5. B: name → [口座設定] → 「他の口座のログイン情報を利用する」 → A → [確定].
    use_login_of_first(page, b_id, "B口座", first_name, shots, shot_no=9)
    # Two bank-side accounts are linked: the portal asks which one is B's.
    expect(page.get_by_role("heading", name="口座の選択")).to_be_visible()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="保存", exact=True).click()
    # Back to 口座設定 at 「4 明細を取得する期間を選びましょう」; [口座を保存する] starts the sync.
    expect(page.locator("#section-4").get_by_role("heading")).to_have_text(
        re.compile("4 明細を取得する期間を選びましょう"))
    page.get_by_role("button", name="口座を保存する").click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
    expect(page.locator(f"#account-{b_id} .state-text.ok")).to_contain_text("同期完了", timeout=SYNC_TIMEOUT)

    # C: the one linked account left is mapped without asking; 6. period → [口座を保存する].
    use_login_of_first(page, c_id, "C口座", first_name, shots, shot_no=None)
    expect(page.get_by_role("status").filter(has_text="ログイン情報を設定しました")).to_be_visible()
    since = date.today() - timedelta(days=90)
    section4 = page.locator("#section-4")
    expect(section4.get_by_role("heading")).to_have_text(re.compile("4 明細を取得する期間を選びましょう"))
    section4.get_by_label("取得開始日").fill(since.isoformat())
    shots(10, "period")
    page.get_by_role("button", name="口座を保存する").click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()
    keep_document_marker(page)
    expect(page.locator(f"#account-{c_id} .state-text.ok")).to_contain_text("同期完了", timeout=SYNC_TIMEOUT)
    assert_not_reloaded(page)
    shots(11, "shared-synced")

    # One consent, three accounts, each ledger equal to its bank-side account's statements.
    with db() as s:
        accounts = {a.id: a for a in s.exec(select(Account)).all()}
    assert {accounts[i].connection_id for i in (first.account_id, b_id, c_id)} == {
        accounts[first.account_id].connection_id}
    remotes = {i: remote_of(db, i) for i in (first.account_id, b_id, c_id)}
    assert len({r.id for r in remotes.values()}) == 3
    assert accounts[c_id].period_start == since
    for acct_id, remote in remotes.items():
        start = since if acct_id == c_id else first_window_start(db, acct_id)
        expected = truth(sandbox, remote.remote_id, start)
        assert ledger(db, acct_id) == expected and expected
        row = page.locator(f"#account-{acct_id}")
        expect(row.locator(".count")).to_have_text(count_text(len(expected)))


def use_login_of_first(page: Page, account_id: int, name: str, first_name: str, shots, shot_no) -> None:
    """Home → the account's name → [口座設定] → section 3 picker → the first account → [確定]."""
    page.get_by_role("link", name="ホーム", exact=True).click()
    page.locator(f"#account-{account_id}").get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="口座設定").click()
    expect(page.get_by_role("heading", name="口座設定", exact=True)).to_be_visible()
    section3 = page.locator("#section-3")
    expect(section3.get_by_role("heading")).to_have_text(re.compile("3 ログイン情報を入力しましょう"))
    keep_document_marker(page)
    section3.get_by_role("link", name="他の口座のログイン情報を利用する").click()
    choice = section3.get_by_role("radio", name=first_name)
    expect(choice).to_be_visible()
    assert_not_reloaded(page)  # the picker came in by htmx
    choice.check()
    if shot_no:
        shots(shot_no, "login-picker")
    section3.get_by_role("button", name="確定").click()


def reload_until_visible(page: Page, locator, timeout: float = 60.0) -> None:
    """Without JavaScript nothing polls: the user reloads. Reload until the locator shows."""
    deadline = time.monotonic() + timeout
    while not locator.is_visible():
        assert time.monotonic() < deadline, f"not visible after reloading for {timeout} s: {locator}"
        page.reload()


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_pages_work_without_javascript(page: Page, live_portal, db, sandbox, shots):
    shots.enabled = False
    sign_up(page, live_portal, shots)
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_text("口座", exact=True).click()  # <details> opens without JavaScript
    menu.get_by_role("link", name="口座の一覧・登録").click()
    page.get_by_role("link", name="銀行口座を登録する").click()
    # The plain search form: a GET of /accounts/new?q=... answered with a whole page.
    page.get_by_label("金融機関を検索").fill("みずほ")
    page.get_by_role("button", name="検索", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/new\?q="))
    page.locator("#bank-results").get_by_role("link", name=re.compile(r"^みずほ銀行 .*0001")).click()
    page.get_by_role("radio", name=KIND, exact=True).check()
    page.get_by_role("button", name="登録する").click()
    account_id = account_id_from(page.url)
    consent_at_bank(page, shots)

    # [今すぐ同期] is a form: it posts, and the answer redirects to home.
    row = page.locator(f"#account-{account_id}")
    with page.expect_response(lambda r: r.url.endswith(f"/accounts/{account_id}/sync")) as answer:
        row.get_by_role("button", name="今すぐ同期", exact=True).click()
    assert answer.value.status == 303 and answer.value.request.method == "POST"
    expect(page).to_have_url(live_portal.url + "/")
    expect(row).to_have_class(re.compile(r"state-(queued|running|needs_selection)"))
    prompt = row.get_by_role("link", name="口座を選択してください")
    reload_until_visible(page, prompt)
    prompt.click()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page).to_have_url(live_portal.url + "/")
    done = row.locator(".state-text.ok")
    reload_until_visible(page, done)
    expect(done).to_contain_text("同期完了")
    remote = remote_of(db, account_id)
    expected = truth(sandbox, remote.remote_id, first_window_start(db, account_id))
    assert ledger(db, account_id) == expected
    expect(row.locator(".count")).to_have_text(count_text(len(expected)))
