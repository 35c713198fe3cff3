"""仕訳の書き出し: every format downloads and reads back (by the published layouts) as the
entries booked; only new entries; the record of each export, downloaded again as it went
out; entries changed after an export; a format's refusal shown on the form with nothing
recorded; nothing to export said so; CSRF; another office's exports and accounts; English."""
import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from portal.bookkeeping.formats import FORMATS
from portal.dates import months_back, today_jst
from portal.models import BookExport
from portal.models.vocabulary import TitleKind
from portal.services.books import journal_export, masters
from portal.services.books.inbox import Suggestion
from tests.support.auth import Auth
from tests.support.journal_readers import READERS, expected_read_back
from tests.web.books_helpers import BANK_SUBS, Books, set_lang

MAY = {"date_from": "2024-05-01", "date_to": "2024-05-31"}


@pytest.fixture
def books(app, auth):
    return Books(app, auth)


def export(books, format_key, only_new=False, accounts=None, **period):
    data = {**MAY, **period, "format_key": format_key,
            "accounts": books.accounts if accounts is None else accounts}
    if only_new:
        data["only_new"] = "y"
    return books.auth.post("/books/exports/download", data)


def records(books):
    with books.session() as s:
        return s.exec(select(BookExport).where(BookExport.office_id == books.office_id)
                      .order_by(BookExport.id)).all()


def read(key, data):
    reader = READERS[key]
    return reader(data, BANK_SUBS) if key in ("yayoi", "mf") else reader(data)


@pytest.mark.parametrize("key", list(FORMATS))
def test_each_format_downloads_what_was_booked(books, key):
    ids = books.may()
    fmt = FORMATS[key]
    with books.session() as s:
        booked = [e for e in journal_export.preview_journal(
            s, books.office_id, period_from=date(2024, 5, 1), period_to=date(2024, 5, 31))
            if fmt.accepts(e)]
    assert booked
    resp = export(books, key)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == fmt.media_type
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="tsunagu-{key}-2024-05.csv"' in disposition
    assert f"filename*=UTF-8''tsunagu-{key}-2024-05.csv" in disposition
    assert resp.headers["Cache-Control"] == "no-store"
    assert read(key, resp.data) == [expected_read_back(key, e) for e in booked]
    (record,) = records(books)
    assert (record.format_key, record.entry_count, record.account_ids) == (key, len(booked), "")
    with books.session() as s:
        held = [i.entry_id for i in journal_export.export_entries(s, books.office_id, record.id)]
    wanted = {"freee": [ids["sale"], ids["elec"]], "freee_transfers": [ids["transfer"]]}
    assert held == wanted.get(key, [ids["sale"], ids["elec"], ids["transfer"]])


def test_freee_says_transfers_go_in_the_second_file(books, client):
    page = client.get("/books/exports").get_data(as_text=True)
    assert FORMATS["freee"].label in page and FORMATS["freee_transfers"].label in page
    assert "口座振替は入りません" in page
    (sale,) = books.statements(0, [(date(2024, 6, 3), -10000, "ﾌﾘｶｴ", None)])
    (into,) = books.statements(1, [(date(2024, 6, 3), 10000, "ﾌﾘｶｴ", None)])
    books.transfer(sale, into)
    resp = export(books, "freee", date_from="2024-06-01", date_to="2024-06-30")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "この期間に書き出す仕訳はありません" in html and "1件あります" in html
    assert records(books) == []


def test_the_form_defaults_to_last_month_in_japan_and_every_account(books, client):
    page = client.get("/books/exports").get_data(as_text=True)
    first = months_back(today_jst(), 1)
    last = months_back(today_jst(), 0) - timedelta(days=1)
    assert f'value="{first.isoformat()}"' in page and f'value="{last.isoformat()}"' in page
    boxes = re.findall(r'<input ([^>]*)name="accounts"([^>]*)>', page)
    assert len(boxes) == 2 and all("checked" in a + b and "required" not in a + b for a, b in boxes)
    assert '<label for="date_from"' in page and "前回の書き出し以降の新しい仕訳だけ" in page


def test_only_new_gives_what_never_went_out_and_says_when_there_is_none(books):
    ids = books.may()
    assert export(books, "generic").status_code == 200
    none_new = export(books, "generic", only_new=True)
    assert none_new.mimetype == "text/html"
    assert "前回の書き出し以降の新しい仕訳はありません" in none_new.get_data(as_text=True)
    assert len(records(books)) == 1
    (later,) = books.statements(0, [(date(2024, 5, 20), -500, "ｺﾋﾟｰﾀﾞｲ", None)])
    later_id = books.book(later, "雑費")
    new = export(books, "generic", only_new=True)
    assert [e.entry_id for e in read("generic", new.data)] == [journal_export.entry_code(later_id)]
    again = export(books, "generic")  # without only_new: everything again, and recorded
    assert [e.entry_id for e in read("generic", again.data)] == [
        journal_export.entry_code(i) for i in (ids["sale"], ids["elec"], ids["transfer"], later_id)]
    assert [(r.only_new, r.entry_count) for r in records(books)] == [(False, 3), (True, 1), (False, 4)]


