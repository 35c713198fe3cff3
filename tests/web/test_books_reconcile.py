"""残高照合: 0 differences when every statement is booked, a highlighted difference and a
link to the inbox for what is not; another office's accounts never shown; English."""
import re
from datetime import date

import pytest

from tests.support.auth import Auth
from tests.web.books_helpers import Books, set_lang

# (date, amount, 摘要, the bank's balance after it)
APRIL_MAY = [(date(2024, 4, 1), 1000, "ﾆﾕｳｷﾝ", 11000), (date(2024, 4, 20), -500, "ｼﾊﾗｲ", 10500),
             (date(2024, 5, 3), -200, "ｼﾊﾗｲ", 10300), (date(2024, 5, 9), 700, "ﾆﾕｳｷﾝ", 11000)]


@pytest.fixture
def books(app, auth):
    return Books(app, auth)


def month_rows(page: str) -> list[str]:
    return re.findall(r"<tr class=\"([^\"]*)\">\s*<td data-label=\"月\">", page)


def test_every_statement_booked_reconciles(books, client):
    ids = books.statements(0, APRIL_MAY[:3])
    for statement_id, title in zip(ids, ("売上高", "雑費", "雑費"), strict=True):
        books.book(statement_id, title)
    page = client.get("/books/reconcile").get_data(as_text=True)
    assert "差額のある月: 0" in page
    assert "2024年4月" in page and "2024年5月" in page and "10,300円" in page
    assert "off" not in " ".join(month_rows(page))


def test_a_month_not_booked_shows_its_difference_and_links_to_the_inbox(books, client):
    ids = books.statements(0, APRIL_MAY)
    books.book(ids[0], "売上高")
    books.book(ids[1], "雑費")
    books.book(ids[2], "雑費")
    page = client.get("/books/reconcile").get_data(as_text=True)
    assert "差額のある月: 1" in page
    assert month_rows(page) == ["", "off"]  # April reconciles, May is highlighted
    may = page[page.index("2024年5月"):]
    assert "11,000円" in may and "10,300円" in may and "<strong>700円</strong>" in may
    link = f'href="/books/inbox/?account={books.accounts[0]}"'
    assert link in may and ">1件</a>" in may
    books.book(ids[3], "売上高")
    assert "差額のある月: 0" in client.get("/books/reconcile").get_data(as_text=True)


def test_only_the_offices_accounts_are_reconciled(app, books):
    books.statements(0, [(date(2024, 4, 1), 1000, "ﾆﾕｳｷﾝ", 11000)])
    other = Books(app, Auth(app.test_client()), email="b@example.jp", office="B商店")
    page = other.auth.client.get("/books/reconcile").get_data(as_text=True)
    assert "11,000円" not in page and "差額のある月: 0" in page
    assert "この口座にはまだ明細がありません。" in page


def test_the_page_renders_in_english(books, client, auth):
    books.statements(0, [(date(2024, 4, 1), 1000, "ﾆﾕｳｷﾝ", 11000)])
    set_lang(client, auth, "en")
    page = client.get("/books/reconcile")
    assert page.status_code == 200 and 'lang="en"' in page.get_data(as_text=True)


def test_a_zero_yen_statement_is_not_left_to_book(books, client, db):
    """A 0-yen row (a bank's note, 利息 0円) has nothing to book: the inbox leaves it out, so
    the month must not say a statement is waiting for it either."""
    ids = books.statements(0, [(date(2024, 4, 1), 1000, "ﾆﾕｳｷﾝ", 11000),
                               (date(2024, 4, 2), 0, "ﾘｿｸ", 11000)])
    books.book(ids[0], "売上高")
    page = client.get("/books/reconcile").get_data(as_text=True)
    assert "差額のある月: 0" in page and month_rows(page) == [""]
    april = page[page.index("2024年4月"):]
    assert "/books/inbox/?account=" not in april  # no link to an inbox with nothing in it
    with db() as s:
        plan = " ".join(str(r) for r in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT transaction_date, count(*) FROM statement "
            "WHERE account_id = ? AND office_id = ? AND amount = 0 GROUP BY transaction_date",
            (books.accounts[0], 1)))
    assert "ix_statement_zero" in plan  # counted from the few 0-yen rows, not the ledger
