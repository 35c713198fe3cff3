"""The running balance of manual entries without 残高, and an account's balance."""
from dataclasses import dataclass
from datetime import date

from portal.ledger.running_balance import Carry, Opening, account_balance, carry_forward


@dataclass
class Row:
    id: int
    transaction_date: date
    amount: int
    balance_after: int | None = None
    balance_derived: bool = True


def d(day: int) -> date:
    return date(2026, 4, day)


def walk(rows, opening=None, start=Carry()):
    changed, end = carry_forward(start, rows, opening)
    return dict(changed), end


def test_derived_rows_carry_the_previous_balance():
    rows = [Row(1, d(1), 1000, 1000, False), Row(2, d(2), -300), Row(3, d(3), 50)]
    assert walk(rows)[0] == {2: 700, 3: 750}


def test_without_a_known_previous_balance_nothing_is_guessed():
    rows = [Row(1, d(1), 1000, None, False), Row(2, d(2), -300)]
    changed, end = walk(rows)
    assert changed == {} and end == Carry(d(2), None)
    # A stale carried balance is cleared, not kept.
    assert walk([Row(1, d(1), 5, None, False), Row(2, d(2), -3, 99)])[0] == {2: None}


def test_a_given_balance_anchors_what_follows():
    rows = [Row(1, d(1), -300), Row(2, d(2), 10, 5000, False), Row(3, d(3), -1)]
    assert walk(rows, start=Carry(d(1), 1000))[0] == {1: 700, 3: 4999}


def test_the_opening_balance_counts_from_its_date():
    opening = Opening(10_000, d(5))
    rows = [Row(1, d(4), -1), Row(2, d(5), -500), Row(3, d(6), 200)]
    # Before its date the balance is unknown; from it on it is carried.
    assert walk(rows, opening)[0] == {2: 9_500, 3: 9_700}
    # It comes before the rows of its own day, even after a row with a given balance.
    rows = [Row(1, d(4), 1, 77, False), Row(2, d(5), -500)]
    assert walk(rows, opening)[0] == {2: 9_500}
    # A later given balance on its day wins over it.
    rows = [Row(1, d(5), 1, 77, False), Row(2, d(5), -7)]
    assert walk(rows, opening)[0] == {2: 70}


def test_unchanged_balances_are_not_rewritten_and_the_walk_resumes():
    rows = [Row(1, d(1), 1000, 1000, False), Row(2, d(2), -300, 700)]
    changed, end = walk(rows)
    assert changed == {} and end == Carry(d(2), 700)
    assert walk([Row(3, d(3), -100)], start=end)[0] == {3: 600}


def test_account_balance_is_the_latest_given_or_the_opening_balance():
    opening = Opening(10_000, d(5))
    assert account_balance(None, None) == (None, None)
    assert account_balance((d(3), 500), None) == (500, d(3))
    assert account_balance(None, opening) == (10_000, d(5))
    assert account_balance((d(3), 500), opening) == (10_000, d(5))  # older than the opening
    assert account_balance((d(5), 500), opening) == (500, d(5))
