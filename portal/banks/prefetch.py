"""Fetching a bank's next page while the caller stores the one before.

A sync used to wait for the bank, then for the database, page after page. With `ahead`, the
bank's answer time and the parsing of page n+1 overlap the writing of page n (on another
core when the database is PostgreSQL; on SQLite while its driver has let go of the GIL).
"""
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_END = object()


class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException):
        self.exc = exc


@contextmanager
def ahead(items: Iterator[T], depth: int = 1, name: str = "prefetch") -> Iterator[Iterator[T]]:
    """`items` consumed by a thread of its own at most `depth` items ahead of the caller.

    Items, and the exception that ends `items`, reach the caller in order: a bank error after
    three pages arrives after those three pages. Leaving the block, however early, stops
    the thread before it asks `items` for more, closes `items` in that thread and waits for
    it (at most one request in flight), so nothing runs on after the caller has gone.
    Memory: `depth` items waiting plus the one being fetched."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                handoff.put(item)
                if stop.is_set():
                    return
            handoff.put(_END)
        except BaseException as exc:  # handed over, raised in the caller's thread
            handoff.put(_Raised(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def consume() -> Iterator[T]:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        # Take what it hands over until it ends, so a put waiting for room returns.
        while thread.is_alive():
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
