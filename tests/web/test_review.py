"""The legacy switch and the review queue: API pages over file history link, wait, or add;
the user resolves what waits (link / add as new / ignore)."""
from datetime import date, timedelta

import pytest
from sqlmodel import select

from portal.dates import today_jst
from portal.models import Account, MatchReview, Statement, StatementAlias
from portal.services.cutover.apply import apply_api_page
from tests.support.auth import Auth
from tests.web.csv_helpers import account, crlf, import_file, ledger, preview_location, register, text

D = date(2024, 4, 1)
LEGACY = crlf(
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高"',
    '"2024/4/1","振込１","ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ","","300,000","1,300,000"',
    '"2024/4/3","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","1,298,920"',
    '"2024/4/5","口座振替","ﾃﾞﾝﾜﾘﾖｳ","5,500","","1,293,420"',
    '"2024/4/6","ＡＴＭ","","10,000","",""',  # identical twins written without a balance:
    '"2024/4/6","ＡＴＭ","","10,000","",""',  # which API row is which cannot be told
)


def api(n, day, amount, text_, balance):
    return {"transaction_date": D + timedelta(days=day - 1), "value_date": None, "amount": amount,
            "description": text_, "balance_after": balance, "source": "api",
            "dedupe_key": f"api:item{n}"}


PAGE = [
    api(1, 1, 300000, "振込1 カ)ヤマダシヨウテン", 1300000),
    api(2, 3, -1080, "カード JCB)セブンカード", 1298920),
    api(3, 5, -5500, "口座振替 デンワリヨウ(NTT)", 1293420),
    api(4, 6, -10000, "ATM", 1283420),
    api(5, 6, -10000, "ATM", 1273420),
    api(6, 8, 1000, "利息", 1274420),
]


def legacy_with_page(db, auth):
    """A legacy account with file history, switched, and one API page applied."""
    account_id = register(auth)
    import_file(auth, account_id, LEGACY.encode("cp932"))
    with db() as s:
        acc = s.get(Account, account_id)
        acc.cutover_date = date(2024, 4, 7)
        added = apply_api_page(s, acc, [dict(r) for r in PAGE])
        s.commit()
    assert added == 1  # only the row after the file history
    return account_id


def reviews(db, account_id):
    with db() as s:
        return s.exec(select(MatchReview).where(MatchReview.account_id == account_id)
                      .order_by(MatchReview.id)).all()


def test_api_page_over_file_history_links_holds_and_adds(db, auth, client):
    auth.signup()
    account_id = legacy_with_page(db, auth)
    rows = ledger(db, account_id)
    assert len(rows) == 6  # five from the file, one new: nothing doubled
    assert [r[2] for r in rows] == [300000, -1080, -5500, -10000, -10000, 1000]
    with db() as s:
        aliases = s.exec(select(StatementAlias).where(StatementAlias.account_id == account_id)
                         .order_by(StatementAlias.dedupe_key)).all()
        assert [a.dedupe_key for a in aliases] == ["api:item1", "api:item2", "api:item3"]
        third = s.get(Statement, aliases[2].statement_id)
        assert third.description == "口座振替 デンワリヨウ(NTT)"  # the bank's text now
        assert aliases[2].previous_description == "口座振替 ﾃﾞﾝﾜﾘﾖｳ"  # the file's kept
    open_ = reviews(db, account_id)
    assert [r.state for r in open_] == ["open", "open"]
    # The same page again (an overlapping re-fetch) changes nothing.
    with db() as s:
        assert apply_api_page(s, s.get(Account, account_id), [dict(r) for r in PAGE]) == 0
        s.commit()
    assert len(ledger(db, account_id)) == 6 and len(reviews(db, account_id)) == 2


def test_review_page_shows_rows_side_by_side_and_counts(db, auth, client):
    auth.signup()
    account_id = legacy_with_page(db, auth)
    for page in (text(client.get(f"/accounts/{account_id}/statements")), text(client.get("/"))):
        assert "確認が必要な明細が2件あります" in page and f"/accounts/{account_id}/review" in page
    page = text(client.get(f"/accounts/{account_id}/review"))
    assert page.count('class="card review-item"') == 2
    assert page.count('class="candidate"') == 4
    assert "ＡＴＭ" in page and "1,283,420円" in page and "正規化: ATM" in page
    assert "金額一致・日付差0日・摘要一致" in page and "従来の方法" in page
    assert page.count('value="link"') == 4 and 'value="add"' in page and 'value="ignore"' in page


