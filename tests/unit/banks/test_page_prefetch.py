"""prefetch.ahead: pages arrive in order with the error that ended them, at most `depth`
ahead of the caller, and leaving early stops and closes the producer in its own thread."""
import threading

import pytest

from portal.banks.errors import BankServerError
from portal.banks.prefetch import ahead


def _pages(n: int, log: list, fail_after: int | None = None):
    try:
        for i in range(n):
            if fail_after is not None and i == fail_after:
                raise BankServerError("the bank failed")
            log.append(("fetched", i, threading.current_thread().name))
            yield i
    finally:
        log.append(("closed", threading.current_thread().name))


def _alive(name: str) -> bool:
    return any(t.name == name for t in threading.enumerate())


def test_items_arrive_in_order_from_another_thread():
    log: list = []
    with ahead(_pages(5, log), name="t-order") as items:
        assert list(items) == [0, 1, 2, 3, 4]
    assert all(entry[-1] == "t-order" for entry in log)  # fetched and closed in its thread
    assert log[-1] == ("closed", "t-order")
    assert not _alive("t-order")


def test_an_error_arrives_after_the_pages_before_it():
    log: list = []
    got = []
    with pytest.raises(BankServerError), ahead(_pages(5, log, fail_after=3), name="t-error") as items:
        for item in items:
            got.append(item)
    assert got == [0, 1, 2]
    assert log[-1] == ("closed", "t-error") and not _alive("t-error")


def _fetched(log: list) -> int:
    return len([e for e in log if e[0] == "fetched"])


def test_it_runs_at_most_depth_items_ahead():
    log: list = []
    with ahead(_pages(10, log), depth=1, name="t-depth") as items:
        assert next(items) == 0
        # Then one waits in the hand-over and one more is fetched, its put blocked: three.
        # Unbounded, all ten would be fetched by the time three are.
        waiter = threading.Event()
        for _ in range(1000):  # up to 5 s for the producer to get there
            if _fetched(log) >= 3:
                break
            waiter.wait(0.005)
        assert _fetched(log) == 3 and _alive("t-depth")
        assert next(items) == 1
    assert not _alive("t-depth") and log[-1] == ("closed", "t-depth")


def test_leaving_early_stops_the_producer_and_closes_it():
    log: list = []
    with ahead(_pages(1000, log), name="t-early") as items:
        assert next(items) == 0
    assert _fetched(log) < 10  # it stopped: no run through the remaining pages
    assert log[-1] == ("closed", "t-early") and not _alive("t-early")


def test_an_error_in_the_caller_stops_the_producer():
    log: list = []
    with pytest.raises(RuntimeError), ahead(_pages(1000, log), name="t-caller") as items:
        next(items)
        raise RuntimeError("the database failed")
    assert log[-1] == ("closed", "t-caller") and not _alive("t-caller")
    assert _fetched(log) < 10
