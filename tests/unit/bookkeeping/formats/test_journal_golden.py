"""Each format writes a fixed set of entries byte for byte as the checked-in golden file,
and its reader (tests/support/journal_readers.py, written from the published layouts)
reads the file back as the entries less the format's documented losses.

To accept a deliberate change of a format: JOURNAL_GOLDEN_UPDATE=1 pytest this file, then
review the diff of golden/ like code."""
import os
from datetime import date
from pathlib import Path

import pytest

from portal.bookkeeping.entry import EntryKind, Invoice, JournalEntry, Side
from portal.bookkeeping.formats import FORMATS, write_bytes
from tests.support.journal_readers import READERS, expected_read_back

GOLDEN = Path(__file__).parent / "golden"
BANKS = ("みずほ銀行", "ゆうちょ銀行")


def bank(name: str, amount: int) -> Side:
    return Side("普通預金", amount, sub_account=name)


ENTRIES = [
    JournalEntry(  # income: 売上 on the credit side
        "TSU-000001", date(2024, 4, 1), EntryKind.INCOME, bank("みずほ銀行", 110000),
        Side("売上高", 110000, tax_class="sales_10", tax_amount=10000),
        description="振込 カ)テストショウジ", counterparty="株式会社テスト商事",
        settlement_account="みずほ銀行"),
    JournalEntry(  # expense, 課対仕入10% 適格
        "TSU-000002", date(2024, 4, 2), EntryKind.EXPENSE,
        Side("消耗品費", 3300, tax_class="purchase_10", tax_amount=300, invoice=Invoice.QUALIFIED),
        bank("みずほ銀行", 3300), description="文具 事務用品", counterparty="文具店",
        memo="領収書あり", settlement_account="みずほ銀行"),
    JournalEntry(  # expense, 8%(軽) under the 80% transitional measure
        "TSU-000003", date(2024, 4, 3), EntryKind.EXPENSE,
        Side("会議費", 1080, tax_class="purchase_8_reduced", tax_amount=80,
             invoice=Invoice.TRANSITIONAL_80),
        bank("ゆうちょ銀行", 1080), description="弁当 会議用", settlement_account="ゆうちょ銀行"),
    JournalEntry(  # transfer between the office's own accounts
        "TSU-000004", date(2024, 4, 4), EntryKind.TRANSFER, bank("ゆうちょ銀行", 50000),
        bank("みずほ銀行", 50000), description="資金移動", settlement_account="みずほ銀行"),
    JournalEntry(  # a 摘要 a spreadsheet would run as a formula
        "TSU-000005", date(2024, 4, 5), EntryKind.EXPENSE,
        Side("支払手数料", 440, tax_class="purchase_10", tax_amount=40, invoice=Invoice.QUALIFIED),
        bank("みずほ銀行", 440), description="=SUM(A1)", memo="+1 の手数料",
        settlement_account="みずほ銀行"),
    JournalEntry(  # full-width and half-width kana as banks print them
        "TSU-000006", date(2024, 4, 6), EntryKind.INCOME, bank("みずほ銀行", 20000),
        Side("受取利息", 20000, tax_class="exempt_sales"),
        description="ﾌﾘｺﾐ ﾔﾏﾀﾞ ﾀﾛｳ　フリコミ　ヤマダ", counterparty="ﾔﾏﾀﾞ ﾀﾛｳ",
        settlement_account="みずほ銀行"),
    JournalEntry(  # longer than 弥生's 64 half-width 摘要
        "TSU-000007", date(2024, 4, 7), EntryKind.EXPENSE,
        Side("地代家賃", 165000, tax_class="purchase_10", tax_amount=15000,
             invoice=Invoice.QUALIFIED),
        bank("みずほ銀行", 165000),
        description="事務所家賃 2024年4月分 東京都千代田区千代田1-1 テストビル5階 共益費・管理費込み",
        settlement_account="みずほ銀行"),
    JournalEntry(  # tags and a department
        "TSU-000008", date(2024, 4, 8), EntryKind.EXPENSE,
        Side("旅費交通費", 2200, department="営業部", tax_class="purchase_10", tax_amount=200,
             invoice=Invoice.QUALIFIED),
        bank("ゆうちょ銀行", 2200), description="タクシー", counterparty="テスト交通",
        tags=("出張", "案件A"), settlement_account="ゆうちょ銀行"),
]


def entries_for(key: str) -> list[JournalEntry]:
    return [e for e in ENTRIES if FORMATS[key].accepts(e)]


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_matches_golden_file(key):
    data = write_bytes(key, entries_for(key))
    path = GOLDEN / f"{key}.csv"
    if os.environ.get("JOURNAL_GOLDEN_UPDATE"):
        path.write_bytes(data)
    assert data == path.read_bytes()


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_golden_reads_back(key):
    entries = entries_for(key)
    read = READERS[key]
    kwargs = {"bank_accounts": BANKS} if key in ("yayoi", "mf") else {}
    assert read((GOLDEN / f"{key}.csv").read_bytes(), **kwargs) == [
        expected_read_back(key, e) for e in entries]


def test_golden_set_covers_every_kind_for_freee():
    assert entries_for("freee") and entries_for("freee_transfers")
    assert len(entries_for("freee")) + len(entries_for("freee_transfers")) == len(ENTRIES)


def test_golden_details():
    yayoi = (GOLDEN / "yayoi.csv").read_bytes().decode("cp932").split("\r\n")
    assert yayoi[-1] == "" and len(yayoi) == len(ENTRIES) + 1  # CRLF after every line
    assert yayoi[1].split(",")[7] == "課対仕入込10%適格"
    assert yayoi[2].split(",")[7] == "課対仕入込軽減8%区分80%"
    assert yayoi[4].split(",")[16] == "'=SUM(A1)"
    long_cell = yayoi[6].split(",")[16]
    assert len(long_cell.encode("cp932")) <= 64
    assert ENTRIES[6].description.startswith(long_cell)
    mf = (GOLDEN / "mf.csv").read_bytes().decode("utf-8").split("\r\n")
    assert mf[3].split(",")[6:8] == ["課税仕入 (軽)8%", "80%控除"]
    assert mf[8].split(",")[4] == "営業部" and mf[8].split(",")[20] == "出張|案件A"
    freee = (GOLDEN / "freee.csv").read_bytes().decode("cp932").split("\r\n")
    assert freee[3].split(",")[7] == "課対仕入（控80）8%（軽）"
    assert freee[1].startswith("収入,TSU-000001,2024/04/01,,,株式会社テスト商事,売上高,課税売上10%,")
    assert (GOLDEN / "generic.csv").read_bytes().startswith(b"\xef\xbb\xbf")
