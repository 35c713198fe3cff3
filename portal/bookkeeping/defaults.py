"""The masters an office starts its books with: 勘定科目 for a 法人 or a 個人事業主, each with
the 税区分 usually booked with it (税込経理). Plain data; services.books.masters stores it."""
from dataclasses import dataclass

from ..models.vocabulary import BusinessForm, TitleKind

A, L, E = TitleKind.ASSET, TitleKind.LIABILITY, TitleKind.EQUITY
R, X = TitleKind.INCOME, TitleKind.EXPENSE  # revenue, expense


@dataclass(frozen=True)
class DefaultTitle:
    name: str
    kind: TitleKind
    tax_class_key: str | None = None  # None: 対象外 when booked


BANK_TITLE = "普通預金"  # what a bank account books to until the user maps it elsewhere
TRANSFER_DESCRIPTION = "口座振替"

_ASSETS = (
    DefaultTitle("現金", A), DefaultTitle("普通預金", A), DefaultTitle("当座預金", A),
    DefaultTitle("定期預金", A), DefaultTitle("売掛金", A), DefaultTitle("前払費用", A),
    DefaultTitle("仮払金", A), DefaultTitle("立替金", A),
)
_LIABILITIES = (
    DefaultTitle("買掛金", L), DefaultTitle("未払金", L), DefaultTitle("未払費用", L),
    DefaultTitle("前受金", L), DefaultTitle("預り金", L), DefaultTitle("仮受金", L),
    DefaultTitle("借入金", L),
)
_INCOME = (
    DefaultTitle("売上高", R, "sales_10"), DefaultTitle("雑収入", R, "sales_10"),
    DefaultTitle("受取利息", R, "exempt_sales"),
)
_EXPENSES = (
    DefaultTitle("仕入高", X, "purchase_10"), DefaultTitle("外注費", X, "purchase_10"),
    DefaultTitle("給料手当", X, "non_taxable"), DefaultTitle("法定福利費", X, "exempt_purchase"),
    DefaultTitle("福利厚生費", X, "purchase_10"), DefaultTitle("旅費交通費", X, "purchase_10"),
    DefaultTitle("通信費", X, "purchase_10"), DefaultTitle("水道光熱費", X, "purchase_10"),
    DefaultTitle("支払手数料", X, "purchase_10"), DefaultTitle("地代家賃", X, "purchase_10"),
    DefaultTitle("租税公課", X, "out_of_scope"), DefaultTitle("消耗品費", X, "purchase_10"),
    DefaultTitle("広告宣伝費", X, "purchase_10"), DefaultTitle("接待交際費", X, "purchase_10"),
    DefaultTitle("会議費", X, "purchase_10"), DefaultTitle("新聞図書費", X, "purchase_10"),
    DefaultTitle("修繕費", X, "purchase_10"), DefaultTitle("保険料", X, "exempt_purchase"),
    DefaultTitle("支払利息", X, "exempt_purchase"), DefaultTitle("減価償却費", X, "out_of_scope"),
    DefaultTitle("雑費", X, "purchase_10"),
)
_CORPORATION = (
    DefaultTitle("役員貸付金", A), DefaultTitle("役員借入金", L), DefaultTitle("未払法人税等", L),
    DefaultTitle("資本金", E), DefaultTitle("繰越利益剰余金", E),
    DefaultTitle("役員報酬", X, "non_taxable"), DefaultTitle("法人税等", X, "out_of_scope"),
)
# 事業主貸/事業主借: the owner's private money going out of / into the business.
_SOLE_PROPRIETOR = (
    DefaultTitle("事業主貸", E), DefaultTitle("事業主借", E), DefaultTitle("元入金", E),
    DefaultTitle("専従者給与", X, "non_taxable"),
)

DEFAULT_TITLES: dict[BusinessForm, tuple[DefaultTitle, ...]] = {
    BusinessForm.CORPORATION: _ASSETS + _LIABILITIES + _INCOME + _EXPENSES + _CORPORATION,
    BusinessForm.SOLE_PROPRIETOR: _ASSETS + _LIABILITIES + _INCOME + _EXPENSES + _SOLE_PROPRIETOR,
}

_KIND_ORDER = (A, L, E, R, X)


def default_titles(form: BusinessForm) -> list[DefaultTitle]:
    """In the order a chart of accounts reads: assets, liabilities, equity, income, expenses."""
    titles = DEFAULT_TITLES[BusinessForm(form)]
    return sorted(titles, key=lambda t: _KIND_ORDER.index(t.kind))  # stable within a kind
