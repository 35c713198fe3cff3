"""Fresh copies of the spec-shaped bank bodies, so a test may mutate its own."""
import copy

import pytest
from bank_bodies import GMO_ACCOUNTS, GMO_BALANCES, GMO_TRANSACTIONS, MUFG_ACCOUNTS, MUFG_TRANSACTIONS


@pytest.fixture
def gmo_accounts():
    return copy.deepcopy(GMO_ACCOUNTS)


@pytest.fixture
def gmo_balances():
    return copy.deepcopy(GMO_BALANCES)


@pytest.fixture
def gmo_transactions():
    return copy.deepcopy(GMO_TRANSACTIONS)


@pytest.fixture
def mufg_accounts():
    return copy.deepcopy(MUFG_ACCOUNTS)


@pytest.fixture
def mufg_transactions():
    return copy.deepcopy(MUFG_TRANSACTIONS)
