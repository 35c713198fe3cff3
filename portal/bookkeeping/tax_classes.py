"""税区分: the tax classes an office books with, under our own keys; each journal format
maps a key to the name that product prints (see portal.bookkeeping.formats)."""
from dataclasses import dataclass
from enum import StrEnum


class TaxSide(StrEnum):
    SALES = "sales"  # 売上 side (課税売上…)
    PURCHASE = "purchase"  # 仕入 side (課対仕入…)
    NONE = "none"  # no consumption tax (対象外, 不課税, 非課税)


@dataclass(frozen=True)
class TaxClass:
    key: str
    label: str  # the Japanese name shown in Tsunagu
    rate_percent: int  # 10, 8 or 0
    side: TaxSide
    reduced: bool = False  # 軽減税率


TAX_CLASSES: dict[str, TaxClass] = {c.key: c for c in (
    TaxClass("sales_10", "課税売上10%", 10, TaxSide.SALES),
    TaxClass("sales_8_reduced", "課税売上8%(軽)", 8, TaxSide.SALES, reduced=True),
    TaxClass("purchase_10", "課対仕入10%", 10, TaxSide.PURCHASE),
    TaxClass("purchase_8_reduced", "課対仕入8%(軽)", 8, TaxSide.PURCHASE, reduced=True),
    TaxClass("exempt_sales", "非課税売上", 0, TaxSide.NONE),
    TaxClass("exempt_purchase", "非課税仕入", 0, TaxSide.NONE),
    TaxClass("out_of_scope", "対象外", 0, TaxSide.NONE),
    TaxClass("non_taxable", "不課税", 0, TaxSide.NONE),
)}


def included_tax(amount: int, key: str) -> int:
    """The consumption tax inside a tax-included amount, rounded down (切り捨て), as the
    accounting products compute it by default: 10% → amount × 10 / 110."""
    tax_class = TAX_CLASSES.get(key)
    if tax_class is None or tax_class.rate_percent == 0:
        return 0
    return amount * tax_class.rate_percent // (100 + tax_class.rate_percent)
