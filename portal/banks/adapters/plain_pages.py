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

from ..types import TransactionInfo, TransactionPage
from .fields import MAX_DIGITS
from .responses import decode_json


def line_struct(name: str, **json_names: str) -> type:
    """A dialect's statement line as a Struct: attributes item_key, day, kind (the code the
    sign comes from), amount, value_day, remarks and balance, each read from the JSON name
    given for it; the last three may be left out (or null, but remarks)."""
    def named(attr, **default):
        return msgspec.field(name=json_names[attr], **default)
    return msgspec.defstruct(name, [
        ("item_key", str, named("item_key")), ("day", date, named("day")),
        ("kind", str, named("kind")), ("amount", str, named("amount")),
        ("value_day", date | None, named("value_day", default=None)),
        ("remarks", str, named("remarks", default="")),
        ("balance", str | None, named("balance", default=None)),
    ], gc=False)


def read(body: bytes, remote_id: str, plain, checked) -> TransactionPage:
    """`plain(body, remote_id)`, the page read in one pass, where it is in the usual form;
    else `checked(decode_json(body), remote_id)`, the dialect's parse_transactions."""
    page = plain(body, remote_id)
    return page if page is not None else checked(decode_json(body), remote_id)


def decode(decoder: msgspec.json.Decoder, body: bytes):
    """The body as the decoder's Struct, or None where it is not in that form."""
    try:
        # msgspec skips a key it does not know without checking that its bytes are UTF-8;
        # decode_json refuses such a body (this check: 0.2 ms for 100 KB of Japanese text).
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


def lines(rows: list, signs: dict[str, int], currency: str) -> tuple[TransactionInfo, ...] | None:
    """The page's lines (line_struct) as the dialects' _transaction builds them (`signs`:
    the sign of each type code), or None where it would not take one as it is."""
    out = []
    for r in rows:
        sign, magnitude, balance = signs.get(r.kind), plain_amount(r.amount), r.balance
        if balance is not None:
            balance = plain_amount(balance, signed=True)
            if balance is None:
                return None
        if sign is None or magnitude is None:
            return None
        out.append(TransactionInfo(r.item_key, r.day, r.value_day, sign * magnitude, r.remarks,
                                   balance, currency))
    return tuple(out)
