"""記帳: the start page and the inbox (未処理の明細): suggestions, 登録 (plain and htmx),
編集して登録, スキップ, 取り消す, まとめて登録, 口座振替, office isolation, CSRF, English."""
import re
from datetime import date

import pytest
from sqlmodel import Session, select

from portal.models import Account, BookEntry, BookLine, BookTitle
from portal.models.vocabulary import BookingState, RuleMatch, StatementSource
from portal.services.books import rules
from portal.services.books.rules import RuleDraft
from portal.services.statements import upsert_statements
from tests.support.auth import Auth

_keys = iter(range(1, 10**9))


class Books:
    """A signed-up office with manual accounts and statements written as a bank would."""

    def __init__(self, app, auth, email="owner@example.jp", office="山田商店"):
        self.app, self.auth, self.client = app, auth, auth.client
        auth.signup(email=email, office=office)

    def session(self):
        return Session(self.app.extensions["db_engine"], expire_on_commit=False)

    def account(self, name="普通口座", bank="0001"):
        resp = self.auth.post(f"/accounts/new/{bank}", {"kind": "manual:personal", "name": name})
        return int(resp.headers["Location"].split("/")[2])

    def statement(self, account_id, day, amount, description):
        key = f"api:{next(_keys)}"
        with self.session() as s:
            account = s.get(Account, account_id)
            upsert_statements(s, account, [{
                "transaction_date": day, "amount": amount, "description": description,
                "source": StatementSource.API, "dedupe_key": key}])
            s.commit()
            from portal.models import Statement
            return s.exec(select(Statement.id).where(Statement.account_id == account_id,
                                                     Statement.dedupe_key == key)).one()

    def start(self, form="corporation"):
        return self.auth.post("/books/start/", {"business_form": form})

    def office_id(self, account_id):
        with self.session() as s:
            return s.get(Account, account_id).office_id

    def title(self, name, account_id):
        with self.session() as s:
            return s.exec(select(BookTitle).where(BookTitle.name == name,
                                                  BookTitle.office_id == self.office_id(account_id))).one()

    def rule(self, account_id, pattern, title_name, **kw):
        with self.session() as s:
            return rules.create_rule(s, self.office_id(account_id), RuleDraft(
                RuleMatch.CONTAINS, pattern, title_id=self.title(title_name, account_id).id, **kw)).id

    def entries(self, account_id):
        with self.session() as s:
            return s.exec(select(BookEntry).where(
                BookEntry.office_id == self.office_id(account_id))).all()


@pytest.fixture
def books(app, auth):
    return Books(app, auth)


@pytest.fixture
def started(books):
    acc = books.account()
    assert books.start().status_code == 303
    return books, acc


