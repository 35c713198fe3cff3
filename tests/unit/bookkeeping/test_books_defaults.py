"""The default 勘定科目 of each business form (bookkeeping.defaults)."""
import pytest

from portal.bookkeeping.defaults import BANK_TITLE, default_titles
from portal.bookkeeping.tax_classes import TAX_CLASSES
from portal.models.vocabulary import BusinessForm, TitleKind


@pytest.mark.parametrize("form", list(BusinessForm))
def test_each_form_has_a_realistic_chart(form):
    titles = default_titles(form)
    names = [t.name for t in titles]
    assert len(names) == len(set(names))
    for name in ("普通預金", "当座預金", "現金", "売上高", "仕入高", "旅費交通費", "通信費", "水道光熱費",
                 "支払手数料", "給料手当", "地代家賃", "租税公課", "消耗品費", "雑費", "売掛金", "買掛金",
                 "未払金", "借入金", BANK_TITLE):
        assert name in names
    assert all(t.tax_class_key is None or t.tax_class_key in TAX_CLASSES for t in titles)
    kinds = [t.kind for t in titles]
    assert kinds == sorted(kinds, key=[TitleKind.ASSET, TitleKind.LIABILITY, TitleKind.EQUITY,
                                       TitleKind.INCOME, TitleKind.EXPENSE].index)


def test_owner_accounts_only_for_a_sole_proprietor_and_directors_for_a_corporation():
    sole = {t.name for t in default_titles(BusinessForm.SOLE_PROPRIETOR)}
    corp = {t.name for t in default_titles(BusinessForm.CORPORATION)}
    assert {"事業主貸", "事業主借", "元入金"} <= sole
    assert not {"事業主貸", "事業主借"} & corp
    assert {"役員借入金", "資本金", "役員報酬"} <= corp
    assert "役員借入金" not in sole
