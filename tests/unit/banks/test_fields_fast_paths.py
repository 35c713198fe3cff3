"""The fast paths of the strict field readers take exactly what the full checks take."""
from datetime import date
from decimal import Decimal

import pytest

from portal.banks.adapters import fields as f
from portal.banks.errors import BadBankResponse
from portal.ledger.normalize import norm_description


@pytest.mark.parametrize("value", ["１２３", "٣", "²", "1e3", "", " ", "1" * 40, "--1", "1."])
def test_amounts_that_look_like_digits_to_python_are_still_refused(value):
    with pytest.raises(BadBankResponse, match="row.amount"):
        f.amount({"amount": value}, "amount", "row")


def test_amounts_taken_as_before():
    assert f.amount({"a": "1000"}, "a", "w") == Decimal(1000)
    assert f.amount({"a": "-12.50"}, "a", "w") == Decimal("-12.50")
    assert f.amount({"a": " 7 "}, "a", "w") == Decimal(7)  # the strict path still strips
    assert f.amount({"a": 5}, "a", "w") == Decimal(5)


def test_a_day_read_once_is_reused_and_bad_days_stay_refused():
    first = f.day({"d": "2024-05-01"}, "d", "w")
    assert first == date(2024, 5, 1) and f.day({"d": "2024-05-01"}, "d", "w") is first
    for bad in ("2024-02-30", "２０２４-05-01", "20240501", "2024-05-01T00:00"):
        with pytest.raises(BadBankResponse, match="w.d"):
            f.day({"d": bad}, "d", "w")
    assert f.day({}, "d", "w", required=False) is None


def test_text_fast_path_and_the_numbers_it_still_accepts():
    assert f.text({"k": "abc"}, "k", "w") == "abc"
    assert f.text({"k": 12}, "k", "w") == "12"
    with pytest.raises(BadBankResponse):
        f.text({"k": True}, "k", "w")


def test_norm_description_memo_gives_the_same_answer_each_time():
    assert norm_description("ｶｰﾄﾞ　(ｺﾝﾋﾞﾆ)") == norm_description("ｶｰﾄﾞ　(ｺﾝﾋﾞﾆ)") == "カ-ドコンビニ"
    assert norm_description("ァ・ー【】") == "ア.-"
