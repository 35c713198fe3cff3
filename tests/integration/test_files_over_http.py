"""Over real HTTP: a lapse longer than the bank keeps, its exact gap, and files in and out."""
from datetime import date, timedelta

from sqlmodel import select

from portal.models import Account, Statement
from tests.integration.lifetime_helpers import ledger, link_first
from tests.support.flows import PortalUser
from tests.support.html_forms import csrf_from


def upload(user, account_id, data: bytes, name="meisai.csv"):
    token = csrf_from(user.http.get(f"/accounts/{account_id}/import").text)
    resp = user.http.post(f"/accounts/{account_id}/import", data={"csrf_token": token},
                          files={"file": (name, data, "text/csv")})
    assert resp.status_code == 303, resp.text
    return resp.headers["Location"]


def confirm(user, location, **extra):
    token = csrf_from(user.http.get(location).text)
    return user.http.post(location, data={"csrf_token": token, **extra})


def test_a_lapse_shows_the_exact_missing_range_and_takes_a_file_for_it(live_portal, db, sandbox):
    user = PortalUser(live_portal).signup()
    account_id, _remote = link_first(user, sandbox, db)
    lapse_end = date.today() - timedelta(days=365 * 3)
    with db() as s:  # as if the last sync was three years ago
        acc = s.get(Account, account_id)
        acc.synced_through = lapse_end
        s.commit()
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"
    with db() as s:
        acc = s.get(Account, account_id)
        first_api = s.exec(select(Statement.transaction_date).where(Statement.account_id == account_id)
                           .order_by(Statement.transaction_date)).first()
    assert acc.gap_from == lapse_end + timedelta(days=1)
    assert acc.gap_to is not None and acc.gap_to < first_api
    shown = f"{acc.gap_from:%Y/%m/%d}〜{acc.gap_to:%Y/%m/%d}"
    assert shown in user.http.get("/").text
    page = user.http.get(f"/accounts/{account_id}/statements").text
    assert shown in page and "この期間の明細ファイルを取り込む" in page
    # A file (Shift_JIS, 住信SBI layout) with one row inside the gap and one outside it.
    inside, outside = acc.gap_from + timedelta(days=3), acc.gap_to + timedelta(days=10)
    csv = ('"日付","内容","出金金額(円)","入金金額(円)","残高(円)","メモ"\r\n'
           f'"{outside:%Y/%m/%d}","振込＊ヤマダ",,"1,000","5,000","-"\r\n'
           f'"{inside:%Y/%m/%d}","振込＊サトウ",,"2,000","4,000","-"\r\n').encode("cp932")
    location = upload(user, account_id, csv)
    before = len(ledger(db, account_id))
    assert confirm(user, location, gap_complete="y").status_code == 303
    after = ledger(db, account_id)
    assert len(after) == before + 1  # only the row inside the gap
    with db() as s:
        acc = s.get(Account, account_id)
    assert acc.gap_from is None and acc.gap_to is None


def test_csv_import_both_encodings_reimport_and_export_round_trip(live_portal, db):
    user = PortalUser(live_portal).signup()
    source = user.register("0001", kind="manual:personal", name="元帳")
    rows = ['"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"',
            '"2024/4/1","振込１","ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ","","300,000","1,300,000","","","振替入金"',
            '"2024/4/3","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","1,298,920","","","振替支払い"',
            '"2024/4/3","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","1,297,840","","","振替支払い"',
            '"2024/4/5","bad-amount","x","abc","","1,297,840","","","振替支払い"']
    text = "\r\n".join(rows) + "\r\n"
    location = upload(user, source, text.encode("cp932"))
    preview = user.http.get(location).text
    assert "5行目" in preview  # the bad row, by its line number
    assert confirm(user, location).status_code == 303
    assert len(ledger(db, source)) == 3  # twins kept, bad row left out
    again = upload(user, source, text.encode("utf-8-sig"))  # same rows, other encoding
    assert 'class="count-new">0件' in user.http.get(again).text
    confirm(user, again)
    assert len(ledger(db, source)) == 3
    for encoding in ("utf-8-sig", "cp932"):
        exported = user.http.get(f"/accounts/{source}/export", params={"encoding": encoding})
        assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
        target = user.register("0001", kind="manual:personal", name=f"写し{encoding}")
        confirm(user, upload(user, target, exported.content, name="export.csv"))
        with db() as s:
            def rows_of(account_id):
                return sorted((r.transaction_date, r.amount, r.balance_after) for r in s.exec(
                    select(Statement).where(Statement.account_id == account_id)))
            assert rows_of(target) == rows_of(source)
