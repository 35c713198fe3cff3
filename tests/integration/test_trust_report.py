"""The trust report in short: a seeded campaign over both dialects — faults of every kind,
SIGKILLed workers, statements arriving between syncs — ends with every ledger equal to the
bank's ground truth: nothing missing, nothing doubled, no run left queued or running.
`python bench/trust.py` is the long form."""
import pytest

from tests.support.live_portal import serve_portal
from tests.support.postgres import fresh_database, server_answers
from tests.support.trust_campaign import FAULT_KINDS, PORTAL_SETTINGS, Plan, campaign_profile, run_campaign

# 4 accounts (two per dialect), every fault kind once (24 × 1/3 = 8 faulted syncs, one of
# each kind per round), 3 kills.
PLAN = Plan(accounts=4, syncs=24, fault_rate=1 / 3, kill_rate=0.125, seed=20261201)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres, pytest.mark.skipif(not server_answers(), reason="no PostgreSQL server answers")])])
def campaign_portal(request, tmp_path, sandbox):
    """A portal whose web process runs no syncs (the campaign's worker processes do), on a
    sandbox profile with pages of 100; the profile is put back afterwards."""
    with campaign_profile(sandbox):
        if request.param == "sqlite":
            with serve_portal(tmp_path, sandbox, **PORTAL_SETTINGS) as portal:
                yield portal
            return
        with fresh_database() as url, serve_portal(tmp_path, sandbox, DATABASE_URL=url,
                                                   **PORTAL_SETTINGS) as portal:
            yield portal


def test_trust_report_short(campaign_portal, sandbox, tmp_path):
    report = run_campaign(sandbox, campaign_portal, tmp_path, PLAN)
    print(report.text())
    assert report.syncs == PLAN.syncs
    assert report.compared > 0
    assert (report.missing, report.doubled, report.wrong_amounts, report.stuck) == (0, 0, 0, 0), report.text()
    assert report.problems == [], report.text()
    assert set(report.faults) == set(FAULT_KINDS), report.text()
    assert report.kills >= 1 and report.interrupted_recovered >= 1, report.text()
    assert report.recoveries >= report.interrupted_recovered
