"""A process that runs syncs collects its youngest generation less often (portal/gc_tuning)."""
import gc

import pytest

from portal import gc_tuning
from portal.jobs import sync_context


@pytest.fixture
def thresholds():
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's default
    yield
    gc.set_threshold(*kept)


def test_the_youngest_generation_waits_for_ten_thousand_objects(thresholds):
    gc_tuning.for_syncs()
    assert gc.get_threshold() == (10_000, 10, 10)
    gc_tuning.for_syncs()  # again: nothing changes
    assert gc.get_threshold() == (10_000, 10, 10)


def test_a_higher_setting_of_the_operators_is_kept(thresholds):
    gc.set_threshold(50_000, 20, 5)
    gc_tuning.for_syncs()
    assert gc.get_threshold() == (50_000, 20, 5)


def test_a_process_that_makes_a_sync_context_is_tuned(thresholds, app):
    """Both the worker's dispatcher and run_pending build their context here."""
    ctx = sync_context(app, threads=1)
    try:
        assert gc.get_threshold()[0] == gc_tuning.YOUNG_THRESHOLD
    finally:
        ctx.close()