def page(client, path="/books/inbox/", **kw):
    resp = client.get(path, **kw)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_an_office_without_a_setup_is_sent_to_the_start_page(books):
    books.account()
    resp = books.client.get("/books/inbox/")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/books/start/")
    htmx = books.client.get("/books/rules/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].endswith("/books/start/")
    start = page(books.client, "/books/start/")
    assert "法人" in start and "個人事業主" in start and 'type="radio"' in start
    # Nothing chosen: the error beside the choice, nothing set up.
    resp = books.auth.post("/books/start/", {})
    assert resp.status_code == 400 and "法人か個人事業主かを選んでください。" in resp.get_data(as_text=True)
    resp = books.start("sole_proprietor")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/books/inbox/")
    # Once set up, the start page sends to the inbox.
    assert books.client.get("/books/start/").status_code == 303


def test_inbox_lists_unbooked_statements_newest_first_with_suggestions(started):
    books, acc = started
    books.statement(acc, date(2024, 5, 1), -1100, "ﾃﾞﾝｷﾀﾞｲ")
    books.statement(acc, date(2024, 5, 3), 50000, "売上 ヤマダ")
    books.rule(acc, "デンキ", "水道光熱費")
    html = page(books.client)
    assert "2件" in html
    assert html.index("2024/05/03") < html.index("2024/05/01")
    assert "水道光熱費" in html and "自動登録ルール" in html and "提案なし" in html
    assert "1,100円" in html and "50,000円" in html
    # The account filter: a wrong or foreign id is the whole office.
    assert "ﾃﾞﾝｷﾀﾞｲ" in page(books.client, f"/books/inbox/?account={acc}")
    assert "ﾃﾞﾝｷﾀﾞｲ" in page(books.client, "/books/inbox/?account=999999")


def test_inbox_pages_by_keyset(started, monkeypatch):
    books, acc = started
    from portal.services.books import inbox
    monkeypatch.setattr(inbox, "PAGE", 2)
    monkeypatch.setattr(inbox.inbox_page, "__kwdefaults__", {"account_id": None, "cursor": None, "limit": 2})
    for day in range(1, 6):
        books.statement(acc, date(2024, 6, day), -day * 100, f"d{day}")
    first = page(books.client)
    assert re.findall(r"2024/06/0(\d)", first) == ["5", "4"]
    after = re.search(r'after=([^&"]+)', first).group(1)
    second = page(books.client, f"/books/inbox/?after={after}")
    assert re.findall(r"2024/06/0(\d)", second) == ["3", "2"]


def test_confirm_with_a_plain_post_books_and_comes_back(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    books.rule(acc, "デンキ", "水道光熱費")
    resp = books.auth.post(f"/books/inbox/{sid}/confirm", {"back": str(acc)})
    assert resp.status_code == 303 and f"account={acc}" in resp.headers["Location"]
    [entry] = books.entries(acc)
    assert entry.state == BookingState.BOOKED and entry.amount == 1100
    assert entry.debit_title_id == books.title("水道光熱費", acc).id
    html = page(books.client)
    assert "登録しました。" in html and "デンキ" not in html.split("</main>")[0].split("登録しました。")[1]
    # Booked twice: refused, said.
    again = books.auth.post(f"/books/inbox/{sid}/confirm")
    assert again.status_code == 303
    assert "この明細はすでに処理済みです。" in page(books.client)


def test_confirm_with_htmx_replaces_the_row_and_undo_puts_it_back(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    books.rule(acc, "デンキ", "水道光熱費")
    hx = {"HX-Request": "true", "X-CSRFToken": books.auth.token("/books/inbox/")}
    resp = books.client.post(f"/books/inbox/{sid}/confirm", headers=hx)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith(f'<tr id="inbox-{sid}"')
    assert "登録しました。" in html and "取り消す" in html and "autofocus" in html
    assert "<html" not in html
    entry_id = books.entries(acc)[0].id
    assert f"/books/inbox/entries/{entry_id}/undo" in html
    resp = books.client.post(f"/books/inbox/entries/{entry_id}/undo", data={"row": str(sid)}, headers=hx)
    back = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f'id="inbox-{sid}"' in back and "水道光熱費" in back
    assert "autofocus" in back and books.entries(acc) == []


def test_undo_with_a_plain_post(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    books.rule(acc, "デンキ", "水道光熱費")
    books.auth.post(f"/books/inbox/{sid}/confirm")
    entry_id = books.entries(acc)[0].id
    resp = books.auth.post(f"/books/inbox/entries/{entry_id}/undo")
    assert resp.status_code == 303 and books.entries(acc) == []
    assert "明細は未処理に戻りました" in page(books.client)


def test_confirm_with_edits(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -3300, "文具 ﾏﾙｲ")
    form = page(books.client, f"/books/inbox/{sid}/edit")
    assert 'name="title_id"' in form and "<label" in form and "文具 ﾏﾙｲ" in form
    # Nothing chosen: the error beside 勘定科目.
    resp = books.auth.post(f"/books/inbox/{sid}/edit", {"title_id": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "勘定科目を選んでください。" in html
    assert 'id="title_id-error"' in html and 'aria-describedby="title_id-error"' in html
    supplies = books.title("消耗品費", acc)
    resp = books.auth.post(f"/books/inbox/{sid}/edit", {
        "title_id": str(supplies.id), "tax_class_key": "purchase_10", "memo": "ボールペン"})
    assert resp.status_code == 303
    [entry] = books.entries(acc)
    booked = (entry.debit_title_id, entry.tax_class_key, entry.memo)
    assert booked == (supplies.id, "purchase_10", "ボールペン")
    # Learned: the same 摘要 is now suggested as booked.
    books.statement(acc, date(2024, 5, 9), -500, "文具 ﾏﾙｲ")
    html = page(books.client)
    assert "消耗品費" in html and "過去の登録から推測" in html


def test_skip_with_a_reason_plain_and_htmx(started):
    books, acc = started
    a = books.statement(acc, date(2024, 5, 1), -800, "私用 コンビニ")
    b = books.statement(acc, date(2024, 5, 2), -900, "私用 カフェ")
    assert books.auth.post(f"/books/inbox/{a}/skip", {"reason": "私用"}).status_code == 303
    hx = {"HX-Request": "true", "X-CSRFToken": books.auth.token("/books/inbox/")}
    resp = books.client.post(f"/books/inbox/{b}/skip", data={"reason": ""}, headers=hx)
    assert resp.status_code == 200 and "スキップしました。" in resp.get_data(as_text=True)
    entries = sorted(books.entries(acc), key=lambda e: e.id)
    assert [(e.state, e.skip_reason) for e in entries] == [(BookingState.SKIPPED, "私用"),
                                                           (BookingState.SKIPPED, "")]
    assert "未処理の明細はありません。" in page(books.client)


def test_confirm_all_books_the_visible_rows_with_a_suggestion(started):
    books, acc = started
    ids = [books.statement(acc, date(2024, 5, d), -1000 - d, "デンキ") for d in (1, 2)]
    other = books.statement(acc, date(2024, 5, 3), -700, "なにか")
    books.rule(acc, "デンキ", "水道光熱費")
    html = page(books.client)
    assert "表示中の明細をまとめて登録" in html and "提案のある2件" in html
    resp = books.auth.post("/books/inbox/confirm-all", {"ids": [str(i) for i in ids + [other]]})
    assert resp.status_code == 303
    assert len(books.entries(acc)) == 2
    html = page(books.client)
    assert "2件を登録しました。" in html and "未処理の明細は残り1件です。" in html


def test_a_transfer_between_own_accounts_is_one_entry(started):
    books, acc = started
    savings = books.account("貯蓄口座", "0005")
    out = books.statement(acc, date(2024, 5, 10), -30000, "振替 貯蓄へ")
    into = books.statement(savings, date(2024, 5, 10), 30000, "振替 普通から")
    html = page(books.client)
    assert "口座振替" in html and "貯蓄口座" in html and "口座振替として2件を登録" in html
    first = min(out, into, key=lambda i: -i)  # the newer id is the row shown
    other = into if first == out else out
    resp = books.auth.post(f"/books/inbox/{first}/transfer", {"other_id": str(other)})
    assert resp.status_code == 303
    [entry] = books.entries(acc)
    with books.session() as s:
        lines = s.exec(select(BookLine).where(BookLine.entry_id == entry.id)).all()
    assert {ln.statement_id for ln in lines} == {out, into} and entry.amount == 30000


def test_make_a_rule_from_a_statement_prefills_the_rule_form(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "ﾃﾞﾝｷﾀﾞｲ 5ｶﾞﾂ")
    assert f"/books/rules/new?statement={sid}" in page(books.client)
    html = page(books.client, f"/books/rules/new?statement={sid}")
    assert 'value="ﾃﾞﾝｷﾀﾞｲ 5ｶﾞﾂ"' in html
    assert checked(html, "match") == "equals" and checked(html, "direction") == "out"


def checked(html, name):
    """The value of the checked radio button of this name."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_flagged_entries_are_announced_on_the_inbox(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    books.rule(acc, "デンキ", "水道光熱費")
    books.auth.post(f"/books/inbox/{sid}/confirm")
    with books.session() as s:
        entry = s.exec(select(BookEntry)).one()
        entry.state, entry.flag_reason = BookingState.FLAGGED, "changed"
        s.add(entry)
        s.commit()
    html = page(books.client)
    assert "/books/entries?state=flagged" in html and "1件あります" in html


@pytest.fixture
def foreign(app):
    """A statement and an entry of another office, and a client of this one."""
    owner = Books(app, Auth(app.test_client()), "a@example.jp", "A商店")
    acc = owner.account()
    owner.start()
    sid = owner.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    booked = owner.statement(acc, date(2024, 5, 2), -1200, "デンキ")
    owner.rule(acc, "デンキ", "水道光熱費")
    owner.auth.post(f"/books/inbox/{booked}/confirm")
    entry_id = owner.entries(acc)[0].id
    other = Books(app, Auth(app.test_client()), "b@example.jp", "B商店")
    mine = other.account()
    other.start()
    my_sid = other.statement(mine, date(2024, 5, 1), -500, "自分の明細")
    return {"sid": sid, "entry": entry_id, "my_sid": my_sid}, owner, other


def test_another_offices_statements_and_entries_are_404(foreign):
    ids, owner, other = foreign
    assert "デンキ" not in page(other.client)
    assert other.client.get(f"/books/inbox/{ids['sid']}/edit").status_code == 404
    assert other.client.get(f"/books/rules/new?statement={ids['sid']}").status_code == 404
    for path in (f"/books/inbox/{ids['sid']}/confirm", f"/books/inbox/{ids['sid']}/skip",
                 f"/books/inbox/{ids['sid']}/edit", f"/books/inbox/{ids['sid']}/transfer",
                 f"/books/inbox/entries/{ids['entry']}/undo"):
        assert other.auth.post(path, {"other_id": "1", "title_id": "1"}).status_code == 404, path
        htmx = other.client.post(path, data={"other_id": "1"}, headers={
            "HX-Request": "true", "X-CSRFToken": other.auth.token("/books/inbox/")})
        assert htmx.status_code == 404, path
    # My statement as a transfer with theirs, or booked to their title: 404, nothing booked.
    assert other.auth.post(f"/books/inbox/{ids['my_sid']}/transfer",
                           {"other_id": str(ids["sid"])}).status_code == 404
    their_title = owner.title("水道光熱費", ids["sid"] and owner_account(owner)).id
    assert other.auth.post(f"/books/inbox/{ids['my_sid']}/edit",
                           {"title_id": str(their_title)}).status_code == 404
    with owner.session() as s:
        assert len(s.exec(select(BookEntry)).all()) == 1  # only the owner's own entry


def owner_account(owner):
    with owner.session() as s:
        return s.exec(select(Account).order_by(Account.id)).first().id


def test_confirm_all_ignores_another_offices_ids(foreign):
    ids, owner, other = foreign
    resp = other.auth.post("/books/inbox/confirm-all", {"ids": [str(ids["sid"])]})
    assert resp.status_code == 303
    with owner.session() as s:
        assert s.exec(select(BookLine).where(BookLine.statement_id == ids["sid"])).first() is None


@pytest.mark.parametrize("path", ["/books/start/", "/books/inbox/1/confirm", "/books/inbox/1/skip",
                                  "/books/inbox/1/transfer", "/books/inbox/1/edit",
                                  "/books/inbox/entries/1/undo", "/books/inbox/confirm-all"])
def test_posts_without_a_csrf_token_are_refused(started, path):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    books.rule(acc, "デンキ", "水道光熱費")
    assert books.client.post(path.replace("/1/", f"/{sid}/"), data={"ids": str(sid)}).status_code == 400
    assert books.client.post(path.replace("/1/", f"/{sid}/"),
                             headers={"HX-Request": "true"}).status_code == 400
    assert books.entries(acc) == []


def test_inbox_pages_render_in_english(started):
    books, acc = started
    sid = books.statement(acc, date(2024, 5, 1), -1100, "デンキ")
    books.rule(acc, "デンキ", "水道光熱費")
    books.client.post("/lang", data={"csrf_token": books.auth.token("/"), "lang": "en", "next": "/"})
    for path in ("/books/inbox/", f"/books/inbox/{sid}/edit"):
        html = page(books.client, path)
        assert 'lang="en"' in html and "Booking rule" in html or path.endswith("/edit")


def test_start_page_renders_in_english(books):
    books.client.post("/lang", data={"csrf_token": books.auth.token("/"), "lang": "en", "next": "/"})
    html = page(books.client, "/books/start/")
    assert 'lang="en"' in html and "Corporate" in html and "Sole proprietor" in html


def test_a_long_inbox_says_more_than_the_bound_without_counting_it_all(started, monkeypatch):
    books, acc = started
    for day in range(1, 5):
        books.statement(acc, date(2024, 5, day), -100 * day, f"支払{day}")
    assert "4件" in page(books.client)
    monkeypatch.setattr("portal.views.books.inbox.COUNT_UP_TO", 3)
    html = page(books.client)
    assert "3件以上" in html and "4件" not in html
