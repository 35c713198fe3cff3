"""Importing statement files: both encodings, known layouts and the mapping step, bad rows,
re-import adding nothing, the missing range of an API account, size and format refusals."""
from datetime import date
from pathlib import Path

from portal.models import Account
from portal.services import upload_store
from tests.web.csv_helpers import (
    CUSTOM,
    MUFG,
    RAKUTEN,
    account,
    import_file,
    ledger,
    preview_location,
    register,
    text,
    upload,
)


def test_upload_page_states_the_policy(auth, client):
    auth.signup()
    account_id = register(auth)
    page = text(client.get(f"/accounts/{account_id}/import"))
    assert 'enctype="multipart/form-data"' in page
    assert "読み取れない行は取り込まず、行番号を表示します。それ以外の行は取り込みます。" in page
    assert "三菱UFJ銀行" in page and "楽天銀行" in page


def test_shift_jis_mufg_file_preview_then_import(app, db, auth, client):
    auth.signup()
    account_id = register(auth)
    location = preview_location(auth, account_id, MUFG.encode("cp932"))
    page = text(client.get(location))
    assert "三菱UFJ銀行" in page and "Shift_JIS" in page
    assert 'class="count-new">3件' in page and 'class="count-held">0件' in page
    assert "ＪＣＢ）セブンカ－ド" in page
    assert ledger(db, account_id) == []  # nothing saved before the confirm
    resp = auth.post(location)
    assert resp.headers["Location"] == f"/accounts/{account_id}/statements"
    assert ledger(db, account_id) == [
        (date(2024, 4, 1), None, 300000, "振込１ ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ", 1300000),
        (date(2024, 4, 3), None, -1080, "カ－ド ＪＣＢ）セブンカ－ド", 1298920),
        (date(2024, 4, 5), None, -5500, "口座振替 ﾃﾞﾝﾜﾘﾖｳ", 1293420),
    ]
    page = text(client.get(f"/accounts/{account_id}/statements"))
    assert "3件の明細を取り込みました" in page
    # A manual account at a bank with API sync now holds file history: it offers the switch.
    acc = account(db, account_id)
    assert acc.sync_method == "legacy" and acc.statement_count == 3
    assert "API連携方式に切り替えられます" in page
    assert "API連携方式に切り替えられます" in text(client.get("/"))
    assert not list(Path(app.instance_path, "uploads").glob("*.upload"))  # deleted after import