def test_review_reasons_in_english(db, auth, client):
    auth.signup()
    account_id = legacy_with_page(db, auth)
    resp = client.post("/lang", data={"csrf_token": auth.token("/"), "lang": "en", "next": "/"})
    assert resp.status_code == 303
    page = text(client.get(f"/accounts/{account_id}/review"))
    assert page.count("amount matches, dates 0 day(s) apart, description matches") == 4
    assert "金額一致" not in page and "摘要一致" not in page and "・" not in page


def test_link_each_twin_to_its_own_row(db, auth, client):
    auth.signup()
    account_id = legacy_with_page(db, auth)
    first, second = reviews(db, account_id)
    c1, c2 = (int(i) for i in first.candidate_ids.split(","))
    resp = auth.post(f"/accounts/{account_id}/review/{first.id}", {"action": "link", "candidate": c1})
    assert resp.status_code == 303
    assert "既存の明細と紐付けました" in text(client.get(resp.headers["Location"]))
    # The same row cannot take a second API key.
    auth.post(f"/accounts/{account_id}/review/{second.id}", {"action": "link", "candidate": c1})
    assert "紐付けられません" in text(client.get(f"/accounts/{account_id}/review"))
    auth.post(f"/accounts/{account_id}/review/{second.id}", {"action": "link", "candidate": c2})
    assert [r.state for r in reviews(db, account_id)] == ["linked", "linked"]
    assert len(ledger(db, account_id)) == 6
    assert "確認が必要な明細はありません" in text(client.get(f"/accounts/{account_id}/review"))
    assert "確認が必要な明細が" not in text(client.get("/"))
    # Closed reviews stay closed.
    auth.post(f"/accounts/{account_id}/review/{second.id}", {"action": "add"})
    assert len(ledger(db, account_id)) == 6


def test_add_as_new_and_ignore(db, auth, client):
    auth.signup()
    account_id = legacy_with_page(db, auth)
    first, second = reviews(db, account_id)
    auth.post(f"/accounts/{account_id}/review/{first.id}", {"action": "add"})
    assert len(ledger(db, account_id)) == 7
    assert account(db, account_id).statement_count == 7
    auth.post(f"/accounts/{account_id}/review/{second.id}", {"action": "ignore"})
    assert [r.state for r in reviews(db, account_id)] == ["added", "ignored"]
    # Ignored is a tombstone: the next sync's overlap neither adds it nor asks again.
    with db() as s:
        assert apply_api_page(s, s.get(Account, account_id), [dict(r) for r in PAGE]) == 0
        s.commit()
    assert len(ledger(db, account_id)) == 7 and len(reviews(db, account_id)) == 2


def test_bad_actions(db, auth, client):
    auth.signup()
    account_id = legacy_with_page(db, auth)
    first, _second = reviews(db, account_id)
    resp = auth.post(f"/accounts/{account_id}/review/{first.id}", {"action": "merge"})
    assert resp.status_code == 303 and reviews(db, account_id)[0].state == "open"
    resp = auth.post(f"/accounts/{account_id}/review/{first.id}", {"action": "link", "candidate": "1"})
    assert reviews(db, account_id)[0].state == "open"  # not one of its candidates
    assert auth.post(f"/accounts/{account_id}/review/999", {"action": "add"}).status_code == 404


def _legacy_recent(auth):
    today = today_jst()
    days = [today - timedelta(days=n) for n in (20, 10, 5)]
    lines = ['"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高"']
    lines += [f'"{d:%Y/%m/%d}","振込","","","1,000","{n * 1000}"' for n, d in enumerate(days, 1)]
    account_id = register(auth)
    import_file(auth, account_id, crlf(*lines).encode("cp932"))
    return account_id, days


def test_switch_records_cutover_and_overlap_then_goes_to_consent(db, auth, client):
    auth.signup()
    account_id, days = _legacy_recent(auth)
    page = text(client.get(f"/accounts/{account_id}/switch"))
    cutover = days[-1] + timedelta(days=1)
    assert f"切り替え日: {cutover:%Y/%m/%d}" in page
    assert f"{days[-1] - timedelta(days=31):%Y/%m/%d}以降の明細を取得" in page
    resp = auth.post(f"/accounts/{account_id}/switch")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/accounts/{account_id}/connect"
    acc = account(db, account_id)
    assert acc.cutover_date == cutover and acc.period_start == days[-1] - timedelta(days=31)
    assert acc.sync_method == "legacy"  # until the consent succeeds
    assert "認証ページへ" in text(client.get(resp.headers["Location"]))


