"""After a switch from statement files to the API: apply one API page without doubling.

Each page's rows are first stripped of keys already held (a statement, an alias, or a
review opened earlier, so a re-fetched overlap changes nothing). The rest are matched
(rules (c)/(d)) against the account's non-API rows around the page's dates:
- a link attaches the API key to the existing row as a StatementAlias, takes the bank's
  text and keeps the old one in previous_description;
- an ambiguous row opens a MatchReview and stays out of the ledger until the user decides;
- everything else is inserted as usual.
"""
import json
from datetime import date, timedelta

from sqlmodel import Session, select

from ...ledger.cutover_match import MAX_DAY_GAP, IncomingRow, LedgerRow, match_cutover
from ...ledger.normalize import norm_description
from ...models import Account, MatchReview, Statement, StatementAlias
from ...models.vocabulary import StatementSource
from .. import ledger_stats
from ..books import guard as books_guard
from ..statements import upsert_statements

MAX_CANDIDATES = 8  # keeps candidate_ids and reasons inside their columns


def review_keys(session: Session, account_id: int) -> set[str]:
    return {json.loads(text).get("dedupe_key") for text in session.exec(
        select(MatchReview.incoming).where(MatchReview.account_id == account_id))}


def held_keys(session: Session, account: Account, keys: list[str]) -> set[str]:
    held = set(session.exec(select(Statement.dedupe_key).where(
        Statement.account_id == account.id, Statement.dedupe_key.in_(keys))))
    held |= set(session.exec(select(StatementAlias.dedupe_key).where(
        StatementAlias.account_id == account.id, StatementAlias.dedupe_key.in_(keys))))
    return held | review_keys(session, account.id)


def linked_ids(session: Session, statement_ids: list[int]) -> set[int]:
    """Statements that already carry an API key."""
    if not statement_ids:
        return set()
    return set(session.exec(select(StatementAlias.statement_id).where(
        StatementAlias.statement_id.in_(statement_ids), StatementAlias.dedupe_key.startswith("api:"))))


def apply_api_page(session: Session, account: Account, rows: list[dict]) -> int:
    """Link, hold for review or insert one page of API rows; returns how many were inserted.

    The caller commits, together with the sync's progress (as for upsert_statements).
    """
    if not rows:
        return 0
    held = held_keys(session, account, [r["dedupe_key"] for r in rows])
    fresh: dict[str, dict] = {}
    for r in rows:
        if r["dedupe_key"] not in held:
            fresh.setdefault(r["dedupe_key"], r)
    if not fresh:
        return 0
    days = [r["transaction_date"] for r in fresh.values()]
    pool = list(session.exec(select(Statement).where(
        Statement.account_id == account.id, Statement.source != StatementSource.API,
        Statement.transaction_date >= min(days) - timedelta(days=MAX_DAY_GAP),
        Statement.transaction_date <= max(days) + timedelta(days=MAX_DAY_GAP))))
    if not pool:
        return upsert_statements(session, account, list(fresh.values()))
    linked = linked_ids(session, [s.id for s in pool])
    existing = [LedgerRow(s.id, s.transaction_date, s.amount, s.description, s.balance_after,
                          s.value_date, s.id in linked) for s in pool]
    incoming = [IncomingRow(k, r["transaction_date"], r["amount"], r.get("description") or "",
                            r.get("balance_after"), r.get("value_date")) for k, r in fresh.items()]
    result = match_cutover(existing, incoming)
    by_id = {s.id: s for s in pool}
    link(session, account, [(by_id[statement_id], fresh[key]) for statement_id, key in result.links])
    for amb in result.ambiguous:
        hold_for_review(session, account, fresh[amb.incoming_key], amb.candidate_ids, amb.reasons)
    return upsert_statements(session, account, [fresh[k] for k in result.new])


def link(session: Session, account: Account, pairs: list[tuple[Statement, dict]]) -> None:
    """One row, two keys: each incoming row's API key now names its existing statement too.
    A linked row counts on the bank's side of its day as well (ledger.day_sides): the days'
    kept figures are brought up to date once for all the links (a page's, or a review's)."""
    for statement, row in pairs:
        text = row.get("description") or ""
        previous = None
        if text and text != statement.description:
            previous = statement.description
            statement.description, statement.description_norm = text, norm_description(text)
            session.add(statement)
            books_guard.statements_changed(session, account.office_id, [statement.id])
        session.add(StatementAlias(office_id=account.office_id, account_id=account.id,
                                   dedupe_key=row["dedupe_key"], statement_id=statement.id,
                                   previous_description=previous))
    if pairs:
        ledger_stats.touched(session, account.id, {statement.transaction_date for statement, _ in pairs})


def hold_for_review(session: Session, account: Account, row: dict, candidate_ids: list,
                    reasons: list[str]) -> None:
    ids = [int(i) for i in candidate_ids[:MAX_CANDIDATES]]
    # cutover's reasons start with "<id>: "; the ids are stored beside them in order.
    text = "\n".join(r.split(": ", 1)[-1] for r in reasons[:MAX_CANDIDATES])
    session.add(MatchReview(office_id=account.office_id, account_id=account.id,
                            incoming=dump_row(row), candidate_ids=",".join(map(str, ids)),
                            reasons=text[:400]))


def dump_row(row: dict) -> str:
    data = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}
    data["description"] = (data.get("description") or "")[:500]
    return json.dumps(data, ensure_ascii=False)


def load_row(text: str) -> dict:
    """The incoming row of a review, ready for upsert_statements."""
    data = json.loads(text)
    for k in ("transaction_date", "value_date"):
        if data.get(k):
            data[k] = date.fromisoformat(data[k])
    data.pop("sync_run_id", None)  # the run may be long gone from the log by then
    return data
