"""Which dates a sync asks for: history depth, chosen start, overlap, backfill, lapses."""
from datetime import date

import pytest

from portal import dates
from portal.banks.registry import BankRegistry
from portal.models import Account
from portal.services import sync_window

BANK = BankRegistry.from_mapping({"banks": {"0001": {
    "issuer": "https://bank.example/0001", "client_id": "c", "client_secret": "s",
    "history_months_by_type": {"01": 24, "11": 1}}}}).get("0001")
TODAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(sync_window, "today_jst", lambda: TODAY)


def account(**kw) -> Account:
    return Account(**{"office_id": 1, "name": "a", "bank_code": "0001", "kind": "personal",
                      "sync_method": "api", **kw})


@pytest.mark.parametrize("months, expected", [(24, date(2024, 11, 1)), (1, date(2026, 10, 1)),
                                              (11, date(2025, 12, 1))])
def test_months_back_is_the_first_of_the_month(months, expected):
    assert dates.months_back(TODAY, months) == expected


def test_history_by_bank_side_type_first_then_by_kind():
    a = account()
    assert sync_window.earliest_available(a, BANK, TODAY, "11") == date(2026, 10, 1)
    assert sync_window.earliest_available(a, BANK, TODAY, "01") == date(2024, 11, 1)
    assert sync_window.earliest_available(a, BANK, TODAY, "99") == date(2024, 11, 1)  # kind: 24
    assert sync_window.earliest_available(account(kind="corporate"), BANK, TODAY) == date(2025, 11, 1)


def test_first_sync_takes_everything_the_bank_keeps():
    assert sync_window.fetch_window(account(), BANK, 7, "01") == (date(2024, 11, 1), TODAY)


def test_later_syncs_start_one_overlap_before_the_last_synced_date():
    a = account(synced_through=date(2026, 11, 20), fetched_from=date(2024, 11, 1))
    assert sync_window.fetch_window(a, BANK, 7, "01") == (date(2026, 11, 13), TODAY)


def test_a_start_moved_earlier_backfills_from_it_but_never_past_the_bank():
    a = account(synced_through=date(2026, 11, 20), fetched_from=date(2026, 6, 1),
                period_start=date(2025, 1, 10))
    assert sync_window.fetch_window(a, BANK, 7, "01") == (date(2025, 1, 10), TODAY)
    a.period_start = date(2020, 1, 1)
    assert sync_window.fetch_window(a, BANK, 7, "01") == (date(2024, 11, 1), TODAY)


def test_a_lapse_longer_than_the_bank_keeps_is_the_missing_range():
    a = account(synced_through=date(2023, 5, 31))
    assert sync_window.missing_range(a, date(2024, 11, 1)) == (date(2023, 6, 1), date(2024, 10, 31))
    assert sync_window.missing_range(account(synced_through=date(2026, 11, 20)), date(2026, 11, 13)) is None
