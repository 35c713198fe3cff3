"""Shared steps of the statement-file tests: accounts, uploads, the ledger as rows."""
import io

from sqlmodel import select

from portal.models import Account, Statement


def crlf(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


MUFG = crlf(
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"',
    '"2024/4/1","振込１","ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ","","300,000","1,300,000","","","振替入金"',
    '"2024/4/3","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","1,298,920","","","振替支払い"',
    '"2024/4/5","口座振替","ﾃﾞﾝﾜﾘﾖｳ","5,500","","1,293,420","","","振替支払い"',
)
RAKUTEN = crlf(
    "取引日,入出金(円),取引後残高(円),入出金内容",
    "20240402,-2214,97786,マスタ－カ－ドニュウカイデ５０エン",
    "20240403,50000,147786,振込 ヤマダ タロウ",
)
CUSTOM = crlf(
    "利用年月日,ご利用内容,お支払い,お受取り,メモ欄",
    "2024-05-01,ｺﾝﾋﾞﾆ,300,,",
    "2024-05-01,ｺﾝﾋﾞﾆ,300,,",  # a genuine same-day twin: both are kept
    "2024-05-02,返金,,120,",
)


def register(auth, bank="0001", kind="manual:personal", name="普通預金") -> int:
    resp = auth.post(f"/accounts/new/{bank}", {"kind": kind, "name": name})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return int(resp.headers["Location"].split("/")[2])


def upload(auth, account_id: int, data: bytes, name="meisai.csv"):
    return auth.post(f"/accounts/{account_id}/import", {"file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


def preview_location(auth, account_id: int, data: bytes) -> str:
    resp = upload(auth, account_id, data)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return resp.headers["Location"]


def import_file(auth, account_id: int, data: bytes):
    """Upload, look at the preview, confirm: what a user does for a recognised file."""
    location = preview_location(auth, account_id, data)
    page = auth.client.get(location)
    assert page.status_code == 200, page.get_data(as_text=True)
    resp = auth.post(location)
    assert resp.status_code == 303
    return resp


def ledger(db, account_id: int) -> list[tuple]:
    """The account's statements as rows, in date order; `db` is the `db` fixture."""
    with db() as s:
        rows = s.exec(select(Statement).where(Statement.account_id == account_id)
                      .order_by(Statement.transaction_date, Statement.id)).all()
        return [(r.transaction_date, r.value_date, r.amount, r.description, r.balance_after)
                for r in rows]


def account(db, account_id: int) -> Account:
    with db() as s:
        return s.get(Account, account_id)


def text(resp) -> str:
    return resp.get_data(as_text=True)
