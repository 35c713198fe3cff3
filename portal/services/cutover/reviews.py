"""The review queue: incoming rows that might be ones already held. The user decides.

Actions: link (the incoming key names the chosen statement), add as new (insert it),
ignore (a tombstone: the review stays, closed, and its key is never inserted again).
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from ...ledger.cutover_match import read_reason
from ...ledger.messages import Message
from ...ledger.normalize import norm_description
from ...models import Account, MatchReview, Statement
from ...models.vocabulary import ReviewState, StatementSource
from .. import balances
from ..statements import count_statements, upsert_statements
from .apply import link, linked_ids, load_row

ACTIONS = ("link", "add", "ignore")


class ReviewError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # not_found | closed | bad_candidate | already_linked


@dataclass(frozen=True)
class Incoming:
    transaction_date: date
    value_date: date | None
    amount: int
    description: str
    description_norm: str
    balance_after: int | None
    source: str


@dataclass(frozen=True)
class Candidate:
    statement: Statement
    reason: str  # Japanese, as stored
    linked: bool  # already carries another API key: cannot be linked again

    @property
    def reason_parts(self) -> tuple[Message, ...]:
        """The reason as messages, for the review page to show in the user's language."""
        return read_reason(self.reason)


@dataclass(frozen=True)
class ReviewItem:
    review: MatchReview
    incoming: Incoming
    candidates: list[Candidate]


def open_counts(session: Session, office_id: int) -> dict[int, int]:
    """Open reviews per account of an office, in one query."""
    return dict(session.exec(select(MatchReview.account_id, func.count()).where(
        MatchReview.office_id == office_id, MatchReview.state == ReviewState.OPEN)
        .group_by(MatchReview.account_id)).all())


def _ids(review: MatchReview) -> list[int]:
    return [int(i) for i in review.candidate_ids.split(",") if i]


def open_reviews(session: Session, account: Account) -> list[ReviewItem]:
    reviews = list(session.exec(select(MatchReview).where(
        MatchReview.account_id == account.id, MatchReview.office_id == account.office_id,
        MatchReview.state == ReviewState.OPEN).order_by(MatchReview.id)))
    wanted = {i for r in reviews for i in _ids(r)}
    stmts = {s.id: s for s in session.exec(select(Statement).where(
        Statement.id.in_(wanted), Statement.account_id == account.id))} if wanted else {}
    taken = linked_ids(session, list(stmts))
    items = []
    for review in reviews:
        row = load_row(review.incoming)
        text = row.get("description") or ""
        incoming = Incoming(row["transaction_date"], row.get("value_date"), row["amount"], text,
                            norm_description(text), row.get("balance_after"),
                            StatementSource(row.get("source", StatementSource.API)))
        reasons = review.reasons.split("\n")
        cands = [Candidate(stmts[i], reasons[n] if n < len(reasons) else "", i in taken)
                 for n, i in enumerate(_ids(review)) if i in stmts]
        items.append(ReviewItem(review, incoming, cands))
    return items


def resolve(session: Session, account: Account, review_id: int, action: str,
            candidate_id: int | None = None) -> str:
    review = session.exec(select(MatchReview).where(
        MatchReview.id == review_id, MatchReview.account_id == account.id,
        MatchReview.office_id == account.office_id)).first()
    if review is None or action not in ACTIONS:
        raise ReviewError("not_found")
    if review.state != ReviewState.OPEN:
        raise ReviewError("closed")
    row = load_row(review.incoming)
    if action == "link":
        if candidate_id not in _ids(review):
            raise ReviewError("bad_candidate")
        statement = session.exec(select(Statement).where(
            Statement.id == candidate_id, Statement.account_id == account.id)).first()
        if statement is None:
            raise ReviewError("bad_candidate")
        if linked_ids(session, [statement.id]):
            raise ReviewError("already_linked")
        link(session, account, [(statement, row)])
        review.state = ReviewState.LINKED
    elif action == "add":
        upsert_statements(session, account, [row])
        account.statement_count = count_statements(session, account.id)
        balances.after_write(session, account, row["transaction_date"])
        review.state = ReviewState.ADDED
    else:
        review.state = ReviewState.IGNORED
    session.add(review)
    session.commit()
    return review.state


def drop_candidates(session: Session, account: Account, statement_ids: set[int]) -> int:
    """Statements about to leave the ledger stop being offered as candidates (their reasons
    go with them, stored line by line in the same order); returns how many reviews changed.
    An open review left without candidates stays open: the user adds or ignores its row."""
    if not statement_ids:
        return 0
    changed = 0
    for review in session.exec(select(MatchReview).where(
            MatchReview.account_id == account.id, MatchReview.office_id == account.office_id)):
        ids = _ids(review)
        if not statement_ids.intersection(ids):
            continue
        reasons = review.reasons.split("\n")
        kept = [(i, reasons[n] if n < len(reasons) else "") for n, i in enumerate(ids)
                if i not in statement_ids]
        review.candidate_ids = ",".join(str(i) for i, _ in kept)
        review.reasons = "\n".join(r for _, r in kept)
        session.add(review)
        changed += 1
    return changed
