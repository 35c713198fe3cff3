"""The shared rate gate: slots spaced by the bank's limit plus headroom, a bounded wait, and
one timeline for every worker whichever store holds it (memory, PostgreSQL, Redis)."""
import secrets
import socket
import threading

import pytest
from sqlalchemy import create_engine

from portal import migrate
from portal.banks.errors import RateLimited
from portal.banks.rate_gate import (
    MemorySlots,
    PostgresSlots,
    RateGate,
    RateGateFull,
    RedisSlots,
    make_rate_gate,
    slot_store,
)
from portal.banks.registry import BankConfigError, BankRegistry, RateLimit
from tests.support.postgres import fresh_database, server_answers

REDIS_URL = "redis://127.0.0.1:6379"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def registry(**limits) -> BankRegistry:
    """Banks 0310 (limited as given) and 0001 (no per-second limit)."""
    base = {"issuer": "https://bank.example", "client_id": "c", "client_secret": "s"}
    return BankRegistry.from_mapping({"banks": {
        "0310": {**base, **({"rate_limit": limits} if limits else {})}, "0001": base}})


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 9))


def test_the_bank_settings_carry_a_rate_limit():
    bank = registry(requests=20, per_seconds=1).get("0310")
    assert bank.rate_limit == RateLimit(20, 1.0)
    assert registry().get("0310").rate_limit is None
    for bad in ({"requests": 0, "per_seconds": 1}, {"requests": 5}, {"requests": "x", "per_seconds": 1}):
        with pytest.raises(BankConfigError):
            registry(**bad)


def test_calls_are_spaced_by_the_window_plus_headroom_over_the_limit():
    clock = FakeClock()
    gate = RateGate(registry(requests=10, per_seconds=2), MemorySlots(clock), headroom=0.1,
                    max_wait=30, sleep=clock.sleep)
    assert gate.interval("0310") == pytest.approx(0.22)
    for _ in range(4):
        gate("0310")  # the fake clock stands still: each call books the slot after the last
    assert clock.slept == pytest.approx([0.22, 0.44, 0.66])  # the first goes at once
    clock.now += 10  # the queue has gone by: the next call goes at once again
    gate("0310")
    assert len(clock.slept) == 3


def test_a_thread_that_reaches_its_slot_late_books_again():
    clock = FakeClock()
    late = [0.5]  # the first sleep oversleeps by 0.5 s, as on a starved machine

    def sleep(seconds):
        clock.slept.append(round(seconds, 9))
        clock.now += seconds + late.pop() if late else seconds

    gate = RateGate(registry(requests=10, per_seconds=1), MemorySlots(clock), headroom=0.2,
                    sleep=sleep, clock=clock)  # interval 0.12 s; 0.1 s late is tolerated
    gate("0310")
    gate("0310")  # slept 0.12, woke 0.5 late: its slot is gone, it books the next (now)
    assert clock.slept == pytest.approx([0.12])
    gate("0310")  # the slot after the re-booked one
    assert clock.slept == pytest.approx([0.12, 0.12])


def test_a_bank_without_a_limit_is_not_gated():
    clock = FakeClock()
    slots = MemorySlots(clock)
    gate = RateGate(registry(requests=1, per_seconds=60), slots, sleep=clock.sleep)
    for code in ("0001", "0001", "9999"):
        gate(code)
    assert clock.slept == [] and gate.interval("0001") is None
    assert slots.book("0001", 1.0, 5) == (True, 0.0)  # nothing was booked for it before


def test_a_wait_longer_than_max_wait_books_nothing_and_says_when_to_come_back():
    clock = FakeClock()
    gate = RateGate(registry(requests=1, per_seconds=10), MemorySlots(clock), headroom=0,
                    max_wait=15, sleep=clock.sleep)
    gate("0310")
    gate("0310")  # 10 s ahead
    with pytest.raises(RateGateFull) as caught:
        gate("0310")  # 20 s ahead: over max_wait
    assert isinstance(caught.value, RateLimited)  # a sync handles it like the bank's 429
    assert caught.value.retry_after == pytest.approx(20)
    assert clock.slept == [10]
    clock.now += 10  # nothing was booked by the refused call: the next slot is 10 s ahead
    gate("0310")
    assert clock.slept == [10, 10]


def test_the_store_follows_the_settings():
    sqlite = create_engine("sqlite://")
    assert isinstance(slot_store({}, sqlite), MemorySlots)
    assert isinstance(slot_store({}, None), MemorySlots)
    assert isinstance(slot_store({"BANK_RATE_STORAGE_URI": "memory://"}, None), MemorySlots)
    assert isinstance(slot_store({"BANK_RATE_STORAGE_URI": REDIS_URL}, sqlite), RedisSlots)
    postgres = create_engine("postgresql+psycopg://nobody@127.0.0.1/none")  # never connects
    assert isinstance(slot_store({}, postgres), PostgresSlots)
    with pytest.raises(ValueError):
        slot_store({"BANK_RATE_STORAGE_URI": "memcached://x"}, sqlite)
    gate = make_rate_gate({"BANK_RATE_HEADROOM": 0.25, "BANK_RATE_MAX_WAIT": 5}, sqlite,
                          registry(requests=4, per_seconds=1))
    assert (gate.headroom, gate.max_wait, gate.interval("0310")) == (0.25, 5.0, 0.3125)


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres), "redis"])
def shared_slots(request):
    if request.param == "memory":
        yield MemorySlots()
    elif request.param == "postgres":
        if not server_answers():
            pytest.skip("no PostgreSQL server answers")
        with fresh_database() as url:
            engine = create_engine(url)
            migrate.upgrade(engine)  # the table comes from its migration
            yield PostgresSlots(engine)
            engine.dispose()
    else:
        if not _redis_answers():
            pytest.skip("no Redis answers")
        slots = RedisSlots(REDIS_URL, prefix=f"test-{secrets.token_hex(4)}:")
        yield slots
        slots.client.delete(slots.prefix + "0310")


def test_concurrent_bookings_get_distinct_slots_one_interval_apart(shared_slots):
    """Twenty threads book at once: six slots fit in max_wait, one interval apart, in one
    queue; the other fourteen are refused, each told how far ahead the queue runs."""
    interval, max_wait, results = 1.0, 5.5, []
    barrier = threading.Barrier(20)
    lock = threading.Lock()

    def book():
        barrier.wait()
        answer = shared_slots.book("0310", interval, max_wait)
        with lock:
            results.append(answer)

    threads = [threading.Thread(target=book) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    booked = sorted(wait for ok, wait in results if ok)
    refused = [wait for ok, wait in results if not ok]
    assert len(booked) == 6 and len(refused) == 14
    # Waits differ by one interval, less the moments between two bookings (milliseconds).
    gaps = [b - a for a, b in zip(booked, booked[1:], strict=False)]
    assert all(abs(gap - interval) < 0.3 for gap in gaps), gaps
    assert booked[0] < 0.3
    assert all(max_wait < wait <= 6.0 for wait in refused), refused
