"""A bank's amount in minor units: whole 円 (or hundredths), never rounded or cut off."""
from decimal import Decimal

import pytest

from portal.banks.errors import BadBankResponse
from portal.services.sync_run import minor_units


@pytest.mark.parametrize(("amount", "currency", "minor"), [
    ("1000", "JPY", 1000), ("-250", "JPY", -250), ("100.0", "JPY", 100), ("0", "JPY", 0),
    ("12.34", "USD", 1234), ("-0.5", "USD", -50), ("7", "USD", 700),
])
def test_whole_minor_units_are_taken_as_they_are(amount, currency, minor):
    assert minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(("amount", "currency"), [("100.5", "JPY"), ("-0.1", "JPY"),
                                                  ("1.005", "USD"), ("-12.345", "USD")])
def test_a_fraction_below_the_smallest_unit_is_a_bad_response(amount, currency):
    with pytest.raises(BadBankResponse, match=f"smallest unit of {currency}") as caught:
        minor_units(Decimal(amount), currency)
    assert caught.value.code == "bad_response" and not caught.value.transient
