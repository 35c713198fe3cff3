"""Which side of a switch from statement files to the API each of a day's rows stands on,
tallied per day so that a switched account's check (services.cutover.check) reads one row
per day of the overlap, not one per statement (services.ledger_stats keeps the tallies).
"""
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class Side(IntEnum):
    """Stored as its number in no table: computed from a row's source and its keys."""
    OTHER = 0   # from a file or typed in, and not sent by the bank (so far)
    BANK = 1    # sent by the bank's API (source api)
    LINKED = 2  # from a file, and the bank sent it too: an API key names it (an alias)


@dataclass(frozen=True)
class DaySides:
    api_rows: int = 0
    api_sum: int = 0
    linked_rows: int = 0
    linked_sum: int = 0


_BANK, _LINKED = int(Side.BANK), int(Side.LINKED)  # plain ints: a sync tallies every row


def tally(rows: Iterable[tuple[int, int]]) -> DaySides:
    """(amount, side) of one day's rows -> the day's tallies."""
    api_rows = api_sum = linked_rows = linked_sum = 0
    for amount, side in rows:
        if side == _BANK:
            api_rows += 1
            api_sum += amount
        elif side == _LINKED:
            linked_rows += 1
            linked_sum += amount
    return DaySides(api_rows, api_sum, linked_rows, linked_sum)
