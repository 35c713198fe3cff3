from collections import Counter
from dataclasses import dataclass
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.ledger.csv_export import ExportRow, export_csv, export_description
from portal.ledger.csv_import import parse
from portal.ledger.fingerprint import dedup_key, rows_to_insert
from portal.ledger.normalize import norm_description

KANA_AND_MORE = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from("ｧｨｩｪｫｯｬｭｮｰﾞﾟァィゥェォッャュョヮヵヶー－−‐・（）「」　 \u0301\u3099"),
    ),
    max_size=30,
)


@given(KANA_AND_MORE)
def test_norm_is_idempotent(text):
    once = norm_description(text)
    assert norm_description(once) == once


@dataclass(frozen=True)
class Row:
    transaction_date: date
    amount: int
    description: str
    balance_after: int | None = None
    value_date: date | None = None


ROWS = st.lists(
    st.builds(
        Row,
        transaction_date=st.dates(date(2024, 4, 1), date(2024, 4, 3)),
        amount=st.integers(-3, 3),
        description=st.sampled_from(["ATM", "ＡＴＭ", "ｺﾝﾋﾞﾆ", "コンビニ", "振込"]),
        balance_after=st.none() | st.integers(0, 2),
    ),
    max_size=25,
)


def apply(stored: Counter, fetched) -> int:
    added = rows_to_insert(fetched, stored)
    stored.update(i.key for i in added)
    return len(added)


@given(ROWS, ROWS)
def test_count_reconciliation_is_retry_safe(already, fetched):
    stored = Counter(dedup_key(r) for r in already)
    apply(stored, fetched)
    assert apply(stored, fetched) == 0  # a retry adds nothing
    # Afterwards the store holds max(stored, fetched) copies of every key.
    want = Counter(dedup_key(r) for r in already) | Counter(dedup_key(r) for r in fetched)
    assert stored == want


@given(ROWS, ROWS, st.randoms(use_true_random=False))
def test_count_reconciliation_is_order_independent(already, fetched, rnd):
    shuffled = list(fetched)
    rnd.shuffle(shuffled)
    stored = Counter(dedup_key(r) for r in already)
    a = Counter(i.key for i in rows_to_insert(fetched, stored))
    b = Counter(i.key for i in rows_to_insert(shuffled, stored))
    assert a == b


EXPORT_ROWS = st.lists(
    st.builds(
        ExportRow,
        transaction_date=st.dates(date(1990, 1, 1), date(2099, 12, 31)),
        value_date=st.none() | st.dates(date(1990, 1, 1), date(2099, 12, 31)),
        amount=st.integers(-(10**12), 10**12),
        description=st.text(st.characters(codec="utf-8"), max_size=40),
        balance_after=st.none() | st.integers(-(10**12), 10**12),
        memo=st.text(st.characters(codec="utf-8"), max_size=20),
    ),
    max_size=20,
).map(lambda rows: sorted(rows, key=lambda r: r.transaction_date))  # export is oldest first


@settings(max_examples=150)
@given(EXPORT_ROWS, st.sampled_from(["utf-8-sig", "cp932"]))
def test_export_parse_round_trip(rows, encoding):
    result = parse(b"".join(export_csv(rows, encoding)))
    assert result.errors == [] and result.skipped == []
    assert [
        (r.transaction_date, r.value_date, r.amount, r.description, r.balance_after, r.memo)
        for r in result.rows
    ] == [
        (r.transaction_date, r.value_date, r.amount,
         export_description(r.description, encoding), r.balance_after,
         export_description(r.memo, encoding))
        for r in rows
    ]
