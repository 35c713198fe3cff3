"""Whatever JSON a bank sends, parsing ends in dataclasses or BadBankResponse, nothing else."""
import copy

import bank_bodies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.banks.adapters import gmo, mufg
from portal.banks.errors import BadBankResponse, BankApiError

FIELDS = [
    "accounts", "balances", "transactions", "accountId", "branchCode", "branchNo",
    "accountTypeCode", "accountNumber", "accountNo", "currencyCode", "balance", "baseDate",
    "baseTime", "withdrawableAmount", "previousDayBalance", "transactionDate", "valueDate",
    "transactionType", "amount", "remarks", "itemKey", "hasNext", "nextItemKey", "nextFlag",
    "nextKeyword", "settlementDate", "transactionId", "debitCreditTypeCode", "accountInfo",
    "operationDate", "operationTime",
]
PLAUSIBLE = st.sampled_from([
    "0", "1", "2", "-1", "12.50", "1e3", "NaN", "１２３", "2024-04-01", "2024-02-30",
    "10:15:00+09:00", "25:00", "true", "", "JPY", "x" * 50,
])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | PLAUSIBLE)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8) | st.sampled_from(FIELDS), inner,
                                      max_size=5), max_leaves=25)
ROW = st.dictionaries(st.sampled_from(FIELDS), SCALARS | JSON, max_size=12)
BODY = st.dictionaries(st.sampled_from(FIELDS), SCALARS | st.lists(ROW, max_size=3) | ROW
                       | JSON, max_size=8)
PARSERS = [gmo.parse_accounts, gmo.parse_balances, mufg.parse_accounts, mufg.parse_balances,
           lambda d: gmo.parse_transactions(d, "1"), lambda d: mufg.parse_transactions(d, "1")]
FAST = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def _parse_all(data):
    for parse in PARSERS:
        try:
            parse(data)
        except BadBankResponse:
            pass


@FAST
@given(JSON)
def test_parsers_on_any_json(data):
    _parse_all(data)


@FAST
@given(BODY)
def test_parsers_on_near_miss_bodies(data):
    _parse_all(data)


@FAST
@given(st.integers(100, 599), st.binary(max_size=200) | JSON.map(lambda v: repr(v).encode()),
       st.text(max_size=40))
def test_error_mapping_never_fails(status, body, retry_after):
    for module in (gmo, mufg):
        err = module.error_from_response(status, {"Retry-After": retry_after}, body)
        assert isinstance(err, BankApiError)
        assert err.retry_after is None or 0 <= err.retry_after <= 7 * 86400


BODIES = [(bank_bodies.GMO_TRANSACTIONS, PARSERS[4]), (bank_bodies.MUFG_TRANSACTIONS, PARSERS[5]),
          (bank_bodies.GMO_BALANCES, gmo.parse_balances),
          (bank_bodies.MUFG_ACCOUNTS, mufg.parse_balances)]


@FAST
@given(st.sampled_from(range(len(BODIES))), st.data())
def test_valid_bodies_with_one_field_replaced(which, data):
    body, parse = copy.deepcopy(BODIES[which][0]), BODIES[which][1]
    target = body
    rows = body.get("transactions") or body.get("balances") or body.get("accounts")
    if rows and data.draw(st.booleans()):
        target = data.draw(st.sampled_from(rows))
    target[data.draw(st.sampled_from(sorted(target)))] = data.draw(JSON)
    try:
        parse(body)
    except BadBankResponse:
        pass
