from dataclasses import dataclass
from datetime import date

from portal.ledger.fingerprint import (
    balance_key,
    base_key,
    check_balance_chain,
    dedup_key,
    rows_to_insert,
)

D = date(2024, 4, 1)


@dataclass(frozen=True)
class Row:
    transaction_date: date
    amount: int
    description: str = "ATM"
    balance_after: int | None = None
    value_date: date | None = None


def test_keys_are_stable_short_hex():
    key = balance_key(D, -1000, 9000)
    assert key == balance_key(D, -1000, 9000)
    assert len(key) == 32 and int(key, 16) >= 0
    assert key != balance_key(D, -1000, 8000)  # twins differ by balance


def test_base_key_uses_normalised_text():
    assert base_key(D, None, -300, "ｺﾝﾋﾞﾆ") == base_key(D, None, -300, "コンビニ　")
    assert base_key(D, None, -300, "ｺﾝﾋﾞﾆ") != base_key(D, D, -300, "ｺﾝﾋﾞﾆ")


def test_dedup_key_prefers_balance():
    assert dedup_key(Row(D, -1, balance_after=5)) == balance_key(D, -1, 5)
    assert dedup_key(Row(D, -1)) == base_key(D, None, -1, "ATM")


def test_count_reconciliation_inserts_only_the_missing_copies():
    twins = [Row(D, -300, "コンビニ"), Row(D, -300, "ｺﾝﾋﾞﾆ"), Row(D, 500, "振込")]
    key = dedup_key(twins[0])
    first = rows_to_insert(twins, {})
    assert len(first) == 3
    assert [i.occurrence for i in first if i.key == key] == [1, 2]
    assert len({i.fingerprint for i in first}) == 3
    assert [i.row for i in rows_to_insert(twins, {key: 1})] == [twins[1], twins[2]]
    assert rows_to_insert(twins, {key: 5, dedup_key(twins[2]): 1}) == []


def test_balance_chain_reports_breaks():
    rows = [
        Row(D, 0, balance_after=10000),
        Row(D, -1000, balance_after=9000),
        Row(date(2024, 4, 2), -500),  # no balance: carried in the sum
        Row(date(2024, 4, 3), -500, balance_after=8000),
        Row(date(2024, 4, 5), 100, balance_after=9000),  # a row is missing before this
    ]
    (brk,) = check_balance_chain(rows)
    assert (brk.index, brk.previous_date, brk.transaction_date) == (4, date(2024, 4, 3),
                                                                     date(2024, 4, 5))
    assert (brk.expected_balance, brk.balance_after, brk.gap) == (8100, 9000, 900)
    assert check_balance_chain(rows[:4]) == []
