"""A schemathesis run over /api/v1/openapi.json against a live portal: every documented
operation, with a token of all scopes on an office with accounts and statements, answers
without a 5xx and as its description says (status, content type, headers, body schema)."""
import httpx
import schemathesis
import schemathesis.checks as checks
from hypothesis import HealthCheck, given, settings

from tests.support.api_office import api_office, bearer, make_token

EXAMPLES = 30


def _signed_up(portal, office: str) -> None:
    # Through the portal's own pages, as a person would.
    from tests.support.html_forms import csrf_from

    with portal.http() as web:
        token = csrf_from(web.get("/signup").text)
        answer = web.post("/signup", data={"csrf_token": token, "office_name": office,
                                           "email": f"{len(office)}@example.jp",
                                           "password": "correct horse 1",
                                           "confirm": "correct horse 1"})
        assert answer.status_code == 303, answer.text


def test_schemathesis_finds_no_5xx_and_no_schema_break(live_portal):
    _signed_up(live_portal, "契約検査商店")
    engine = live_portal.app.extensions["db_engine"]
    office = api_office(engine, "契約検査商店", rows=30)
    live_portal.app.config["API_RATE_LIMIT"] = "100000 per minute"
    token = make_token(engine, office.id)
    schema = schemathesis.openapi.from_url(f"{live_portal.url}/api/v1/openapi.json")
    ids = {office.api_account, office.manual_account}
    operations = [result.ok() for result in schema.get_all_operations()]
    cases = 0

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal cases
            cases += 1
            # Point half the generated ids at real accounts, so success answers are checked too.
            if "account_id" in (case.path_parameters or {}) and cases % 2:
                case.path_parameters["account_id"] = sorted(ids)[cases % 4 // 2]
            # positive_data_acceptance is left out: a schema-valid `after` or `cursor` this API
            # never gave is a documented 400, which a schema cannot express.
            response = case.call_and_validate(
                base_url=live_portal.url, headers=bearer(token),
                excluded_checks=[checks.positive_data_acceptance])
            assert response.status_code < 500

        run()
    print(f"schemathesis: {len(operations)} operations, {cases} cases")
    assert len(operations) == 12 and cases >= len(operations) * 5  # every operation is tried
    assert httpx.get(f"{live_portal.url}/api/v1/accounts", headers=bearer(token)).status_code == 200
