"""自動登録ルール of an office: saved in priority order (position 1, 2, …), previewed before
saving (how many statements they would match), and drafted from a statement."""
from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlmodel import Session, select

from ...bookkeeping.rules import CompiledRule, Conditions, RuleError, compile_rule
from ...ledger.messages import N_
from ...models import (
    Account,
    BookCounterparty,
    BookDepartment,
    BookRule,
    BookTag,
    Statement,
)
from ...models.vocabulary import Direction, RuleMatch
from .common import BooksError, join_ids, owned, split_ids
from .masters import check_tax_key, check_title_and_sub, require_setup


@dataclass(frozen=True)
class RuleDraft:
    """A rule as a form edits it (saved or not)."""
    match: RuleMatch
    pattern: str
    direction: Direction | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    account_id: int | None = None
    skip: bool = False
    title_id: int | None = None
    sub_account_id: int | None = None
    tax_class_key: str | None = None
    counterparty_id: int | None = None
    department_id: int | None = None
    memo: str = ""
    tag_ids: tuple[int, ...] = ()
    name: str = ""
    active: bool = True

    def conditions(self) -> Conditions:
        return Conditions(RuleMatch(self.match), self.pattern,
                          Direction(self.direction) if self.direction else None,
                          self.amount_min, self.amount_max, self.account_id)


def draft_of(rule: BookRule) -> RuleDraft:
    return RuleDraft(rule.match, rule.pattern, rule.direction, rule.amount_min, rule.amount_max,
                     rule.account_id, rule.skip, rule.title_id, rule.sub_account_id,
                     rule.tax_class_key, rule.counterparty_id, rule.department_id, rule.memo,
                     split_ids(rule.tag_ids), rule.name, rule.active)


def list_rules(session: Session, office_id: int) -> list[BookRule]:
    return list(session.exec(select(BookRule).where(BookRule.office_id == office_id)
                             .order_by(BookRule.position, BookRule.id)))


def compiled_rules(session: Session, office_id: int) -> list[tuple[BookRule, CompiledRule]]:
    """The active rules, in priority order, ready to match (a stored rule that no longer
    compiles is left out rather than stopping the inbox)."""
    out = []
    for rule in list_rules(session, office_id):
        if not rule.active:
            continue
        try:
            out.append((rule, compile_rule(draft_of(rule).conditions())))
        except RuleError:
            continue
    return out


def _check(session: Session, office_id: int, draft: RuleDraft) -> CompiledRule:
    """RuleError (bookkeeping.rules) or BooksError when the draft cannot be saved."""
    compiled = compile_rule(draft.conditions())
    if draft.account_id is not None:
        owned(session, office_id, Account, draft.account_id)
    if not draft.skip:
        if draft.title_id is None:
            raise BooksError("no_title", N_("勘定科目を選んでください。"))
        check_title_and_sub(session, office_id, draft.title_id, draft.sub_account_id)
        check_tax_key(draft.tax_class_key)
    owned(session, office_id, BookCounterparty, draft.counterparty_id, required=False)
    owned(session, office_id, BookDepartment, draft.department_id, required=False)
    for tag_id in draft.tag_ids:
        owned(session, office_id, BookTag, tag_id)
    return compiled


def _fill(rule: BookRule, draft: RuleDraft) -> None:
    rule.match, rule.pattern, rule.direction = RuleMatch(draft.match), draft.pattern, draft.direction
    rule.amount_min, rule.amount_max, rule.account_id = draft.amount_min, draft.amount_max, draft.account_id
    rule.skip, rule.active = draft.skip, draft.active
    rule.memo, rule.name = draft.memo[:500], draft.name[:100]
    rule.tag_ids = join_ids(draft.tag_ids)
    keep = not draft.skip  # a skip books nothing: what it would book is not kept
    rule.title_id = draft.title_id if keep else None
    rule.sub_account_id = draft.sub_account_id if keep else None
    rule.tax_class_key = draft.tax_class_key if keep else None
    rule.counterparty_id, rule.department_id = draft.counterparty_id, draft.department_id


def create_rule(session: Session, office_id: int, draft: RuleDraft,
                position: int | None = None) -> BookRule:
    """Save a new rule, last in priority unless `position` (1 = first) is given. Commits."""
    require_setup(session, office_id)
    _check(session, office_id, draft)
    count = session.exec(select(func.count()).select_from(BookRule)
                         .where(BookRule.office_id == office_id)).one()
    rule = BookRule(office_id=office_id, match=draft.match, pattern=draft.pattern,
                    position=count + 1)
    _fill(rule, draft)
    session.add(rule)
    session.flush()
    if position is not None:
        _place(session, office_id, rule, position)
    session.commit()
    return rule


