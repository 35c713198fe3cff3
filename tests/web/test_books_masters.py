"""Masters pages (勘定科目・補助科目・税区分・取引先・部門・タグ) and the bank-account mapping:
add, rename, 使う/使わない, errors beside their field, office isolation, CSRF, English."""
import pytest
from sqlmodel import select

from portal.models import BookAccountMap, BookCounterparty, BookSubAccount, BookTaxClass, BookTitle
from tests.support.auth import Auth
from tests.web.test_books_inbox import Books

KINDS = ["titles", "sub-accounts", "tax-classes", "counterparties", "departments", "tags"]


@pytest.fixture
def started(app, auth):
    books = Books(app, auth)
    acc = books.account()
    books.start()
    return books, acc


def rows(books, model, **where):
    with books.session() as s:
        q = select(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.exec(q).all()


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_page(started, kind):
    books, _acc = started
    resp = books.client.get(f"/books/masters/{kind}")
    assert resp.status_code == 200
    assert books.client.get("/books/masters/nothing").status_code == 404


def test_add_rename_and_toggle_a_counterparty(started):
    books, _acc = started
    assert books.auth.post("/books/masters/counterparties", {"name": " 東京電力 "}).status_code == 303
    [cp] = rows(books, BookCounterparty)
    assert cp.name == "東京電力" and cp.active
    assert "東京電力" in books.client.get("/books/masters/counterparties").get_data(as_text=True)
    # The same name again: the error beside the name field.
    resp = books.auth.post("/books/masters/counterparties", {"name": "東京電力"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "同じ名前がすでにあります。" in html and 'id="name-error"' in html
    path = f"/books/masters/counterparties/{cp.id}"
    assert books.auth.post(path, {"name": "東京電力EP"}).status_code == 303
    assert books.auth.post(f"{path}/active", {"active": "0"}).status_code == 303
    [cp] = rows(books, BookCounterparty)
    assert (cp.name, cp.active) == ("東京電力EP", False)
    # An empty rename: said beside that row's field.
    resp = books.auth.post(f"/books/masters/counterparties/{cp.id}", {"name": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f'id="master-{cp.id}-name-error"' in html


def test_titles_sub_accounts_and_tax_classes(started):
    books, acc = started
    resp = books.auth.post("/books/masters/titles", {"name": "研修費", "kind": "expense",
                                                     "tax_class_key": "purchase_10"})
    assert resp.status_code == 303
    [title] = rows(books, BookTitle, name="研修費")
    assert title.tax_class_key == "purchase_10"
    resp = books.auth.post(f"/books/masters/titles/{title.id}", {"name": "教育研修費", "kind": "expense",
                                                                 "tax_class_key": ""})
    assert resp.status_code == 303
    [title] = rows(books, BookTitle, id=title.id)
    assert (title.name, title.tax_class_key) == ("教育研修費", None)
    assert books.auth.post("/books/masters/sub-accounts", {"title_id": str(title.id),
                                                           "name": "外部講座"}).status_code == 303
    assert rows(books, BookSubAccount, name="外部講座")[0].title_id == title.id
    resp = books.auth.post("/books/masters/sub-accounts", {"title_id": "", "name": "x"})
    assert resp.status_code == 400 and "勘定科目を選んでください。" in resp.get_data(as_text=True)
    resp = books.auth.post("/books/masters/tax-classes/purchase_10", {"name": "課税仕入10%"})
    assert resp.status_code == 303
    assert books.auth.post("/books/masters/tax-classes/sales_10/active", {"active": "0"}).status_code == 303
    office_id = books.office_id(acc)
    taxes = {t.key: t for t in rows(books, BookTaxClass, office_id=office_id)}
    assert taxes["purchase_10"].name == "課税仕入10%" and not taxes["sales_10"].active
    assert books.auth.post("/books/masters/tax-classes/nope", {"name": "x"}).status_code == 404


def test_account_mapping(started):
    books, acc = started
    html = books.client.get("/books/masters/accounts").get_data(as_text=True)
    assert "普通口座" in html and "普通預金" in html and "みずほ銀行" in html
    current = books.title("当座預金", acc)
    resp = books.auth.post(f"/books/masters/accounts/{acc}", {
        f"account-{acc}-title_id": str(current.id), f"account-{acc}-sub_account_id": ""})
    assert resp.status_code == 303
    [mapping] = rows(books, BookAccountMap, account_id=acc)
    assert (mapping.title_id, mapping.sub_account_id) == (current.id, None)
    # A 補助科目 of another 勘定科目: said beside 補助科目.
    other_sub = rows(books, BookSubAccount, name="みずほ銀行")[0]
    resp = books.auth.post(f"/books/masters/accounts/{acc}", {
        f"account-{acc}-title_id": str(current.id), f"account-{acc}-sub_account_id": str(other_sub.id)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "補助科目がこの勘定科目のものではありません。" in html
    assert f'id="account-{acc}-sub_account_id-error"' in html


@pytest.fixture
def foreign(app):
    owner = Books(app, Auth(app.test_client()), "a@example.jp", "A商店")
    acc = owner.account()
    owner.start()
    owner.auth.post("/books/masters/counterparties", {"name": "A社の取引先"})
    cp = rows(owner, BookCounterparty)[0].id
    title = owner.title("雑費", acc).id
    other = Books(app, Auth(app.test_client()), "b@example.jp", "B商店")
    mine = other.account()
    other.start()
    return {"cp": cp, "title": title, "acc": acc, "mine": mine}, owner, other


def test_another_offices_masters_are_404(foreign):
    ids, owner, other = foreign
    assert "A社の取引先" not in other.client.get("/books/masters/counterparties").get_data(as_text=True)
    cp = f"/books/masters/counterparties/{ids['cp']}"
    for path in (cp, f"{cp}/active",
                 f"/books/masters/titles/{ids['title']}", f"/books/masters/titles/{ids['title']}/active",
                 f"/books/masters/accounts/{ids['acc']}"):
        assert other.auth.post(path, {"name": "乗っ取り", "active": "0"}).status_code == 404, path
    # Their 勘定科目 for my account, or as the parent of my 補助科目: 404.
    mine = ids["mine"]
    assert other.auth.post(f"/books/masters/accounts/{mine}", {
        f"account-{mine}-title_id": str(ids["title"])}).status_code == 404
    assert other.auth.post("/books/masters/sub-accounts", {"title_id": str(ids["title"]),
                                                           "name": "x"}).status_code == 404
    [cp] = rows(owner, BookCounterparty, id=ids["cp"])
    assert (cp.name, cp.active) == ("A社の取引先", True)


@pytest.mark.parametrize("path", ["/books/masters/tags", "/books/masters/tags/1",
                                  "/books/masters/tags/1/active", "/books/masters/accounts/1"])
def test_posts_without_a_csrf_token_are_refused(started, path):
    books, _acc = started
    books.auth.post("/books/masters/tags", {"name": "経費"})
    resp = books.client.post(path, data={"name": "x", "active": "0"})
    assert resp.status_code == 400


def test_master_pages_render_in_english(started):
    books, _acc = started
    books.client.post("/lang", data={"csrf_token": books.auth.token("/"), "lang": "en", "next": "/"})
    for kind in KINDS + ["accounts"]:
        resp = books.client.get(f"/books/masters/{kind}")
        assert resp.status_code == 200 and 'lang="en"' in resp.get_data(as_text=True), kind
    assert "Expenses" in books.client.get("/books/masters/titles").get_data(as_text=True)