def test_switch_beyond_the_banks_window_records_the_missing_range(db, auth):
    auth.signup()
    account_id = register(auth)
    import_file(auth, account_id, LEGACY.encode("cp932"))  # 2024: older than 24 months
    auth.post(f"/accounts/{account_id}/switch")
    acc = account(db, account_id)
    assert acc.gap_from == date(2024, 4, 7) and acc.gap_to == acc.period_start - timedelta(days=1)
    assert acc.cutover_date == date(2024, 4, 7)


def test_only_legacy_accounts_switch(db, auth, client):
    auth.signup()
    manual = register(auth)
    resp = auth.post(f"/accounts/{manual}/switch")
    assert resp.headers["Location"] == f"/accounts/{manual}/statements"
    assert account(db, manual).cutover_date is None
    other_bank = register(auth, bank="0005")
    import_file(auth, other_bank, LEGACY.encode("cp932"))
    assert account(db, other_bank).sync_method == "manual"
    assert "API連携方式に切り替えられます" not in text(client.get(f"/accounts/{other_bank}/statements"))


NEW_GETS = ["/accounts/{id}/import", "/accounts/{id}/import/{token}", "/accounts/{id}/import/{token}/mapping",
            "/accounts/{id}/export", "/accounts/{id}/export?encoding=cp932", "/accounts/{id}/switch",
            "/accounts/{id}/review"]
NEW_POSTS = ["/accounts/{id}/import", "/accounts/{id}/import/{token}",
             "/accounts/{id}/import/{token}/mapping", "/accounts/{id}/switch",
             "/accounts/{id}/review/{review}"]


@pytest.fixture
def foreign(app, db):
    """Office A's legacy account with an upload and a review; a client of office B."""
    owner = Auth(app.test_client())
    owner.signup(email="a@example.jp", office="A商店")
    account_id = legacy_with_page(db, owner)
    location = preview_location(owner, account_id, LEGACY.encode("cp932"))
    ids = {"id": account_id, "token": location.rsplit("/", 1)[1],
           "review": reviews(db, account_id)[0].id}
    other = Auth(app.test_client())
    other.signup(email="b@example.jp", office="B商店")
    return ids, owner, other


@pytest.mark.parametrize("path", NEW_GETS)
def test_new_pages_of_another_office_are_404(foreign, path):
    ids, owner, other = foreign
    assert owner.client.get(path.format(**ids)).status_code in (200, 303)
    assert other.client.get(path.format(**ids)).status_code == 404
    assert other.client.get(path.format(**ids), headers={"HX-Request": "true"}).status_code == 404


@pytest.mark.parametrize("path", NEW_POSTS)
def test_new_posts_to_another_office_are_404(db, foreign, path):
    ids, _owner, other = foreign
    resp = other.post(path.format(**ids), {"action": "ignore", "header_line": "1"})
    assert resp.status_code == 404
    assert reviews(db, ids["id"])[0].state == "open"


def test_review_of_another_office_through_own_account_is_404(db, foreign):
    ids, _owner, other = foreign
    own = register(other)
    assert other.post(f"/accounts/{own}/review/{ids['review']}", {"action": "ignore"}).status_code == 404
    assert reviews(db, ids["id"])[0].state == "open"
    # Another office's upload token finds nothing through one's own account.
    resp = other.client.get(f"/accounts/{own}/import/{ids['token']}")
    assert resp.headers["Location"] == f"/accounts/{own}/import"


@pytest.mark.parametrize("path", NEW_POSTS)
def test_new_posts_without_csrf_token_are_refused(db, foreign, path):
    ids, owner, _other = foreign
    resp = owner.client.post(path.format(**ids), data={"action": "ignore", "header_line": "1"})
    assert resp.status_code == 400
    assert owner.client.post(path.format(**ids), headers={"HX-Request": "true"}).status_code == 400
    assert reviews(db, ids["id"])[0].state == "open"
    assert account(db, ids["id"]).period_start is None


@pytest.mark.parametrize("path", NEW_GETS)
def test_anonymous_is_sent_to_login(client, path):
    resp = client.get(path.format(id=1, token="x" * 32, review=1))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
