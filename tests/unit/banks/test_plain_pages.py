"""A statement page read in one pass (plain_pages) is what the checking parser reads: the
same page, or the same error, for any body; and a page in the usual form takes that pass."""
import json

import bank_bodies
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bank_parse_properties import BODY, JSON

from portal.banks.adapters import gmo, mufg
from portal.banks.adapters.responses import decode_json
from portal.banks.errors import BadBankResponse

# Values a bank might send in place of a usual one: each is read one way or the other.
ODD_VALUES = [
    None, True, False, 0, 1, 2, -5, 12.5, 10**40, "", "0", "1", "2", "3", "-0", "-5", "12.50",
    "1e3", "1,000", " 12", "１２３", "NaN", "9" * 32, "9" * 33, "-" + "9" * 31, "-" + "9" * 32,
    "2024-04-01", "2024-4-01", "2024-02-30", "2024-04-01T00:00:00", "0000-01-01", "20240401",
    "２０２４-04-01", "true", "false", "JPY", "USD", "x" * 40, [], {}, ["1"], {"a": 1},
]
ODD = st.sampled_from(ODD_VALUES) | JSON


def _outcome(read):
    try:
        return read()
    except BadBankResponse as exc:
        return ("error", str(exc), exc.transient)


def _same_both_ways(module, body: bytes, remote_id: str) -> None:
    fast = _outcome(lambda: module.transactions_from_body(body, remote_id))
    checked = _outcome(lambda: module.parse_transactions(decode_json(body), remote_id))
    assert fast == checked


def _gmo_page(rows, more: bool):
    page = {"accountId": "1", "currencyCode": "JPY", "hasNext": more, "transactions": rows}
    if more:
        page["nextItemKey"] = "k-next"
    return page


def _mufg_page(rows, more: bool):
    page = {"accountInfo": {"accountId": "1", "currencyCode": "JPY"},
            "nextFlag": "1" if more else "0", "transactions": rows}
    if more:
        page["nextKeyword"] = "k-next"
    return page


def _gmo_row(i, kind, amount, balance, day, remarks):
    row = {"itemKey": f"k{i}", "transactionDate": day, "transactionType": kind,
           "amount": amount, "remarks": remarks}
    if balance is not None:
        row["balance"] = balance
    return row


def _mufg_row(i, kind, amount, balance, day, remarks):
    row = {"transactionId": f"k{i}", "settlementDate": day, "debitCreditTypeCode": kind,
           "amount": amount, "remarks": remarks, "valueDate": day}
    if balance is not None:
        row["balance"] = balance
    return row


DIALECTS = {"gmo": (gmo, _gmo_page, _gmo_row), "mufg": (mufg, _mufg_page, _mufg_row)}
ROWS = st.lists(st.tuples(st.sampled_from(["1", "2"]), st.integers(0, 10**12).map(str),
                          st.none() | st.integers(-10**12, 10**12).map(str),
                          st.dates().map(lambda d: d.isoformat()),
                          st.text(max_size=20)), max_size=6)
FAST = settings(max_examples=400, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def _usual(dialect: str, rows, more: bool) -> dict:
    _module, page, row = DIALECTS[dialect]
    return page([row(i, *r) for i, r in enumerate(rows)], more)


@FAST
@given(st.sampled_from(sorted(DIALECTS)), ROWS, st.booleans(), st.data())
def test_a_page_with_one_value_changed_reads_the_same_both_ways(dialect, rows, more, data):
    page = _usual(dialect, rows, more)
    targets = [page, *page["transactions"]]
    if "accountInfo" in page:
        targets.append(page["accountInfo"])
    target = data.draw(st.sampled_from(targets))
    key = data.draw(st.sampled_from(sorted(target) + ["valueDate", "extra"]))
    if data.draw(st.booleans()) and key in target:
        del target[key]
    else:
        target[key] = data.draw(ODD)
    _same_both_ways(DIALECTS[dialect][0], json.dumps(page, ensure_ascii=False).encode(), "1")


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_odd_value_in_every_field_reads_the_same_both_ways(dialect):
    module = DIALECTS[dialect][0]
    rows = [("1", "1000", "5000", "2024-04-01", "振込"), ("2", "300", None, "2024-04-02", "")]
    for more in (False, True):
        fields = [(None, key) for key in _usual(dialect, rows, more)]
        fields += [(1, key) for key in _usual(dialect, rows, more)["transactions"][1]]
        fields += [(1, "valueDate"), (1, "balance")]
        for row, key in fields:
            for value in [*ODD_VALUES, "missing"]:
                page = _usual(dialect, rows, more)
                target = page if row is None else page["transactions"][row]
                if value == "missing":
                    target.pop(key, None)
                else:
                    target[key] = value
                _same_both_ways(module, json.dumps(page, ensure_ascii=False).encode(), "1")


@FAST
@given(st.sampled_from(sorted(DIALECTS)), BODY | JSON)
def test_any_body_reads_the_same_both_ways(dialect, data):
    _same_both_ways(DIALECTS[dialect][0], json.dumps(data).encode(), "1")


@FAST
@given(st.sampled_from(sorted(DIALECTS)), ROWS, st.data())
def test_broken_bytes_read_the_same_both_ways(dialect, rows, data):
    body = json.dumps(_usual(dialect, rows, False), ensure_ascii=False).encode()
    at = data.draw(st.integers(0, len(body)))
    inserted = data.draw(st.none() | st.binary(min_size=1, max_size=3))  # None: cut off there
    body = body[:at] if inserted is None else body[:at] + inserted + body[at:]
    _same_both_ways(DIALECTS[dialect][0], body, "1")


@pytest.mark.parametrize("body", [
    # the same key twice: the last one counts, both ways
    b'{"accountId": "2", "accountId": "1", "transactions": [{"itemKey": "a", "itemKey": "b",'
    b' "transactionDate": "2024-04-01", "transactionType": "1", "amount": "5"}]}',
    b'{"accountId": "1", "accountId": "2", "transactions": []}',
    b'\xef\xbb\xbf{"accountId": "1", "transactions": []}',  # a byte-order mark
    b'{"accountId": "1", "transactions": []} trailing',
    b'{"accountId": "1", "transactions": [{"itemKey": "\\ud800", "transactionDate":'
    b' "2024-04-01", "transactionType": "1", "amount": "5"}]}',  # a lone surrogate
    b'{"accountId": "1", "transactions": [{"itemKey": "\xff", "transactionDate":'
    b' "2024-04-01", "transactionType": "1", "amount": "5"}]}',  # not UTF-8
])
def test_edge_bodies_read_the_same_both_ways(body):
    _same_both_ways(gmo, body, "1")


@pytest.mark.parametrize(("module", "body", "remote_id"), [
    (gmo, bank_bodies.GMO_TRANSACTIONS, "302010013543"),
    (mufg, bank_bodies.MUFG_TRANSACTIONS, "001100123456"),
])
def test_a_page_in_the_usual_form_is_read_in_one_pass(monkeypatch, module, body, remote_id):
    raw = json.dumps(body, ensure_ascii=False).encode()
    expected = module.parse_transactions(decode_json(raw), remote_id)
    assert expected.transactions  # the sample holds rows

    def checked(*args):
        raise AssertionError("read field by field")
    monkeypatch.setattr(module, "parse_transactions", checked)
    assert module.transactions_from_body(raw, remote_id) == expected
