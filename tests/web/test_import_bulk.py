"""Large statement files: the preview counts every row while it keeps only those it shows,
and the import writes them in batches, each row once, in ledger order."""
import re
from datetime import date, timedelta

from sqlmodel import func, select

from portal.ledger.csv_import import ColumnMapping
from portal.models import Account, Statement, StatementImport
from portal.services import csv_ingest
from tests.web.csv_helpers import crlf, preview_location, register, text

ROWS = 20_000


def rakuten_file(rows: int, *, newest_first: bool = False, bad_every: int = 0) -> tuple[bytes, int]:
    """楽天銀行's layout with a running balance, 30 rows a day, as Shift_JIS; and how many
    lines cannot be read (every `bad_every`-th gets a date no calendar has)."""
    lines, balance, day, bad = [], 500_000, date(2020, 1, 1), 0
    for i in range(rows):
        if i and i % 30 == 0:
            day += timedelta(days=1)
        amount = (i * 7919) % 20000 - 9000 or 1
        balance += amount
        when = f"{day:%Y%m%d}"
        if bad_every and i % bad_every == bad_every - 1:
            when, bad = "20201345", bad + 1
        lines.append(f"{when},{amount},{balance},ｺﾝﾋﾞﾆ {i % 7}")
    if newest_first:
        lines.reverse()
    return crlf("取引日,入出金(円),取引後残高(円),入出金内容", *lines).encode("cp932"), bad


def counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'class="count-(\w+)">(\d+)件', page)}


def test_preview_of_a_large_file_counts_every_row_and_shows_the_first(auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    data, bad = rakuten_file(ROWS, bad_every=997)
    page = text(client.get(preview_location(auth, account_id, data)))
    assert counts(page) == {"new": ROWS - bad, "held": 0, "bad": bad}
    assert page.count('<tr class="status-new">') == 20  # shows the first rows only
    assert "20200101" not in page and "2020/01/01" in page  # the oldest row, read as a date
    assert "(最初の20件)" in page


def test_preview_of_a_newest_first_file_shows_its_oldest_rows_first(auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    data, _ = rakuten_file(3000, newest_first=True)
    page = text(client.get(preview_location(auth, account_id, data)))
    assert counts(page)["new"] == 3000
    lines = [int(n) for n in re.findall(r'<td data-label="行">(\d+)</td>', page)]
    assert lines == list(range(3001, 2981, -1))  # the file's last lines: its oldest rows


def test_bulk_import_adds_each_row_once_in_ledger_order(app, db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    data, _ = rakuten_file(ROWS)
    location = preview_location(auth, account_id, data)
    client.get(location)
    assert auth.post(location).status_code == 303
    assert f"{ROWS}件の明細を取り込みました" in text(client.get(f"/accounts/{account_id}/statements"))
    with db() as s:
        account = s.get(Account, account_id)
        assert account.statement_count == ROWS
        assert s.exec(select(func.count()).select_from(Statement)
                      .where(Statement.account_id == account_id)).one() == ROWS
        # Ids follow the file, oldest first: the ledger order of same-day rows is the bank's.
        balances = s.exec(select(Statement.balance_after).where(Statement.account_id == account_id)
                          .order_by(Statement.transaction_date, Statement.id)).all()
        amounts = s.exec(select(Statement.amount).where(Statement.account_id == account_id)
                         .order_by(Statement.transaction_date, Statement.id)).all()
        assert all(a + b == c for a, b, c in zip(balances, amounts[1:], balances[1:], strict=False))
        assert account.balance == balances[-1]
        [batch] = s.exec(select(StatementImport).where(StatementImport.account_id == account_id)).all()
        assert (batch.added, batch.held) == (ROWS, 0)
    # The same file again: everything is held, nothing is added.
    location = preview_location(auth, account_id, data)
    page = text(client.get(location))
    assert counts(page) == {"new": 0, "held": ROWS, "bad": 0}
    auth.post(location)
    with db() as s:
        assert s.get(Account, account_id).statement_count == ROWS
        assert s.exec(select(func.count()).select_from(Statement)
                      .where(Statement.account_id == account_id)).one() == ROWS
        last = s.exec(select(StatementImport).order_by(StatementImport.id.desc())).first()
        assert (last.added, last.held) == (0, ROWS)


def test_preview_counts_match_what_the_import_adds(app, db, auth, client):
    """Half the file held already, twins on one day: the preview's figures are the import's."""
    auth.signup()
    account_id = register(auth, bank="0005")
    data, _ = rakuten_file(4000)
    half = b"\r\n".join(data.split(b"\r\n")[:2001]) + b"\r\n"
    location = preview_location(auth, account_id, half)
    auth.post(location)
    twins = crlf("取引日,入出金(円),入出金内容", "20200102,-300,ｺﾝﾋﾞﾆ", "20200102,-300,ｺﾝﾋﾞﾆ")
    with app.app_context(), db() as s:
        account = s.get(Account, account_id)
        p = csv_ingest.preview(s, account, data, None)
        assert (p.new, p.held) == (2000, 2000)
        # No balance column: two identical rows of one day are two statements, both new.
        mapping = ColumnMapping(date_col=0, signed_amount_col=1, description_col=2)
        q = csv_ingest.preview(s, account, twins.encode("utf-8"), mapping)
        assert (q.new, q.held) == (2, 0)
    location = preview_location(auth, account_id, data)
    auth.post(location)
    with db() as s:
        last = s.exec(select(StatementImport).order_by(StatementImport.id.desc())).first()
        assert (last.added, last.held) == (2000, 2000)
        assert s.get(Account, account_id).statement_count == 4000


def test_a_large_file_of_unknown_shape_goes_through_the_mapping_step(db, auth, client):
    """Samples past blank lines, the remembered mapping, and every row counted and imported."""
    auth.signup()
    account_id = register(auth, bank="0005")
    rows = [f"2024-05-{1 + i % 28:02d},ｺﾝﾋﾞﾆ{i % 9},{100 + i}," for i in range(5000)]
    data = crlf("利用年月日,ご利用内容,お支払い,お受取り", *[""] * 60, *rows).encode("cp932")
    location = preview_location(auth, account_id, data)
    assert client.get(location).headers["Location"] == f"{location}/mapping"
    page = text(client.get(f"{location}/mapping"))
    assert "2024-05-01 / 2024-05-02" in page and "ｺﾝﾋﾞﾆ0 / ｺﾝﾋﾞﾆ1" in page  # 60 blank lines on
    resp = auth.post(f"{location}/mapping", {"header_line": "1", "col_0": "date", "col_1": "description",
                                             "col_2": "withdrawal", "col_3": "deposit"})
    assert resp.headers["Location"] == location
    assert counts(text(client.get(location))) == {"new": 5000, "held": 0, "bad": 0}
    auth.post(location)
    with db() as s:
        assert s.get(Account, account_id).statement_count == 5000
    # The next file of this shape is read with the remembered mapping: all held.
    again = preview_location(auth, account_id, data)
    assert counts(text(client.get(again))) == {"new": 0, "held": 5000, "bad": 0}
