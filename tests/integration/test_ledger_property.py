"""Property: any interleaving of new statements, faults and syncs ends with ledger == bank."""
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.lifetime_helpers import first_window_start, ledger, link_first, truth
from tests.support.flows import PortalUser

FAULTS = [
    {"mode": "server_error", "count": 1},
    {"mode": "rate_limit", "retry_after": 1, "count": 1},
    {"mode": "reset", "count": 1},
    {"mode": "truncate", "count": 1},
    {"mode": "insert_between_pages", "statements": 2, "count": 1},
    {"mode": "slow", "delay": 0.2, "count": 2},
]
OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(1, 5)),
    st.tuples(st.just("fault"), st.sampled_from(FAULTS)),
    st.tuples(st.just("sync"), st.none()),
), min_size=1, max_size=6)
_emails = itertools.count()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_interleaving_ends_with_the_banks_ledger(live_portal, db, sandbox, ops):
    user = PortalUser(live_portal, email=f"prop{next(_emails)}@example.jp").signup()
    account_id, remote = link_first(user, sandbox, db)
    try:
        for op, arg in ops:
            if op == "add":
                sandbox.admin("POST", f"/banks/0001/_sandbox/accounts/{remote.remote_id}/transactions",
                              json={"count": arg})
            elif op == "fault":
                sandbox.admin("POST", "/banks/0001/_sandbox/faults", json=arg)
            else:
                user.sync(account_id)
                user.wait_state(account_id, "done", "failed", timeout=60)
    finally:
        sandbox.admin("DELETE", "/banks/0001/_sandbox/faults")
    for _ in range(3):  # a run that failed under a fault is simply run again
        user.sync(account_id)
        if user.wait_state(account_id, "done", "failed", timeout=60) == "done":
            break
    since = first_window_start(db, account_id)
    assert ledger(db, account_id) == truth(sandbox, "0001", remote.remote_id, since)
