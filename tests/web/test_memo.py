"""Statement memos: kept from bank files, shown in the list, edited in place (htmx) or on a
page of their own, written to our CSV and read back."""
import re

from sqlmodel import select

from portal.models import Statement
from tests.support.html_forms import csrf_from
from tests.web.csv_helpers import import_file, register, text

MUFG_WITH_MEMO = (
    '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"\r\n'
    '"2024/4/1","振込１","ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ","","300,000","1,300,000","4月分家賃","","振替入金"\r\n'
    '"2024/4/3","カ－ド","ＪＣＢ）セブンカ－ド","1,080","","1,298,920","","","振替支払い"\r\n'
)


def memos(db, account_id) -> list[tuple[str, str]]:
    with db() as s:
        return [(r.description, r.memo) for r in s.exec(
            select(Statement).where(Statement.account_id == account_id)
            .order_by(Statement.transaction_date, Statement.id))]


def first_id(db, account_id) -> int:
    with db() as s:
        return s.exec(select(Statement.id).where(Statement.account_id == account_id)
                      .order_by(Statement.transaction_date, Statement.id)).first()


def imported(auth, db):
    auth.signup()
    account_id = register(auth)
    import_file(auth, account_id, MUFG_WITH_MEMO.encode("cp932"))
    return account_id, first_id(db, account_id)


def test_a_banks_memo_is_kept_and_shown(db, auth, client):
    account_id, sid = imported(auth, db)
    assert memos(db, account_id) == [("振込１ ｶ)ﾔﾏﾀﾞｼﾖｳﾃﾝ", "4月分家賃"), ("カ－ド ＪＣＢ）セブンカ－ド", "")]
    page = text(client.get(f"/accounts/{account_id}/statements"))
    assert "<th>メモ</th>" in page
    row = re.search(rf'<tr id="statement-{sid}">.*?</tr>', page, re.S).group(0)
    assert '<span class="memo-text">4月分家賃</span>' in row
    assert f'href="/accounts/{account_id}/statements/{sid}/memo"' in row


def test_memo_without_javascript_is_a_form_that_posts_back_to_the_list(db, auth, client):
    account_id, sid = imported(auth, db)
    url = f"/accounts/{account_id}/statements/{sid}/memo"
    page = client.get(url)
    assert page.status_code == 200 and "<html" in text(page) and "4月分家賃" in text(page)
    assert f'action="{url}"' in text(page)
    token = csrf_from(text(page))
    resp = client.post(url, data={"csrf_token": token, f"statement-{sid}-memo": " 5月分と合算 "})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/accounts/{account_id}/statements#statement-{sid}"
    assert memos(db, account_id)[0][1] == "5月分と合算"
    assert "メモを保存しました。" in text(client.get(resp.headers["Location"]))
    # Without the CSRF token nothing is saved.
    assert client.post(url, data={f"statement-{sid}-memo": "x"}).status_code == 400
    assert memos(db, account_id)[0][1] == "5月分と合算"


def test_memo_with_htmx_is_edited_in_place(db, auth, client):
    account_id, sid = imported(auth, db)
    url = f"/accounts/{account_id}/statements/{sid}/memo"
    htmx = {"HX-Request": "true", "X-CSRFToken": auth.token("/")}
    form = client.get(url, headers=htmx)
    assert form.status_code == 200 and "<html" not in text(form)
    assert f'hx-post="{url}"' in text(form) and 'value="4月分家賃"' in text(form)
    assert "HX-Request" in form.headers["Vary"]
    saved = client.post(url, data={f"statement-{sid}-memo": "立替"}, headers=htmx)
    assert saved.status_code == 200 and "<html" not in text(saved)
    assert f'<div class="memo" id="memo-{sid}">' in text(saved) and "立替" in text(saved)
    assert memos(db, account_id)[0][1] == "立替"
    shown = client.get(url + "?show=1", headers=htmx)  # [キャンセル]: the memo as shown
    assert '<span class="memo-text">立替</span>' in text(shown) and "<form" not in text(shown)


def test_a_memo_too_long_is_refused_beside_the_field(db, auth, client):
    account_id, sid = imported(auth, db)
    url = f"/accounts/{account_id}/statements/{sid}/memo"
    htmx = {"HX-Request": "true", "X-CSRFToken": auth.token("/")}
    resp = client.post(url, data={f"statement-{sid}-memo": "長" * 501}, headers=htmx)
    assert resp.status_code == 400 and "<html" not in text(resp)
    assert 'aria-invalid="true"' in text(resp) and 'class="error"' in text(resp)
    assert memos(db, account_id)[0][1] == "4月分家賃"


def test_another_accounts_statement_is_not_found(db, auth, client):
    account_id, sid = imported(auth, db)
    other = register(auth, name="別の口座")
    url = f"/accounts/{other}/statements/{sid}/memo"
    assert client.get(url).status_code == 404
    assert auth.post(url, {f"statement-{sid}-memo": "x"}).status_code == 404
    assert memos(db, account_id)[0][1] == "4月分家賃"


def test_manual_entries_take_a_memo(db, auth):
    auth.signup()
    cash = register(auth, bank="0005", name="現金")
    auth.post(f"/accounts/{cash}/statements/new", {"transaction_date": "2026-04-01",
                                                    "description": "文具", "withdrawal": "980",
                                                    "memo": "会議用"})
    assert memos(db, cash) == [("文具", "会議用")]


def test_memos_go_into_our_csv_and_come_back(db, auth, client):
    account_id, _sid = imported(auth, db)
    body = client.get(f"/accounts/{account_id}/export?encoding=cp932").get_data().decode("cp932")
    assert body.splitlines()[1].endswith(",4月分家賃")
    copy = register(auth, name="写し")
    import_file(auth, copy, body.encode("cp932"))
    assert memos(db, copy) == memos(db, account_id)
