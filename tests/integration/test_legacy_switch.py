"""Part 6 over real HTTP: an account whose history came from a bank CSV (従来の方法) switches to
API連携方式; the API statements that overlap the file history are matched, none is doubled, a
row the file lacks is added, and the ambiguous pair waits in review until the user links it."""
import json
import unicodedata
from collections import Counter
from datetime import date, timedelta

from sqlmodel import select

from portal.dates import today_jst
from portal.models import MatchReview, RemoteAccount, Statement, StatementAlias, SyncRun
from tests.support.flows import PortalUser
from tests.support.ledger_checks import assert_kept_equals_recomputed

BANK, LOGIN = "0001", "sato"
FILE_DAYS = 90  # the CSV covers the last 90 days
OVERLAP_DAYS = 31  # the switch fetches from 31 days before the last file statement
HEADER = '"日付","摘要","摘要内容","支払い金額","預かり金額","差引残高","メモ","未資金化区分","入払区分"'
TWIN = {"amount": -7777, "remarks": "ATM ｼﾌﾞﾔ"}


def fullwidth(text: str) -> str:
    """As many bank CSVs write it: full-width kana, letters, digits and spaces."""
    s = unicodedata.normalize("NFKC", text)
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def signed(t: dict) -> int:
    return int(t["amount"]) * (1 if t["transactionType"] == "1" else -1)


def legacy_csv(rows: list[dict], twins: set[str]) -> bytes:
    """The bank's own CSV (三菱UFJ layout, Shift_JIS) for rows: text rewritten the way files differ
    from the API (full-width, truncated), and the twins written without a balance."""
    lines = [HEADER]
    for n, t in enumerate(rows):
        text = t.get("remarks", "")
        if n % 3 == 0:
            text = fullwidth(text)
        if n % 5 == 0 and len(text) > 10:
            text = fullwidth(text)[:10]
        amount = signed(t)
        out, into = (f"{-amount:,}", "") if amount < 0 else ("", f"{amount:,}")
        balance = "" if t["itemKey"] in twins else f"{int(t['balance']):,}"
        d = date.fromisoformat(t["transactionDate"])
        lines.append(f'"{d.year}/{d.month}/{d.day}","{text}","","{out}","{into}","{balance}","","",""')
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def import_csv(user: PortalUser, account_id: int, raw: bytes) -> None:
    resp = user.http.post(f"/accounts/{account_id}/import", data={"csrf_token": user.token()},
                          files={"file": ("meisai.csv", raw, "text/csv")})
    assert resp.status_code == 303, resp.text
    preview = user.http.get(resp.headers["Location"])
    assert preview.status_code == 200 and "三菱UFJ銀行" in preview.text
    done = user.post(resp.headers["Location"])
    assert done.status_code == 303


def ledger_keys(db, account_id) -> Counter:
    """How many times each API item key is held, as a statement's key or an alias."""
    with db() as s:
        keys = list(s.exec(select(Statement.dedupe_key).where(Statement.account_id == account_id)))
        keys += list(s.exec(select(StatementAlias.dedupe_key).where(StatementAlias.account_id == account_id)))
    return Counter(k for k in keys if k.startswith("api:"))


def ledger(db, account_id) -> list[Statement]:
    with db() as s:
        return list(s.exec(select(Statement).where(Statement.account_id == account_id)))


def consent_and_first_sync(user: PortalUser, db, account_id: int, remote_id: str) -> None:
    """After the switch: consent at the bank, sync, choose the bank-side account (the login
    has several), and the first sync ends done."""
    back = user.consent(account_id, login=LOGIN)
    assert back.status_code == 303
    user.sync(account_id)
    assert user.wait_state(account_id, "needs_selection", "done", "failed") == "needs_selection"
    with db() as s:
        remote = s.exec(select(RemoteAccount).where(RemoteAccount.remote_id == remote_id)).one()
    assert user.post(f"/accounts/{account_id}/select", {"remote_account": str(remote.id)}).status_code == 303
    assert user.wait_state(account_id, "done", "failed") == "done"


