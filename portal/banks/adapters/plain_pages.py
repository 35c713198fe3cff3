"""Statement pages in the form banks send them, decoded and typed in one pass of C (msgspec).

A dialect's parse_transactions reads decoded JSON field by field, checking each and naming
the one that is wrong; for a page of hundreds of rows that was most of a sync's parsing
time. A dialect also describes its page's usual form as msgspec Structs (every number a
string, optional fields omitted or null): a body in that form is decoded straight into
them, and only what the Structs cannot say (the digits of an amount, the sign's code) is
checked here. Anything else returns None, and the dialect reads the body the checking way,
so both ways give the same page, or the same error (tests/unit/banks/test_plain_pages.py).
"""
from datetime import date
from decimal import Decimal

import msgspec

from ..types import TransactionInfo
from .fields import MAX_DIGITS


def decode(decoder: msgspec.json.Decoder, body: bytes):
    """The body as the decoder's Struct, or None where it is not in that form."""
    try:
        # msgspec lets some bytes that are not UTF-8 through inside a string; decode_json
        # refuses the body (checked by the bytes' own decoder: a tenth of a millisecond).
        body.decode("utf-8")
        return decoder.decode(body)
    except (UnicodeDecodeError, msgspec.MsgspecError):
        return None


def plain_amount(value: str, *, signed: bool = False) -> Decimal | None:
    """What fields.amount reads from a string of ASCII digits (with `signed`, also one "-"
    before them); None for any other string, which fields.amount is left to read."""
    if len(value) > MAX_DIGITS + 2 or not value.isascii():
        return None
    if value.isdigit() or (signed and value[:1] == "-" and value[1:].isdigit()):
        return Decimal(value)
    return None


def line(item_key: str, day: date, value_day: date | None, sign: int | None, amount: str,
         remarks: str, balance: str | None, currency: str) -> TransactionInfo | None:
    """A statement line as the dialects' _transaction builds it (`sign`: the dialect's
    reading of its type code, None if unknown), or None where it would not take it as is."""
    magnitude = plain_amount(amount)
    if balance is not None:
        balance = plain_amount(balance, signed=True)
        if balance is None:
            return None
    if sign is None or magnitude is None:
        return None
    return TransactionInfo(item_key, day, value_day, sign * magnitude, remarks, balance, currency)
