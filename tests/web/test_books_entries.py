"""仕訳: the list (newest first, pages, the flagged filter), a flagged entry beside the bank's
record with 「銀行の内容で更新」 and 「取り消して未処理に戻す」 (asked first), the edit form,
CSRF, another office's ids (404) and the pages in English."""
import re
from datetime import date

import pytest
from sqlmodel import select

from portal.models import BookCounterparty, BookEntry, BookLine, BookSubAccount, BookTag, Statement
from portal.models.vocabulary import BookingState
from portal.services.books import guard, journal_export, masters
from tests.support.auth import Auth
from tests.web.books_helpers import Books, set_lang


@pytest.fixture
def books(app, auth):
    return Books(app, auth)


def code(entry_id: int) -> str:
    return journal_export.entry_code(entry_id)


def change_at_bank(books, statement_id, **values):
    with books.session() as s:
        statement = s.get(Statement, statement_id)
        for k, v in values.items():
            setattr(statement, k, v)
        s.add(statement)
        guard.statements_changed(s, books.office_id, [statement_id])
        s.commit()


def entry(books, entry_id):
    with books.session() as s:
        return s.get(BookEntry, entry_id)


def test_the_list_shows_entries_newest_first_with_their_sides(app, client, books):
    ids = books.may()
    page = client.get("/books/entries").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'<tr id="entry-(\d+)"', page)] == \
        [ids["transfer"], ids["elec"], ids["sale"]]
    assert code(ids["sale"]) in page and "売上高" in page and "普通預金" in page and "みずほ銀行" in page
    assert "水道光熱費" in page and "110,000円" in page and "ﾃﾞﾝｷﾘﾖｳ" in page
    assert "登録済み" in page and "口座振替" in page
    assert 'data-label="借方"' in page  # the phone layout names each cell
    # Keyset pages: two at a time, then the rest.
    app.config["BOOK_ENTRIES_PAGE_SIZE"] = 2
    first = client.get("/books/entries").get_data(as_text=True)
    assert len(re.findall(r'<tr id="entry-', first)) == 2
    before = re.search(r'before=(\d+)', first).group(1)
    second = client.get(f"/books/entries?before={before}").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'<tr id="entry-(\d+)"', second)] == [ids["sale"]]
    assert "さらに古い仕訳" not in second
    # A wrong filter or cursor is the first page, never an error.
    assert client.get("/books/entries?state=nonsense&before=x").status_code == 200


def test_a_flagged_entry_shows_what_changed_and_is_updated_from_the_bank(client, books, auth):
    ids = books.may()
    change_at_bank(books, ids["elec_statement"], amount=-3520)
    flagged = client.get("/books/entries?state=flagged").get_data(as_text=True)
    assert re.findall(r'<tr id="entry-(\d+)"', flagged) == [str(ids["elec"])]
    assert "要確認" in flagged and "登録後に銀行の明細が変わりました" in flagged
    assert "3,300円" in flagged and "3,520円" in flagged and "(変更あり)" in flagged
    assert "銀行の内容で更新" in flagged and "取り消して未処理に戻す" in flagged
    resp = auth.post(f"/books/entries/{ids['elec']}/resolve")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/books/entries/{ids['elec']}")
    after = entry(books, ids["elec"])
    assert (after.state, after.amount) == (BookingState.BOOKED, 3520)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "銀行の内容で更新しました" in page
    assert "要確認の仕訳はありません" in client.get("/books/entries?state=flagged").get_data(as_text=True)


def test_a_removed_statement_cannot_be_accepted_only_undone(client, books, auth):
    ids = books.may()
    with books.session() as s:
        guard.statements_removing(s, books.office_id, [ids["sale_statement"]])
        s.delete(s.get(Statement, ids["sale_statement"]))
        s.commit()
    page = client.get(f"/books/entries/{ids['sale']}").get_data(as_text=True)
    assert "登録後に明細が削除されました" in page and "この明細は銀行の明細から削除されました" in page
    assert "銀行の内容で更新</button>" not in page and "取り消して未処理に戻す" in page
    resp = auth.post(f"/books/entries/{ids['sale']}/resolve", follow_redirects=True)
    assert "明細が削除されています。仕訳を取り消してください。" in resp.get_data(as_text=True)
    assert entry(books, ids["sale"]).state == BookingState.FLAGGED


def test_undo_asks_first_then_returns_the_statements_to_the_inbox(client, books, auth):
    ids = books.may()
    ask = client.get(f"/books/entries/{ids['transfer']}/undo")
    text = ask.get_data(as_text=True)
    assert ask.status_code == 200
    assert "明細2件が未処理の明細に戻り" in text and "仕訳を取り消す" in text
    assert entry(books, ids["transfer"]) is not None  # asking changed nothing
    resp = auth.post(f"/books/entries/{ids['transfer']}/undo")
    assert resp.status_code == 303
    assert entry(books, ids["transfer"]) is None
    with books.session() as s:
        assert s.exec(select(BookLine).where(BookLine.entry_id == ids["transfer"])).all() == []
    listed = client.get("/books/entries").get_data(as_text=True)
    assert "明細2件が未処理の明細に戻りました" in listed


