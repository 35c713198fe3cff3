"""Undoing an import: exactly its statements go, after a confirmation page; nothing else."""
import re
from datetime import date

from sqlmodel import select

from portal.models import Account, MatchReview, Statement, StatementAlias, StatementImport
from portal.services.statements import upsert_statements
from tests.web.csv_helpers import MUFG, RAKUTEN, account, crlf, import_file, register, text, upload

LATER = crlf(  # overlaps RAKUTEN on 4/3 (held, not added again) and adds 4/4
    "取引日,入出金(円),取引後残高(円),入出金内容",
    "20240403,50000,147786,振込 ヤマダ タロウ",
    "20240404,-786,147000,手数料",
)


def ledger(db, account_id) -> list[tuple]:
    with db() as s:
        return [(r.transaction_date.isoformat(), r.description, r.source, r.import_id)
                for r in s.exec(select(Statement).where(Statement.account_id == account_id)
                                .order_by(Statement.transaction_date, Statement.id))]


def imports(db, account_id) -> list[StatementImport]:
    with db() as s:
        return list(s.exec(select(StatementImport).where(StatementImport.account_id == account_id)
                           .order_by(StatementImport.id)))


def test_each_import_is_recorded_with_its_file_and_counts(db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    upload_name = "rakuten_202404.csv"
    location = upload(auth, account_id, RAKUTEN.encode("utf-8"), name=upload_name).headers["Location"]
    auth.post(location)
    import_file(auth, account_id, LATER.encode("utf-8"))
    first, second = imports(db, account_id)
    assert (first.file_name, first.layout, first.added, first.held) == (upload_name, "rakuten", 2, 0)
    assert (second.added, second.held) == (1, 1)
    assert [r[3] for r in ledger(db, account_id)] == [first.id, first.id, second.id]
    page = text(client.get(f"/accounts/{account_id}/imports"))
    assert upload_name in page and "楽天銀行" in page
    assert f"/accounts/{account_id}/imports/{first.id}/undo" in page
    assert f"/accounts/{account_id}/imports" in text(client.get(f"/accounts/{account_id}/statements"))


def test_undo_removes_exactly_the_batch_after_asking(db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    import_file(auth, account_id, RAKUTEN.encode("utf-8"))
    auth.post(f"/accounts/{account_id}/statements/new",
              {"transaction_date": "2024-04-03", "description": "現金", "withdrawal": "100"})
    import_file(auth, account_id, LATER.encode("utf-8"))
    first, second = imports(db, account_id)
    before = ledger(db, account_id)
    url = f"/accounts/{account_id}/imports/{first.id}/undo"
    page = text(client.get(url))
    assert "この取り込みで追加した2件の明細を削除します。" in page
    assert ledger(db, account_id) == before  # asking removes nothing
    resp = auth.post(url)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/accounts/{account_id}/imports"
    # The manual entry and the later import's row stay; its held 4/3 row was the first's.
    assert ledger(db, account_id) == [r for r in before if r[3] != first.id]
    assert [r[1] for r in ledger(db, account_id)] == ["現金", "手数料"]
    acc = account(db, account_id)
    assert (acc.statement_count, acc.balance) == (2, 147000)
    listing = text(client.get(f"/accounts/{account_id}/imports"))
    assert "取り込みを取り消しました。2件の明細を削除しました。" in listing and "取り消し済み" in listing
    assert f"/imports/{first.id}/undo" not in listing and f"/imports/{second.id}/undo" in listing
    # A second undo (another tab) changes nothing and says why.
    again = auth.post(url)
    assert again.status_code == 303
    assert "この取り込みはすでに取り消しました。" in text(client.get(again.headers["Location"]))
    assert len(ledger(db, account_id)) == 2


def test_undoing_the_later_import_keeps_what_was_held_before(db, auth):
    auth.signup()
    account_id = register(auth, bank="0005")
    import_file(auth, account_id, RAKUTEN.encode("utf-8"))
    import_file(auth, account_id, LATER.encode("utf-8"))
    first, second = imports(db, account_id)
    auth.post(f"/accounts/{account_id}/imports/{second.id}/undo")
    assert [r[3] for r in ledger(db, account_id)] == [first.id, first.id]
    assert account(db, account_id).balance == 147786  # back to the first file's latest


def test_undo_is_refused_while_a_row_is_linked_to_the_bank(db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    import_file(auth, account_id, RAKUTEN.encode("utf-8"))
    (batch,) = imports(db, account_id)
    before = ledger(db, account_id)
    with db() as s:  # the cutover matching linked one of its rows to an API key
        sid = s.exec(select(Statement.id).where(Statement.import_id == batch.id)).first()
        s.add(StatementAlias(office_id=1, account_id=account_id, dedupe_key="api:x", statement_id=sid))
        s.commit()
    url = f"/accounts/{account_id}/imports/{batch.id}/undo"
    for ask in (lambda: client.get(url), lambda: auth.post(url)):
        resp = ask()
        assert resp.status_code == 303
        page = text(client.get(resp.headers["Location"]))
        assert "1件は、API連携の明細と紐付いているため取り消せません" in page
    assert ledger(db, account_id) == before


def test_undo_leaves_no_review_pointing_at_a_removed_row(db, auth):
    auth.signup()
    account_id = register(auth, bank="0005")
    import_file(auth, account_id, RAKUTEN.encode("utf-8"))
    auth.post(f"/accounts/{account_id}/statements/new",
              {"transaction_date": "2024-04-03", "description": "現金", "withdrawal": "100"})
    (batch,) = imports(db, account_id)
    with db() as s:
        in_batch = s.exec(select(Statement.id).where(Statement.import_id == batch.id)).first()
        manual = s.exec(select(Statement.id).where(Statement.source == "manual")).one()
        s.add(MatchReview(office_id=1, account_id=account_id, incoming="{}",
                          candidate_ids=f"{in_batch},{manual}", reasons="金額一致\n日付差1日"))
        s.commit()
    auth.post(f"/accounts/{account_id}/imports/{batch.id}/undo")
    with db() as s:
        review = s.exec(select(MatchReview)).one()
    assert (review.candidate_ids, review.reasons) == (str(manual), "日付差1日")


def test_an_account_that_became_legacy_through_files_is_manual_again(db, auth):
    auth.signup()
    account_id = register(auth)  # manual, at a bank with API: a file makes it 従来の方法
    import_file(auth, account_id, MUFG.encode("cp932"))
    assert account(db, account_id).sync_method == "legacy"
    (batch,) = imports(db, account_id)
    auth.post(f"/accounts/{account_id}/imports/{batch.id}/undo")
    acc = account(db, account_id)
    assert (acc.sync_method, acc.statement_count, acc.balance) == ("manual", 0, None)


def test_an_api_accounts_own_rows_stay(db, auth):
    auth.signup()
    account_id = register(auth, kind="api:personal")
    with db() as s:
        acc = s.get(Account, account_id)
        acc.gap_from, acc.gap_to = date(2024, 4, 2), date(2024, 4, 4)
        upsert_statements(s, acc, [{"transaction_date": date(2024, 4, 3), "amount": -1080,
                                    "description": "カード", "source": "api", "dedupe_key": "api:9"}])
        s.commit()
    import_file(auth, account_id, MUFG.encode("cp932"))  # adds the 4/3 file row (no balance match)
    (batch,) = imports(db, account_id)
    assert batch.added == 1
    auth.post(f"/accounts/{account_id}/imports/{batch.id}/undo")
    assert [(r[1], r[2]) for r in ledger(db, account_id)] == [("カード", "api")]


def test_the_confirmation_page_names_the_file(db, auth, client):
    auth.signup()
    account_id = register(auth, bank="0005")
    location = upload(auth, account_id, RAKUTEN.encode("utf-8"), name="四月.csv").headers["Location"]
    auth.post(location)
    (batch,) = imports(db, account_id)
    page = text(client.get(f"/accounts/{account_id}/imports/{batch.id}/undo"))
    assert re.search(r"に取り込んだ「四月\.csv」を取り消します", page)
    assert 'class="danger"' in page and "キャンセル" in page
