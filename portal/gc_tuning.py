"""How often a process that runs syncs collects its garbage.

CPython collects its youngest generation each time 700 more container objects (tuples,
lists, ...) were made than freed. A sync makes thousands per page (a few tuples per row on
the way to the INSERT), alive until the page is stored, so at 700 a sync of 100,000 rows ran
about 160 young collections, each walking the pages in hand, and a full collection over
every object of the process (about 235,000, the app's): 0.3 s of a 3 s sync, measured with
gc.callbacks. At 10,000 most of a page's objects are freed before a collection comes: 3
young collections, 20 ms, and no full one. Garbage held in cycles waits a little longer to
be freed, at most that many objects' worth.
"""
import gc

YOUNG_THRESHOLD = 10_000


def for_syncs() -> None:
    """Collect the youngest generation less often (never more often than it is set to);
    the older generations keep their thresholds. Process-wide, and idempotent."""
    young, *older = gc.get_threshold()
    if young < YOUNG_THRESHOLD:
        gc.set_threshold(YOUNG_THRESHOLD, *older)