def test_edit_changes_the_other_side_and_the_details(client, books, auth):
    ids = books.may()
    with books.session() as s:
        cp = masters.add_named(s, books.office_id, BookCounterparty, "東京電力")
        tag = masters.add_named(s, books.office_id, BookTag, "固定費")
        fee = books.title("支払手数料")
        sub = masters.add_named(s, books.office_id, BookSubAccount, "振込", title_id=fee)
    form = client.get(f"/books/entries/{ids['elec']}/edit").get_data(as_text=True)
    assert f'<option selected value="{books.title("水道光熱費")}">' in form
    assert "東京電力" in form and "固定費" in form and '<label for="memo"' in form
    resp = auth.post(f"/books/entries/{ids['elec']}/edit", {
        "title_id": fee, "sub_account_id": sub.id, "tax_class_key": "purchase_10",
        "counterparty_id": cp.id, "department_id": "", "memo": "5月分", "tag_ids": [tag.id]})
    assert resp.status_code == 303
    after = entry(books, ids["elec"])
    assert (after.debit_title_id, after.debit_sub_id, after.counterparty_id, after.memo, after.tag_ids,
            after.version) == (fee, sub.id, cp.id, "5月分", str(tag.id), 2)
    page = client.get(f"/books/entries/{ids['elec']}").get_data(as_text=True)
    assert "支払手数料" in page and "振込" in page and "東京電力" in page and "固定費" in page
    # A 補助科目 of another 勘定科目: refused beside its field, nothing saved.
    bad = auth.post(f"/books/entries/{ids['elec']}/edit", {
        "title_id": books.title("雑費"), "sub_account_id": sub.id, "tax_class_key": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "補助科目がこの勘定科目のものではありません。" in html
    assert 'aria-describedby="sub_account_id-hint sub_account_id-error"' in html
    assert entry(books, ids["elec"]).debit_title_id == fee
    missing = auth.post(f"/books/entries/{ids['elec']}/edit", {"title_id": ""})
    assert missing.status_code == 400 and "勘定科目を選んでください。" in missing.get_data(as_text=True)


def test_another_offices_entries_and_masters_are_404(app, client, books, auth):
    ids = books.may()
    other = Books(app, Auth(app.test_client()), email="b@example.jp", office="B商店")
    with other.session() as s:
        foreign_cp = masters.add_named(s, other.office_id, BookCounterparty, "他社の取引先")
    theirs = other.auth.client
    for path in (f"/books/entries/{ids['sale']}", f"/books/entries/{ids['sale']}/edit",
                 f"/books/entries/{ids['sale']}/undo"):
        assert theirs.get(path).status_code == 404
    for path in (f"/books/entries/{ids['sale']}/edit", f"/books/entries/{ids['sale']}/undo",
                 f"/books/entries/{ids['sale']}/resolve"):
        assert other.auth.post(path, {"title_id": other.title("雑費")}).status_code == 404
    assert entry(books, ids["sale"]) is not None
    assert code(ids["sale"]) not in theirs.get("/books/entries").get_data(as_text=True)
    # Our entry, their 取引先: 404, nothing changed.
    resp = auth.post(f"/books/entries/{ids['elec']}/edit", {
        "title_id": books.title("水道光熱費"), "counterparty_id": foreign_cp.id})
    assert resp.status_code == 404
    assert entry(books, ids["elec"]).counterparty_id is None


@pytest.mark.parametrize("path", ["/books/entries/{id}/edit", "/books/entries/{id}/undo",
                                  "/books/entries/{id}/resolve"])
def test_posts_without_a_csrf_token_are_refused(client, books, path):
    ids = books.may()
    resp = client.post(path.format(id=ids["sale"]), data={"title_id": books.title("雑費")})
    assert resp.status_code == 400
    assert entry(books, ids["sale"]).credit_title_id == books.title("売上高")


def test_the_pages_render_in_english(client, books, auth):
    ids = books.may()
    change_at_bank(books, ids["elec_statement"], transaction_date=date(2024, 5, 4))
    set_lang(client, auth, "en")
    for path in ("/books/entries", "/books/entries?state=flagged", f"/books/entries/{ids['elec']}",
                 f"/books/entries/{ids['elec']}/edit", f"/books/entries/{ids['elec']}/undo"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert 'lang="en"' in resp.get_data(as_text=True)
