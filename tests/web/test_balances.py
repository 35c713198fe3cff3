"""Balances of accounts without an API: from their statement files, from an opening balance
and a running balance of manual entries; the same figure on home, the account list and the
statements page. API accounts keep the bank's."""
import re
from datetime import date

from sqlmodel import select

from portal.models import Account, Statement
from tests.web.csv_helpers import MUFG, RAKUTEN, account, crlf, import_file, register, text

# The SMBC layout runs newest first and ends with a balance-only line.
SMBC = crlf(
    "年月日,お引出し,お預入れ,お取り扱い内容,残高,メモ,ラベル",
    '2024/4/3,1200,,"V907163　券売機（ＪＲ）／ｉＤ",147807,"",',
    '2024/4/3,300,,"コンビニ",149007,"",',
    '2024/4/1,,50000,"振込　ｹｲﾃﾞｲ",149307,"",',
    ",,,,99307,,",
)


def shown_balances(client, account_id: int) -> list[str]:
    """The balance as home, /accounts/ and the statements page show it."""
    home = text(client.get("/"))
    row = re.search(rf'id="account-{account_id}".*?<dd class="balance">([^<]*)</dd>', home, re.S)
    listing = text(client.get("/accounts/"))
    cell = re.search(rf'/accounts/{account_id}/statements">[^<]*</a></td>.*?<td class="num">([^<]*)</td>',
                     listing, re.S)
    page = text(client.get(f"/accounts/{account_id}/statements"))
    head = re.search(r"残高 <strong>([^<]*)</strong>", page)
    return [m.group(1) for m in (row, cell, head)]


def settings(auth, account_id, **data):
    return auth.post(f"/accounts/{account_id}/settings", {"name": "現金", **data})


def add(auth, account_id, day, description, **amounts):
    resp = auth.post(f"/accounts/{account_id}/statements/new",
                     {"transaction_date": day, "description": description, **amounts})
    assert resp.status_code == 303, text(resp)


def balances(db, account_id) -> list[tuple]:
    with db() as s:
        return [(r.description, r.balance_after) for r in s.exec(
            select(Statement).where(Statement.account_id == account_id)
            .order_by(Statement.transaction_date, Statement.id))]


def test_file_accounts_show_the_balance_of_their_latest_statement(db, auth, client):
    auth.signup()
    rakuten = register(auth, bank="0005", name="楽天")  # no API at this bank: stays manual
    smbc = register(auth, bank="0009", name="三井住友")
    mufg = register(auth, name="三菱UFJ")  # at an API bank: becomes 従来の方法
    assert shown_balances(client, rakuten) == ["—"] * 3
    import_file(auth, rakuten, RAKUTEN.encode("utf-8"))
    import_file(auth, smbc, SMBC.encode("cp932"))
    import_file(auth, mufg, MUFG.encode("cp932"))
    assert shown_balances(client, rakuten) == ["147,786円"] * 3
    # Two rows on 4/3 in a newest-first file: the later one in the ledger is the balance.
    assert shown_balances(client, smbc) == ["147,807円"] * 3
    assert shown_balances(client, mufg) == ["1,293,420円"] * 3
    assert (account(db, smbc).balance, account(db, smbc).balance_date) == (147807, date(2024, 4, 3))
    # An older file adds history but the balance stays the latest one.
    import_file(auth, rakuten, crlf("取引日,入出金(円),取引後残高(円),入出金内容",
                                    "20240301,100,99900,利息").encode("utf-8"))
    assert shown_balances(client, rakuten) == ["147,786円"] * 3