def test_utf8_rakuten_file_into_account_at_bank_without_api(db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    for data in (RAKUTEN.encode("utf-8"), b"\xef\xbb\xbf" + RAKUTEN.encode("utf-8")):
        location = preview_location(auth, account_id, data)
        page = text(client.get(location))
        assert "楽天銀行" in page and "UTF-8" in page
        auth.post(location)
    assert ledger(db, account_id) == [
        (date(2024, 4, 2), None, -2214, "マスタ－カ－ドニュウカイデ５０エン", 97786),
        (date(2024, 4, 3), None, 50000, "振込 ヤマダ タロウ", 147786),
    ]
    assert account(db, account_id).sync_method == "manual"  # no API at this bank: stays manual


def test_bad_rows_are_listed_with_line_numbers_and_good_rows_kept(db, auth, client):
    auth.signup()
    account_id = register(auth)
    data = MUFG + '"2024/4/6","振込","x","","1,0,0,0x","",""\r\n"2024/13/1","振込","","","500","",""\r\n'
    location = preview_location(auth, account_id, data.encode("cp932"))
    page = text(client.get(location))
    assert 'class="count-new">3件' in page and 'class="count-bad">2件' in page
    assert "5行目" in page and "6行目" in page
    auth.post(location)
    assert len(ledger(db, account_id)) == 3
    assert "読み取れない行2件" in text(client.get(f"/accounts/{account_id}/statements"))


def test_reimporting_the_same_file_adds_nothing(db, auth, client):
    auth.signup()
    account_id = register(auth)
    import_file(auth, account_id, MUFG.encode("cp932"))
    before = ledger(db, account_id)
    location = preview_location(auth, account_id, MUFG.encode("cp932"))
    page = text(client.get(location))
    assert 'class="count-new">0件' in page and 'class="count-held">3件' in page
    assert "新しく取り込む明細はありません" in page
    auth.post(location)
    assert ledger(db, account_id) == before
    # The same rows written as UTF-8 are the same statements too.
    import_file(auth, account_id, MUFG.encode("utf-8"))
    assert ledger(db, account_id) == before


def test_a_longer_file_adds_only_its_new_rows(db, auth):
    auth.signup()
    account_id = register(auth)
    lines = MUFG.splitlines()
    import_file(auth, account_id, "\r\n".join(lines[:3]).encode("cp932"))
    assert len(ledger(db, account_id)) == 2
    import_file(auth, account_id, MUFG.encode("cp932"))
    assert len(ledger(db, account_id)) == 3


def _map_custom(auth, client, account_id, location):
    """The mapping step for CUSTOM: date, text, withdrawal (guessed), deposit (chosen)."""
    resp = client.get(location)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/mapping")
    mapping_url = resp.headers["Location"]
    page = text(client.get(mapping_url))
    assert "「利用年月日」" in page and "例: 2024-05-01" in page
    assert '<option selected value="date">' in page  # guessed from the header
    resp = auth.post(mapping_url, {"header_line": "1", "col_0": "date", "col_1": "description",
                                   "col_2": "withdrawal", "col_3": "deposit", "col_4": ""})
    assert resp.status_code == 303 and resp.headers["Location"] == location
    return mapping_url


def test_unknown_layout_goes_through_the_mapping_step_and_is_remembered(db, auth, client):
    auth.signup()
    account_id = register(auth)
    data = CUSTOM.encode("cp932")
    location = preview_location(auth, account_id, data)
    _map_custom(auth, client, account_id, location)
    page = text(client.get(location))
    assert "列の対応付け" in page and 'class="count-new">3件' in page
    auth.post(location)
    assert ledger(db, account_id) == [
        (date(2024, 5, 1), None, -300, "ｺﾝﾋﾞﾆ", None),
        (date(2024, 5, 1), None, -300, "ｺﾝﾋﾞﾆ", None),  # identical twins are both kept
        (date(2024, 5, 2), None, 120, "返金", None),
    ]
    # The next file of the same shape goes straight to the preview, and adds nothing new.
    location = preview_location(auth, account_id, data)
    page = client.get(location)
    assert page.status_code == 200 and 'class="count-new">0件' in text(page)
    assert 'class="count-held">3件' in text(page)
    auth.post(location)
    assert len(ledger(db, account_id)) == 3


def test_mapping_errors_are_said(auth, client):
    auth.signup()
    account_id = register(auth)
    location = preview_location(auth, account_id, CUSTOM.encode("utf-8"))
    mapping_url = location + "/mapping"
    resp = auth.post(mapping_url, {"header_line": "1", "col_1": "description", "col_2": "withdrawal"})
    assert resp.status_code == 400 and "取引日の列を選んでください" in text(resp)
    resp = auth.post(mapping_url, {"header_line": "1", "col_0": "date", "col_1": "description",
                                   "col_2": "withdrawal", "col_3": "signed"})
    assert resp.status_code == 400 and "どちらか一方" in text(resp)
    resp = client.get(mapping_url + "?header_line=2")
    assert resp.status_code == 200 and 'value="2"' in text(resp) and "「2024-05-01」" in text(resp)


def test_file_over_the_limit_is_refused_with_a_clear_error(app, auth, client):
    auth.signup()
    account_id = register(auth)
    resp = upload(auth, account_id, b"a" * (5 * 1024 * 1024 + 1))
    assert resp.status_code == 413 and "ファイルが大きすぎます" in text(resp)
    huge = upload(auth, account_id, b"a" * (6 * 1024 * 1024))
    assert huge.status_code == 413 and "ファイルが大きすぎます" in text(huge)


def test_not_a_statement_file_is_refused(auth, client):
    auth.signup()
    account_id = register(auth)
    location = preview_location(auth, account_id, b"%PDF-1.4\x00\x01\x02binary")
    resp = client.get(location)
    assert resp.headers["Location"] == f"/accounts/{account_id}/import"
    assert "文字として読み取れません" in text(client.get(resp.headers["Location"]))
    assert upload(auth, account_id, b"").status_code == 400


def test_upload_of_another_user_is_not_found(app, auth, client):
    auth.signup()
    account_id = register(auth)
    location = preview_location(auth, account_id, MUFG.encode("cp932"))
    token = location.rsplit("/", 1)[1]
    folder = Path(app.instance_path, "uploads")
    owner = upload_store.Owner(1, 1, account_id)
    assert upload_store.load(folder, owner, token) is not None
    assert upload_store.load(folder, upload_store.Owner(1, 2, account_id), token) is None
    assert upload_store.load(folder, owner, "../../etc/passwd") is None
    # After an hour the upload is gone.
    assert upload_store.load(folder, owner, token, now=9e12) is None
    assert upload_store.purge_stale(folder, now=9e12) == 1


def test_api_account_takes_a_file_only_for_its_missing_range(db, auth, client):
    auth.signup()
    account_id = register(auth, kind="api:personal")
    assert "不足" not in text(client.get(f"/accounts/{account_id}/statements"))
    assert upload(auth, account_id, MUFG.encode("cp932")).status_code == 400
    with db() as s:
        acc = s.get(Account, account_id)
        acc.gap_from, acc.gap_to = date(2024, 4, 2), date(2024, 4, 4)
        s.commit()
    for page in (text(client.get(f"/accounts/{account_id}/statements")), text(client.get("/"))):
        assert "2024/04/02〜2024/04/04" in page and f"/accounts/{account_id}/import" in page
    location = preview_location(auth, account_id, MUFG.encode("cp932"))
    page = text(client.get(location))
    assert 'class="count-new">1件' in page and 'class="count-outside">2件' in page
    auth.post(location)
    card = (date(2024, 4, 3), None, -1080, "カ－ド ＪＣＢ）セブンカ－ド", 1298920)
    assert ledger(db, account_id) == [card]
    acc = account(db, account_id)
    assert (acc.gap_from, acc.gap_to, acc.sync_method) == (date(2024, 4, 2), date(2024, 4, 4), "api")
    # The user says the file holds everything for the range: the gap closes.
    location = preview_location(auth, account_id, MUFG.encode("cp932"))
    auth.post(location, {"gap_complete": "y"})
    acc = account(db, account_id)
    assert acc.gap_from is None and acc.gap_to is None
    assert len(ledger(db, account_id)) == 1


def test_file_reaching_both_ends_of_the_missing_range_closes_it(db, auth):
    auth.signup()
    account_id = register(auth)
    with db() as s:
        acc = s.get(Account, account_id)
        acc.gap_from, acc.gap_to = date(2024, 4, 1), date(2024, 4, 5)
        s.commit()
    import_file(auth, account_id, MUFG.encode("cp932"))
    acc = account(db, account_id)
    assert acc.gap_from is None and acc.gap_to is None


def test_a_balance_only_line_counts_among_the_unreadable_lines(db, auth, client):
    auth.signup()
    account_id = register(auth)
    data = MUFG + '"2024/4/6","","","","","1,293,420","","",""\r\n'  # a balance, no amount
    location = preview_location(auth, account_id, data.encode("cp932"))
    page = text(client.get(location))
    assert 'class="count-new">3件' in page and 'class="count-bad">1件' in page
    assert "5行目" in page and "金額のない行のため取り込みません" in page
    auth.post(location)
    assert len(ledger(db, account_id)) == 3
    assert "読み取れない行1件" in text(client.get(f"/accounts/{account_id}/statements"))


def test_nothing_new_offers_no_primary_import_button(db, auth, client):
    auth.signup()
    account_id = register(auth)
    import_file(auth, account_id, MUFG.encode("cp932"))
    page = text(client.get(preview_location(auth, account_id, MUFG.encode("cp932"))))
    assert "新しく取り込む明細はありません。" in page
    assert "0件を取り込む" not in page and 'type="submit" class="primary"' not in page
