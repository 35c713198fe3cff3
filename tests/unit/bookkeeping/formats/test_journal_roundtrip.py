"""Write → read (by the published layout) gives the entries back less each format's
documented losses, for any entry shaped as a bank statement books."""
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.bookkeeping.entry import EntryKind, Invoice, JournalEntry, Side
from portal.bookkeeping.formats import FORMATS, write_bytes
from portal.bookkeeping.tax_classes import TAX_CLASSES
from tests.support.journal_readers import READERS, expected_read_back

BANKS = ("みずほ銀行", "ゆうちょ銀行", "楽天銀行")
TITLES = ("売上高", "消耗品費", "通信費", "受取利息", "-仮払金", "ｶﾞｿﾘﾝ代")
SUBS = ("", "文具店", "ｶ)ﾃｽﾄ", "'引用")
DEPARTMENTS = ("", "営業部", "本社")
COUNTERPARTIES = ("", "株式会社テスト", "ﾔﾏﾀﾞ ﾀﾛｳ", "+81商事", "髙橋商店")
TAX_KEYS = (*TAX_CLASSES, "独自区分A")  # a custom office code is written as it is

amounts = st.integers(min_value=1, max_value=999_999_999)
texts = st.text(max_size=80)


@st.composite
def other_sides(draw, amount):
    return Side(draw(st.sampled_from(TITLES)), amount, draw(st.sampled_from(SUBS)),
                draw(st.sampled_from(DEPARTMENTS)), draw(st.sampled_from(TAX_KEYS)),
                draw(st.none() | st.integers(0, amount)), draw(st.sampled_from(list(Invoice))))


@st.composite
def entries(draw, kinds=tuple(EntryKind)):
    kind = draw(st.sampled_from(kinds))
    amount = draw(amounts)
    first, second = draw(st.lists(st.sampled_from(BANKS), min_size=2, max_size=2, unique=True))
    bank = Side("普通預金", amount, sub_account=first)
    if kind is EntryKind.TRANSFER:
        debit, credit = Side("普通預金", amount, sub_account=second), bank
    elif kind is EntryKind.INCOME:
        debit, credit = bank, draw(other_sides(amount))
    else:
        debit, credit = draw(other_sides(amount)), bank
    return JournalEntry(
        f"TSU-{draw(st.integers(0, 999_999)):06d}",
        draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))),
        kind, debit, credit, draw(texts), draw(st.sampled_from(COUNTERPARTIES)), draw(texts),
        tuple(draw(st.lists(st.text(max_size=10), max_size=4))), settlement_account=first)


def round_trip(key, batch):
    kwargs = {"bank_accounts": BANKS} if key in ("yayoi", "mf") else {}
    assert READERS[key](write_bytes(key, batch), **kwargs) == [
        expected_read_back(key, e) for e in batch]


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), max_size=6))
def test_yayoi_round_trip(batch):
    round_trip("yayoi", batch)


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), max_size=6))
def test_mf_round_trip(batch):
    round_trip("mf", batch)


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), max_size=6))
def test_generic_round_trip(batch):
    round_trip("generic", batch)


@settings(max_examples=150, deadline=None)
@given(st.lists(entries((EntryKind.INCOME, EntryKind.EXPENSE)), max_size=6))
def test_freee_deals_round_trip(batch):
    round_trip("freee", batch)


@settings(max_examples=100, deadline=None)
@given(st.lists(entries((EntryKind.TRANSFER,)), max_size=6))
def test_freee_transfers_round_trip(batch):
    round_trip("freee_transfers", batch)


def test_every_format_has_a_reader():
    assert set(READERS) == set(FORMATS)