def test_accounts_narrow_the_export_and_only_the_offices_are_accepted(app, books):
    ids = books.may()
    only_second = export(books, "generic", accounts=[books.accounts[1]])
    assert [e.entry_id for e in read("generic", only_second.data)] == \
        [journal_export.entry_code(ids["transfer"])]
    assert records(books)[-1].account_ids == str(books.accounts[1])
    other = Books(app, Auth(app.test_client()), email="b@example.jp", office="B商店")
    refused = export(books, "generic", accounts=[books.accounts[0], other.accounts[0]])
    assert refused.status_code == 400 and "選べない口座が含まれています。" in refused.get_data(as_text=True)
    nothing = export(books, "generic", accounts=[])
    assert nothing.status_code == 400 and "口座を1つ以上選んでください。" in nothing.get_data(as_text=True)
    assert len(records(books)) == 1


def test_a_format_refusal_names_the_entry_and_records_nothing(books):
    books.may()
    with books.session() as s:
        sushi = masters.add_title(s, books.office_id, "会議費🍣", TitleKind.EXPENSE, "purchase_10")
    (dinner,) = books.statements(0, [(date(2024, 5, 9), -8800, "ｽｼﾔ", None)])
    with books.session() as s:
        from portal.services.books import booking
        bad = booking.confirm(s, books.office_id, dinner, Suggestion(title_id=sushi.id)).id
    resp = export(books, "yayoi")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert journal_export.entry_code(bad) in html and "勘定科目" in html and "Shift_JIS" in html
    assert "何も書き出していません" in html
    assert records(books) == []
    # The preview says the same before anything is tried; UTF-8 formats take it.
    preview = books.auth.post("/books/exports/preview", {**MAY, "format_key": "yayoi",
                                                         "accounts": books.accounts})
    assert journal_export.entry_code(bad) in preview.get_data(as_text=True) and records(books) == []
    assert export(books, "mf").status_code == 200 and len(records(books)) == 1


def test_past_exports_are_listed_and_downloaded_again_as_they_went_out(books, client):
    ids = books.may()
    first = export(books, "yayoi")
    (record,) = records(books)
    page = client.get("/books/exports").get_data(as_text=True)
    assert "owner@example.jp" in page and FORMATS["yayoi"].label in page
    assert "2024/05/01〜2024/05/31" in page and "すべての口座" in page
    again = client.get(f"/books/exports/{record.id}/file")
    assert again.status_code == 200 and again.data == first.data
    assert 'filename="tsunagu-yayoi-2024-05.csv"' in again.headers["Content-Disposition"]
    assert len(records(books)) == 1  # a download again records nothing
    # Edited after going out: listed prominently, and the old file cannot be made again.
    resp = books.auth.post(f"/books/entries/{ids['elec']}/edit",
                           {"title_id": books.title("支払手数料"), "tax_class_key": ""})
    assert resp.status_code == 303
    page = client.get("/books/exports").get_data(as_text=True)
    code = journal_export.entry_code(ids["elec"])
    assert "書き出した後に変わった仕訳 (1件)" in page and "出力後に編集されました" in page
    assert f'href="/books/entries/{ids["elec"]}">{code}</a>' in page
    refused = client.get(f"/books/exports/{record.id}/file", follow_redirects=True)
    said = refused.get_data(as_text=True)
    assert "同じ内容では書き出せません" in said and code in said
    # Undone after going out: listed too, without a link (the entry is gone).
    books.auth.post(f"/books/entries/{ids['sale']}/undo")
    page = client.get("/books/exports").get_data(as_text=True)
    assert "出力後に取り消されました" in page and "書き出した後に変わった仕訳 (2件)" in page


def test_nothing_in_the_period_is_said_and_not_recorded(books):
    books.may()
    resp = export(books, "yayoi", date_from="2023-01-01", date_to="2023-01-31")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "この期間に書き出す仕訳はありません" in resp.get_data(as_text=True)
    bad = export(books, "yayoi", date_from="2024-06-01", date_to="2024-05-01")
    assert bad.status_code == 400 and "終了日は開始日以降にしてください。" in bad.get_data(as_text=True)
    unknown = export(books, "excel97")
    assert unknown.status_code == 400 and "出力形式を選んでください。" in unknown.get_data(as_text=True)
    assert records(books) == []


def test_another_offices_export_is_404(app, books):
    books.may()
    export(books, "generic")
    (record,) = records(books)
    other = Books(app, Auth(app.test_client()), email="b@example.jp", office="B商店")
    assert other.auth.client.get(f"/books/exports/{record.id}/file").status_code == 404
    assert other.auth.client.get("/books/exports/999999/file").status_code == 404
    page = other.auth.client.get("/books/exports").get_data(as_text=True)
    assert "owner@example.jp" not in page and "まだ書き出していません" in page


@pytest.mark.parametrize("path", ["/books/exports/download", "/books/exports/preview"])
def test_posts_without_a_csrf_token_are_refused(books, client, path):
    books.may()
    resp = client.post(path, data={**MAY, "format_key": "generic", "accounts": books.accounts})
    assert resp.status_code == 400 and records(books) == []


def test_the_page_renders_in_english(books, client, auth):
    books.may()
    export(books, "generic")
    books.auth.post(f"/books/entries/{books.may()['elec']}/undo")
    set_lang(client, auth, "en")
    page = client.get("/books/exports")
    assert page.status_code == 200 and 'lang="en"' in page.get_data(as_text=True)
    preview = auth.post("/books/exports/preview",
                        {**MAY, "format_key": "generic", "accounts": books.accounts})
    assert preview.status_code == 200 and 'lang="en"' in preview.get_data(as_text=True)
