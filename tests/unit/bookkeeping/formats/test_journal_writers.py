"""The rules every writer documents: Shift_JIS substitution and refusal, 弥生's widths,
kinds per file, streaming, and the registry the UI and the export service use."""
import codecs
import itertools
from datetime import date

import pytest

from portal.bookkeeping.entry import EntryKind, Invoice, JournalEntry, Side
from portal.bookkeeping.formats import (
    CP932_REPLACEMENT,
    FORMATS,
    JournalFormatError,
    UnencodableError,
    get,
    write_bytes,
)
from portal.bookkeeping.formats.common import CHUNK_ROWS, cp932_text
from tests.support.journal_readers import read_freee, read_yayoi


def expense(entry_id="TSU-000001", description="文具", **changes):
    fields = dict(
        entry_id=entry_id, date=date(2024, 4, 1), kind=EntryKind.EXPENSE,
        debit=Side("消耗品費", 1100, tax_class="purchase_10", invoice=Invoice.QUALIFIED),
        credit=Side("普通預金", 1100, sub_account="みずほ銀行"), description=description,
        settlement_account="みずほ銀行")
    fields.update(changes)
    return JournalEntry(**fields)


TRANSFER = expense(kind=EntryKind.TRANSFER, debit=Side("普通預金", 1100, sub_account="楽天銀行"))


# ---- Shift_JIS ------------------------------------------------------------------------
def test_free_text_substitution_rule():
    assert cp932_text("〜−—") == "～－―"  # the JIS/Microsoft twins
    assert cp932_text("™ｶﾞ①髙") == "TMｶﾞ①髙"  # NFKC where it encodes; cp932 has the rest
    assert cp932_text("Café 🍣 𠮷") == f"Caf{CP932_REPLACEMENT} {CP932_REPLACEMENT} {CP932_REPLACEMENT}"


@pytest.mark.parametrize("key", ["yayoi", "freee"])
def test_unencodable_free_text_is_substituted_visibly(key):
    data = write_bytes(key, [expense(description="Café 🍣 〜", memo="😀")])
    read = read_yayoi(data, ("みずほ銀行",)) if key == "yayoi" else read_freee(data)
    assert read[0].description == f"Caf{CP932_REPLACEMENT} {CP932_REPLACEMENT} ～"


@pytest.mark.parametrize("field, entry", [
    ("借方勘定科目", expense(debit=Side("消耗品費🍣", 1100))),
    ("貸方補助科目", expense(credit=Side("普通預金", 1100, sub_account="𠮷野銀行"))),
    ("取引先", expense(counterparty="Café Ñ")),
])
def test_unencodable_name_is_refused_naming_entry_and_character(field, entry):
    with pytest.raises(UnencodableError) as caught:
        get("yayoi").check(entry)
    assert caught.value.entry_id == "TSU-000001"
    assert field in caught.value.field
    assert caught.value.char in "🍣𠮷é"
    assert "TSU-000001" in str(caught.value) and "U+" in str(caught.value)


def test_freee_refuses_unencodable_settlement_account():
    with pytest.raises(UnencodableError, match="決済口座"):
        get("freee").check(expense(settlement_account="Ünion Bank"))


def test_refusal_comes_before_the_entry_is_written():
    """A bad entry never leaves half a row: the stream stops before any of its bytes, and
    check() finds it in a first pass without writing anything."""
    good = [expense(f"TSU-{n:06d}") for n in range(CHUNK_ROWS)]
    bad = expense("TSU-BAD", debit=Side("消耗品費🍣", 1100))
    stream = get("yayoi").write([*good, bad])
    first = next(stream)
    assert first.count(b"\r\n") == CHUNK_ROWS
    with pytest.raises(UnencodableError, match="TSU-BAD"):
        next(stream)
    problems = []
    for entry in [*good, bad]:
        try:
            get("yayoi").check(entry)
        except JournalFormatError as error:
            problems.append(error.entry_id)
    assert problems == ["TSU-BAD"]


def test_utf8_formats_carry_every_character():
    entry = expense(description="Café 🍣 𠮷", counterparty="Ñ商会", debit=Side("消耗品費🍣", 1100))
    assert "🍣".encode() in write_bytes("mf", [entry])
    assert "𠮷".encode() in write_bytes("generic", [entry])


