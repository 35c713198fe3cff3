"""自動登録ルール pages: create, edit, preview count (plain and htmx), errors beside their field,
order (上へ/下へ and a position), delete after asking, office isolation, CSRF, English."""
import re
from datetime import date

import pytest
from sqlmodel import select

from portal.models import BookRule
from tests.support.auth import Auth
from tests.web.test_books_inbox import Books


@pytest.fixture
def started(app, auth):
    books = Books(app, auth)
    acc = books.account()
    books.start()
    return books, acc


def rule_data(books, acc, **kw):
    data = {"match": "contains", "pattern": "デンキ", "direction": "out", "skip": "book",
            "title_id": str(books.title("水道光熱費", acc).id), "active": "y"}
    data.update(kw)
    return data


def saved(books):
    with books.session() as s:
        return s.exec(select(BookRule).order_by(BookRule.position)).all()


def test_create_edit_and_list_a_rule(started):
    books, acc = started
    form = books.client.get("/books/rules/new").get_data(as_text=True)
    for words in ("を含む", "と一致する", "で始まる", "正規表現", "両方", "金額(下限)", "口座",
                  "勘定科目", "補助科目", "税区分", "取引先", "部門", "メモ", "スキップする"):
        assert words in form, words
    resp = books.auth.post("/books/rules/new", rule_data(books, acc, amount_min="1,000",
                                                         amount_max="5000", name="電気代"))
    assert resp.status_code == 303
    [rule] = saved(books)
    assert (rule.pattern, rule.direction, rule.amount_min, rule.amount_max) == ("デンキ", "out", 1000, 5000)
    html = books.client.get("/books/rules/").get_data(as_text=True)
    assert "電気代" in html and "摘要が「デンキ」を含む" in html and "1,000円〜5,000円" in html
    assert "水道光熱費" in html
    resp = books.auth.post(f"/books/rules/{rule.id}/edit", rule_data(
        books, acc, match="regex", pattern="^デンキ", skip="skip", title_id=""))
    assert resp.status_code == 303
    [rule] = saved(books)
    assert (rule.match, rule.skip, rule.title_id) == ("regex", True, None)
    assert "スキップ(記帳しない)" in books.client.get("/books/rules/").get_data(as_text=True)


