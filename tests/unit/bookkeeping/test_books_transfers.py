"""口座振替 pairing (bookkeeping.transfers): one-to-one, closest dates first, deterministic."""
import random
from datetime import date

from portal.bookkeeping.transfers import Movement, pair_transfers


def m(i, account, day, amount):
    return Movement(i, account, date(2024, 5, day), amount)


def ids(pairs):
    return [(p.paying.id, p.receiving.id) for p in pairs]


def test_a_payment_and_its_arrival_pair():
    assert ids(pair_transfers([m(1, 1, 10, -50000), m(2, 2, 11, 50000)])) == [(1, 2)]


def test_no_pair_on_the_same_account_same_sign_other_amount_or_too_far():
    assert pair_transfers([m(1, 1, 10, -500), m(2, 1, 10, 500)]) == []
    assert pair_transfers([m(1, 1, 10, -500), m(2, 2, 10, -500)]) == []
    assert pair_transfers([m(1, 1, 10, -500), m(2, 2, 10, 501)]) == []
    assert pair_transfers([m(1, 1, 10, -500), m(2, 2, 14, 500)]) == []  # 4 days
    assert ids(pair_transfers([m(1, 1, 10, -500), m(2, 2, 13, 500)])) == [(1, 2)]  # 3 days
    assert ids(pair_transfers([m(1, 1, 13, -500), m(2, 2, 10, 500)])) == [(1, 2)]  # before it
    assert pair_transfers([m(1, 1, 10, 0), m(2, 2, 10, 0)]) == []


def test_closest_dates_win_and_each_statement_pairs_once():
    rows = [m(1, 1, 10, -500), m(2, 2, 13, 500), m(3, 3, 10, 500)]
    assert ids(pair_transfers(rows)) == [(1, 3)]  # same day beats three days later


def test_two_payments_two_arrivals_pair_by_closeness():
    rows = [m(1, 1, 10, -500), m(2, 1, 12, -500), m(3, 2, 12, 500), m(4, 2, 10, 500)]
    assert ids(pair_transfers(rows)) == [(1, 4), (2, 3)]


def test_ambiguous_ties_go_to_the_older_rows_whatever_the_input_order():
    # Two arrivals the same distance from one payment: the lower id is taken, the other stays.
    rows = [m(5, 1, 10, -500), m(9, 2, 11, 500), m(7, 3, 9, 500)]
    expected = [(5, 7)]
    for _ in range(20):
        random.shuffle(rows)
        assert ids(pair_transfers(rows)) == expected


def test_a_greedy_choice_never_takes_a_row_twice():
    rows = [m(1, 1, 10, -500), m(2, 2, 10, 500), m(3, 3, 11, -500)]
    pairs = pair_transfers(rows)
    assert ids(pairs) == [(1, 2)]
    taken = [i for p in pairs for i in (p.paying.id, p.receiving.id)]
    assert len(taken) == len(set(taken))


def test_pairs_are_ordered_by_the_paying_day():
    rows = [m(1, 1, 20, -100), m(2, 2, 20, 100), m(3, 1, 5, -200), m(4, 2, 6, 200)]
    assert ids(pair_transfers(rows)) == [(3, 4), (1, 2)]