def test_manual_accounts_carry_an_opening_balance_through_their_entries(db, auth, client):
    auth.signup()
    cash = register(auth, bank="0005", name="現金")
    page = text(client.get(f"/accounts/{cash}/settings"))
    assert "開始残高" in page and 'name="opening_balance"' in page
    assert settings(auth, cash, opening_balance="10000", opening_balance_date="2026-04-01").status_code == 303
    assert shown_balances(client, cash) == ["10,000円"] * 3
    add(auth, cash, "2026-04-02", "文具", withdrawal="980")
    add(auth, cash, "2026-04-05", "売上", deposit="5000")
    assert balances(db, cash) == [("文具", 9020), ("売上", 14020)]
    assert shown_balances(client, cash) == ["14,020円"] * 3
    # An entry dated between them moves every carried balance after it.
    add(auth, cash, "2026-04-03", "切手", withdrawal="20")
    assert balances(db, cash) == [("文具", 9020), ("切手", 9000), ("売上", 14000)]
    # A balance the user types anchors what follows.
    add(auth, cash, "2026-04-04", "数え直し", deposit="1", balance_after="20000")
    assert balances(db, cash)[-2:] == [("数え直し", 20000), ("売上", 25000)]
    assert shown_balances(client, cash) == ["25,000円"] * 3
    # A new opening balance moves the balances carried from it, not the typed one.
    assert settings(auth, cash, opening_balance="0", opening_balance_date="2026-04-01").status_code == 303
    assert balances(db, cash) == [("文具", -980), ("切手", -1000), ("数え直し", 20000), ("売上", 25000)]
    page = text(client.get(f"/accounts/{cash}/statements"))
    assert "(計算)" in page  # carried balances are marked as computed


def test_entries_before_any_known_balance_get_none(db, auth, client):
    auth.signup()
    cash = register(auth, bank="0005", name="現金")
    add(auth, cash, "2026-04-02", "文具", withdrawal="980")
    assert balances(db, cash) == [("文具", None)] and shown_balances(client, cash) == ["—"] * 3
    # Setting the opening balance later fills them in.
    settings(auth, cash, opening_balance="1000", opening_balance_date="2026-04-01")
    assert balances(db, cash) == [("文具", 20)] and shown_balances(client, cash) == ["20円"] * 3
    # Clearing it (both fields empty) takes the carried balances away again.
    assert settings(auth, cash, opening_balance="", opening_balance_date="").status_code == 303
    assert balances(db, cash) == [("文具", None)] and shown_balances(client, cash) == ["—"] * 3


def test_a_manual_entry_follows_a_files_balance(db, auth, client):
    auth.signup()
    rakuten = register(auth, bank="0005", name="楽天")
    import_file(auth, rakuten, RAKUTEN.encode("utf-8"))
    add(auth, rakuten, "2024-04-04", "現金引出", withdrawal="7786")
    assert balances(db, rakuten)[-1] == ("現金引出", 140000)
    assert shown_balances(client, rakuten) == ["140,000円"] * 3


def test_the_opening_balance_needs_its_date(db, auth, client):
    auth.signup()
    cash = register(auth, bank="0005", name="現金")
    resp = settings(auth, cash, opening_balance="10000")
    assert resp.status_code == 400
    assert "開始残高と日付は両方入力してください" in text(resp)
    assert account(db, cash).opening_balance is None


def test_api_accounts_keep_the_banks_balance(db, auth, client):
    auth.signup()
    api = register(auth, kind="api:personal", name="API口座")
    assert 'name="opening_balance"' not in text(client.get(f"/accounts/{api}/settings"))
    with db() as s:  # as a sync leaves it, with a range the bank no longer gives
        acc = s.get(Account, api)
        acc.balance, acc.balance_date = 5_000_000, date(2024, 5, 1)
        acc.gap_from, acc.gap_to = date(2024, 4, 1), date(2024, 4, 5)
        s.commit()
    import_file(auth, api, MUFG.encode("cp932"))
    assert len(balances(db, api)) == 3
    assert shown_balances(client, api) == ["5,000,000円"] * 3
    # An opening balance posted anyway is not taken.
    settings(auth, api, opening_balance="1", opening_balance_date="2024-01-01")
    assert account(db, api).opening_balance is None and account(db, api).balance == 5_000_000


def test_pages_show_the_stored_balance_and_compute_nothing(db, auth, client):
    auth.signup()
    rakuten = register(auth, bank="0005", name="楽天")
    import_file(auth, rakuten, RAKUTEN.encode("utf-8"))
    with db() as s:  # whatever the column holds is what every page shows
        s.get(Account, rakuten).balance = 1
        s.commit()
    assert shown_balances(client, rakuten) == ["1円"] * 3