def test_preview_counts_without_saving_plain_and_htmx(started):
    books, acc = started
    for d in (1, 2):
        books.statement(acc, date(2024, 5, d), -1000, "ﾃﾞﾝｷ ﾀﾞｲ")
    books.statement(acc, date(2024, 5, 3), 1000, "デンキ 返金")
    resp = books.auth.post("/books/rules/new", rule_data(books, acc, preview="1"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "この条件に当てはまる明細は2件です" in html and "<html" in html
    assert saved(books) == []
    hx = {"HX-Request": "true", "X-CSRFToken": books.auth.token("/books/rules/new")}
    resp = books.client.post("/books/rules/new", data=rule_data(books, acc, preview="1", direction=""),
                             headers=hx)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<form') and "3件です" in html
    assert 'role="status"' in html and 'id="rule-preview-button"' in html
    assert saved(books) == []


def test_a_bad_regex_is_shown_beside_the_pattern(started):
    books, acc = started
    for extra in ({}, {"preview": "1"}):
        resp = books.auth.post("/books/rules/new", rule_data(books, acc, match="regex", pattern="(", **extra))
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "正規表現が正しくありません。" in html
        assert 'id="pattern-error"' in html and re.search(r'aria-describedby="[^"]*pattern-error"', html)
    resp = books.auth.post("/books/rules/new", rule_data(books, acc, amount_min="5000", amount_max="10"))
    assert "金額の範囲が正しくありません。" in resp.get_data(as_text=True) and resp.status_code == 400
    resp = books.auth.post("/books/rules/new", rule_data(books, acc, title_id=""))
    assert "勘定科目を選んでください。" in resp.get_data(as_text=True)
    hx = {"HX-Request": "true", "X-CSRFToken": books.auth.token("/books/rules/new")}
    resp = books.client.post("/books/rules/new", data=rule_data(books, acc, match="regex", pattern="(",
                                                               preview="1"), headers=hx)
    assert resp.status_code == 400 and "正規表現が正しくありません。" in resp.get_data(as_text=True)
    assert saved(books) == []


def test_order_moves_and_positions(started):
    books, acc = started
    for p in ("A", "B", "C"):
        books.auth.post("/books/rules/new", rule_data(books, acc, pattern=p))
    a, b, c = (r.id for r in saved(books))
    assert books.auth.post(f"/books/rules/{c}/move", {"step": "-1"}).status_code == 303
    assert [r.id for r in saved(books)] == [a, c, b]
    assert books.auth.post(f"/books/rules/{a}/position", {"position": "3"}).status_code == 303
    assert [r.id for r in saved(books)] == [c, b, a]
    resp = books.auth.post(f"/books/rules/{a}/position", {"position": "x"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f'id="rule-{a}-position-error"' in html
    html = books.client.get("/books/rules/").get_data(as_text=True)
    assert "上へ" in html and "下へ" in html and 'type="number"' in html


def test_delete_asks_first(started):
    books, acc = started
    books.auth.post("/books/rules/new", rule_data(books, acc))
    [rule] = saved(books)
    html = books.client.get(f"/books/rules/{rule.id}/delete").get_data(as_text=True)
    assert "このルールを削除しますか。登録済みの仕訳はそのまま残ります。" in html
    assert saved(books) != []
    assert books.auth.post(f"/books/rules/{rule.id}/delete").status_code == 303
    assert saved(books) == []


@pytest.fixture
def foreign(app):
    owner = Books(app, Auth(app.test_client()), "a@example.jp", "A商店")
    acc = owner.account()
    owner.start()
    owner.auth.post("/books/rules/new", rule_data(owner, acc))
    rule_id = saved(owner)[0].id
    other = Books(app, Auth(app.test_client()), "b@example.jp", "B商店")
    mine = other.account()
    other.start()
    return rule_id, acc, owner, other, mine


def test_another_offices_rule_and_ids_are_404(foreign):
    rule_id, acc, owner, other, mine = foreign
    assert "デンキ" not in other.client.get("/books/rules/").get_data(as_text=True)
    for path in (f"/books/rules/{rule_id}/edit", f"/books/rules/{rule_id}/delete"):
        assert other.client.get(path).status_code == 404
    for path in (f"/books/rules/{rule_id}/edit", f"/books/rules/{rule_id}/delete",
                 f"/books/rules/{rule_id}/move", f"/books/rules/{rule_id}/position"):
        assert other.auth.post(path, {"step": "1", "position": "1"}).status_code == 404, path
    # Their 勘定科目 or their account in my rule, saved or counted: 404.
    assert other.auth.post("/books/rules/new", rule_data(owner, acc)).status_code == 404
    mine_data = rule_data(other, mine, account_id=str(acc))
    assert other.auth.post("/books/rules/new", mine_data).status_code == 404
    assert other.auth.post("/books/rules/new", dict(mine_data, preview="1")).status_code == 404
    assert len(saved(owner)) == 1


@pytest.mark.parametrize("path", ["/books/rules/new", "/books/rules/{id}/edit", "/books/rules/{id}/move",
                                  "/books/rules/{id}/position", "/books/rules/{id}/delete"])
def test_posts_without_a_csrf_token_are_refused(started, path):
    books, acc = started
    books.auth.post("/books/rules/new", rule_data(books, acc))
    rule_id = saved(books)[0].id
    resp = books.client.post(path.format(id=rule_id), data=rule_data(books, acc, step="1", position="1"))
    assert resp.status_code == 400
    assert len(saved(books)) == 1


def test_rule_pages_render_in_english(started):
    books, acc = started
    books.auth.post("/books/rules/new", rule_data(books, acc))
    rule_id = saved(books)[0].id
    books.client.post("/lang", data={"csrf_token": books.auth.token("/"), "lang": "en", "next": "/"})
    for path in ("/books/rules/", "/books/rules/new", f"/books/rules/{rule_id}/edit",
                 f"/books/rules/{rule_id}/delete"):
        resp = books.client.get(path)
        assert resp.status_code == 200 and 'lang="en"' in resp.get_data(as_text=True), path
    assert "contains" in books.client.get("/books/rules/new").get_data(as_text=True)