def update_rule(session: Session, office_id: int, rule_id: int, draft: RuleDraft) -> BookRule:
    rule = owned(session, office_id, BookRule, rule_id)
    _check(session, office_id, draft)
    _fill(rule, draft)
    session.add(rule)
    session.commit()
    return rule


def delete_rule(session: Session, office_id: int, rule_id: int) -> None:
    rule = owned(session, office_id, BookRule, rule_id)
    session.delete(rule)
    session.flush()
    _renumber(session, office_id, list_rules(session, office_id))
    session.commit()


def _renumber(session: Session, office_id: int, rules: list[BookRule]) -> None:
    for i, rule in enumerate(rules, start=1):
        if rule.position != i:
            rule.position = i
            session.add(rule)


def _place(session: Session, office_id: int, rule: BookRule, position: int) -> None:
    others = [r for r in list_rules(session, office_id) if r.id != rule.id]
    index = min(max(position, 1), len(others) + 1) - 1
    _renumber(session, office_id, others[:index] + [rule] + others[index:])


def set_rule_position(session: Session, office_id: int, rule_id: int, position: int) -> BookRule:
    """Put the rule at `position` (1 = tried first; clamped to the list). Commits."""
    rule = owned(session, office_id, BookRule, rule_id)
    _place(session, office_id, rule, position)
    session.commit()
    return rule


def move_rule(session: Session, office_id: int, rule_id: int, step: int) -> BookRule:
    """One place up (step -1) or down (+1), or more."""
    rules = list_rules(session, office_id)
    index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
    if index is None:
        owned(session, office_id, BookRule, rule_id)  # raises NotFound
    return set_rule_position(session, office_id, rule_id, index + 1 + step)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def preview_count(session: Session, office_id: int, draft: RuleDraft) -> int:
    """How many of the office's statements the (unsaved) rule's conditions match. RuleError
    for conditions that cannot be used.

    The database filters by direction, amount and account and, for contains / equals /
    starts with, by the text itself (LIKE on description_norm: both sides are upper case
    already, so SQLite's case-blind LIKE and PostgreSQL's agree). A regular expression is
    run once per distinct (description_norm), counted in SQL, never once per statement."""
    compiled = compile_rule(draft.conditions())
    c = compiled.conditions
    where = [Statement.office_id == office_id]
    if c.account_id is not None:
        where.append(Statement.account_id == c.account_id)
    if c.direction == Direction.IN:
        where.append(Statement.amount > 0)
    elif c.direction == Direction.OUT:
        where.append(Statement.amount < 0)
    if c.amount_min is not None:
        where.append(func.abs(Statement.amount) >= c.amount_min)
    if c.amount_max is not None:
        where.append(func.abs(Statement.amount) <= c.amount_max)
    norm = Statement.description_norm
    if c.match == RuleMatch.EQUALS:
        where.append(norm == compiled.needle)
    elif c.match == RuleMatch.STARTS_WITH:
        where.append(norm.like(_escape_like(compiled.needle) + "%", escape="\\"))
    elif c.match == RuleMatch.CONTAINS:
        where.append(norm.like("%" + _escape_like(compiled.needle) + "%", escape="\\"))
    if c.match != RuleMatch.REGEX:
        return session.exec(select(func.count()).select_from(Statement).where(*where)).one()
    groups = session.exec(select(norm, func.count()).where(*where).group_by(norm)).all()
    return sum(n for text, n in groups if compiled.matches_text(text))


def draft_from_statement(session: Session, office_id: int, statement_id: int) -> RuleDraft:
    """「この明細からルールを作る」: a rule matching this statement's 摘要 exactly in its
    direction, booking what the statement's suggestion (or booking) says."""
    from .inbox import suggestions_for  # the inbox imports this module

    statement = owned(session, office_id, Statement, statement_id)
    draft = RuleDraft(match=RuleMatch.EQUALS, pattern=statement.description.strip(),
                      direction=Direction.IN if statement.amount > 0 else Direction.OUT,
                      name=statement.description.strip()[:100])
    suggestion = suggestions_for(session, office_id, [statement]).get(statement.id)
    if suggestion is None:
        return draft
    return replace(draft, skip=suggestion.skip, title_id=suggestion.title_id,
                   sub_account_id=suggestion.sub_account_id,
                   tax_class_key=suggestion.tax_class_key,
                   counterparty_id=suggestion.counterparty_id,
                   department_id=suggestion.department_id, memo=suggestion.memo,
                   tag_ids=suggestion.tag_ids)