def test_switch_from_file_history_to_api_without_duplicates(live_portal, db, sandbox):
    today = today_jst()
    bank_user = sandbox.admin("GET", f"/banks/{BANK}/_sandbox/users/{LOGIN}").json()
    remote_id = bank_user["accounts"][0]["accountId"]
    added = sandbox.admin("POST", f"/banks/{BANK}/_sandbox/accounts/{remote_id}/transactions",
                          json={"transactions": [TWIN, TWIN]}).json()["transactions"]
    twins = {t["itemKey"] for t in added}
    truth = sandbox.admin("GET", f"/banks/{BANK}/_sandbox/ground-truth/{remote_id}").json()["transactions"]
    start = today - timedelta(days=FILE_DAYS)
    held = [t for t in truth if date.fromisoformat(t["transactionDate"]) >= start]
    overlap_from = today - timedelta(days=OVERLAP_DAYS)
    in_overlap = [t for t in held if date.fromisoformat(t["transactionDate"]) >= overlap_from]
    missing = next(t for t in in_overlap if t["itemKey"] not in twins and t.get("remarks"))
    file_rows = [t for t in held if t is not missing]  # the file lacks one row the bank has

    user = PortalUser(live_portal).signup()
    account_id = user.register(BANK, kind="manual:personal", name="佐藤 普通預金")
    import_csv(user, account_id, legacy_csv(file_rows, twins))
    assert len(ledger(db, account_id)) == len(file_rows)
    assert "API連携方式に切り替えられます" in user.http.get("/").text

    page = user.http.get(f"/accounts/{account_id}/switch").text
    assert f"切り替え日: {today:%Y/%m/%d}" in page
    resp = user.post(f"/accounts/{account_id}/switch")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/accounts/{account_id}/connect"
    consent_and_first_sync(user, db, account_id, remote_id)

    # No API row is held twice; only the ambiguous ones (the twins, and any row whose text
    # is empty on both sides, which says nothing) wait outside the ledger.
    expect_review = twins | {t["itemKey"] for t in in_overlap if not t.get("remarks")}
    keys = ledger_keys(db, account_id)
    assert max(keys.values()) == 1
    assert set(keys) == {f"api:{t['itemKey']}" for t in in_overlap} - {f"api:{k}" for k in expect_review}
    with db() as s:
        run = s.exec(select(SyncRun).where(SyncRun.account_id == account_id, SyncRun.state == "done")).one()
        reviews = s.exec(select(MatchReview).where(MatchReview.account_id == account_id)).all()
        added_row = s.exec(select(Statement).where(
            Statement.account_id == account_id, Statement.dedupe_key == f"api:{missing['itemKey']}")).one()
    assert run.added == 1 and added_row.amount == signed(missing)
    # Every other overlapping row was linked to the file's row, the file's text kept.
    with db() as s:
        aliases = s.exec(select(StatementAlias).where(StatementAlias.account_id == account_id)).all()
    assert len(in_overlap) >= 10 and len(aliases) == len(in_overlap) - len(expect_review) - 1
    assert any(a.previous_description and "\u3000" in a.previous_description for a in aliases)
    assert run.date_from == overlap_from
    assert sorted(r.state for r in reviews) == ["open"] * len(expect_review)
    assert {json.loads(r.incoming)["dedupe_key"].removeprefix("api:") for r in reviews} == expect_review
    rows = ledger(db, account_id)
    assert Counter((r.transaction_date, r.amount) for r in rows) == Counter(
        (date.fromisoformat(t["transactionDate"]), signed(t)) for t in held)
    truth_balance = {(date.fromisoformat(t["transactionDate"]), int(t["balance"])) for t in held}
    assert all((r.transaction_date, r.balance_after) in truth_balance
               for r in rows if r.balance_after is not None)
    assert f"確認が必要な明細が{len(expect_review)}件あります" in user.http.get("/").text
    with db() as s:  # the links moved their rows to the bank's side of their days too
        assert_kept_equals_recomputed(s, account_id)
    # The day-by-day cross-check names exactly the day the file lacked a row.
    statements_page = user.http.get(f"/accounts/{account_id}/statements").text
    assert "明細ファイルと銀行の明細が一致しない日があります" in statements_page
    missing_day = date.fromisoformat(missing["transactionDate"])
    flagged = statements_page.split("day-mismatches", 1)[1].split("</div>", 1)[0]
    assert f"{missing_day:%Y/%m/%d}: " in flagged and flagged.count("<li>") == 1

    page = user.http.get(f"/accounts/{account_id}/review").text
    assert page.count('class="card review-item"') == len(expect_review) and "取得した明細" in page
    # The user links each waiting row to a row of the file; one already linked is refused,
    # so each twin ends on its own row. Nothing is added or doubled.
    for review in reviews:
        for candidate in review.candidate_ids.split(","):
            resp = user.post(f"/accounts/{account_id}/review/{review.id}",
                             {"action": "link", "candidate": candidate})
            assert resp.status_code == 303
            with db() as s:
                if s.get(MatchReview, review.id).state == "linked":
                    break
        else:
            raise AssertionError(f"review {review.id} could not be linked")
    keys = ledger_keys(db, account_id)
    assert max(keys.values()) == 1 and set(keys) == {f"api:{t['itemKey']}" for t in in_overlap}
    assert len(ledger(db, account_id)) == len(held)
    assert "確認が必要な明細は" in user.http.get(f"/accounts/{account_id}/review").text
    with db() as s:
        assert_kept_equals_recomputed(s, account_id)
    assert "day-mismatches" in user.http.get(f"/accounts/{account_id}/statements").text

    # A later sync re-fetches the overlap: nothing new, nothing asked again.
    user.sync(account_id)
    assert user.wait_state(account_id, "done", "failed") == "done"
    assert len(ledger(db, account_id)) == len(held)
    with db() as s:
        assert len(s.exec(select(MatchReview).where(MatchReview.account_id == account_id)).all()) \
            == len(reviews)