# ---- 弥生's widths ---------------------------------------------------------------------
def yayoi_cells(entry):
    return write_bytes("yayoi", [entry]).decode("cp932").rstrip("\r\n").split(",")


def test_yayoi_description_cut_to_64_half_width_columns_between_characters():
    cell = yayoi_cells(expense(description="a" + "あ" * 40))[16]
    assert cell == "a" + "あ" * 31  # 63 columns: a 32nd あ would split at column 64
    assert yayoi_cells(expense(description="x" * 70))[16] == "x" * 64
    assert yayoi_cells(expense(description="あ" * 32))[16] == "あ" * 32  # exactly 64 fits


def test_yayoi_description_cut_counts_the_formula_quote():
    cell = yayoi_cells(expense(description="=" + "x" * 80))[16]
    assert cell == "'=" + "x" * 62 and len(cell) == 64


@pytest.mark.parametrize("changes, field", [
    ({"debit": Side("あ" * 13, 1100)}, "借方勘定科目"),
    ({"credit": Side("普通預金", 1100, sub_account="あ" * 12 + "x")}, "貸方補助科目"),
    ({"debit": Side("消耗品費", 1100, department="部" * 13)}, "借方部門"),
    ({"debit": Side("消耗品費", 1_000_000_000),
      "credit": Side("普通預金", 1_000_000_000)}, "借方金額"),
])
def test_yayoi_refuses_names_and_amounts_beyond_its_widths(changes, field):
    with pytest.raises(JournalFormatError, match=field):
        get("yayoi").check(expense(**changes))


def test_yayoi_accepts_names_exactly_at_the_width():
    assert yayoi_cells(expense(debit=Side("あ" * 12, 999_999_999),
                               credit=Side("普通預金", 999_999_999)))[4] == "あ" * 12


# ---- kinds per file -------------------------------------------------------------------
def test_freee_files_income_and_expense_apart_from_transfers():
    assert get("freee").accepts(expense()) and not get("freee").accepts(TRANSFER)
    assert get("freee_transfers").accepts(TRANSFER) and not get("freee_transfers").accepts(expense())
    with pytest.raises(JournalFormatError, match="口座振替"):
        get("freee").check(TRANSFER)
    with pytest.raises(JournalFormatError, match="取引"):
        get("freee_transfers").check(expense())


def test_freee_needs_the_settlement_account():
    with pytest.raises(JournalFormatError, match="決済口座"):
        get("freee").check(expense(settlement_account=""))


# ---- streaming ------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(FORMATS))
def test_first_chunk_comes_before_the_input_ends(key):
    pulled = 0
    template = TRANSFER if key == "freee_transfers" else expense()

    def endless():
        nonlocal pulled
        for n in itertools.count():
            pulled += 1
            yield JournalEntry(**{**template.__dict__, "entry_id": f"TSU-{n:06d}"})

    stream = get(key).write(endless())
    first = next(stream)
    assert pulled == CHUNK_ROWS
    header = 0 if key == "yayoi" else 1
    assert first.count(b"\r\n") == CHUNK_ROWS + header
    assert next(stream).count(b"\r\n") == CHUNK_ROWS


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_empty_export(key):
    data = write_bytes(key, [])
    if key == "yayoi":
        assert data == b""
    else:
        assert data.count(b"\r\n") == 1  # the header alone


# ---- registry -------------------------------------------------------------------------
def test_registry_lists_the_formats():
    assert list(FORMATS) == ["yayoi", "freee", "freee_transfers", "mf", "generic"]
    for key, fmt in FORMATS.items():
        assert fmt.key == key and fmt.label and fmt.extension == "csv"
        assert fmt.media_type.startswith("text/csv; charset=")
        assert codecs.lookup(fmt.encoding)  # a codec Python knows
    assert FORMATS["yayoi"].encoding == "cp932" and not FORMATS["yayoi"].has_header
    assert FORMATS["generic"].encoding == "utf-8-sig"


def test_unknown_key_names_the_known_ones():
    with pytest.raises(KeyError, match="yayoi"):
        get("quickbooks")


def test_to_bytes_is_the_stream_joined():
    fmt = get("generic")
    batch = [expense(f"TSU-{n:06d}") for n in range(CHUNK_ROWS * 2 + 3)]
    assert fmt.to_bytes(batch) == b"".join(fmt.write(iter(batch)))
