"""No 500 from input: every GET route of the portal, its path filled with the signed-in user's
own account, statement, import and upload (or with random values), every query parameter a view
reads given random text, huge and negative numbers, digits of other scripts, empty and very long
strings and raw %-sequences, with and without htmx. Anything 5xx fails.

The parameter names are read from portal/views (`request.args.get("…")`) and from the fields of
the forms the views fill from the query string, so a new one is fuzzed without listing it here.
"""
import re
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from portal import create_app
from portal.forms import BankSearchForm, PageOptionsForm, StatementFilterForm
from portal.forms_files import ExportForm, HeaderLineForm
from portal.models import Statement, StatementImport
from tests.support.auth import Auth
from tests.support.portal_config import portal_config
from tests.web.csv_helpers import CUSTOM, MUFG, import_file, preview_location, register

ROOT = Path(__file__).resolve().parents[2]
QUERY_FORMS = (StatementFilterForm, BankSearchForm, PageOptionsForm, ExportForm, HeaderLineForm)


def query_names() -> list[str]:
    names = set()
    for path in (ROOT / "portal/views").rglob("*.py"):
        names |= set(re.findall(r"request\.args(?:\.get\(|\[)\"(\w+)\"", path.read_text()))
    for form in QUERY_FORMS:
        for cls in form.__mro__:  # unbound fields, the form's own and its bases'
            names |= {name for name, value in vars(cls).items() if hasattr(value, "field_class")}
    return sorted(names)


RAW_PERCENT = ["%", "%%", "%zz", "%00", "%ff%fe", "%E2%82", "%C2%B2", "%2", "a%2Fb", "%25%"]
TEXTS = st.one_of(
    st.text(max_size=40),
    st.just(""),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.sampled_from(["9223372036854775807", "9223372036854775808", "18446744073709551616",
                     "1e999", "NaN", "-0", "²", "١٢", "１２", "٣", "𝟗", "Ⅻ", "0x10", " 1 "]),
    st.text(alphabet="0123456789²³¹١٢٣۴५１２_-:T ", max_size=30),
    st.builds(lambda d, i: f"{d.isoformat()}_{i}", st.dates(),
              st.integers(min_value=-(2**70), max_value=2**70)),
    st.builds(lambda n, c: c * n, st.integers(min_value=1000, max_value=20000),
              st.sampled_from(["9", "a", "あ", "%", "_"])),
)
VALUE = st.one_of(TEXTS.map(lambda v: quote(v, safe="")), st.sampled_from(RAW_PERCENT))


def _setup(tmp_path):
    app = create_app(portal_config(tmp_path), instance_path=str(tmp_path / "instance"))
    client = app.test_client()
    auth = Auth(client)
    auth.signup()
    account_id = register(auth)
    import_file(auth, account_id, MUFG.encode("cp932"))
    resp = auth.post(f"/accounts/{account_id}/statements/new", {
        "transaction_date": "2024-05-01", "description": "手入力", "withdrawal": "100"})
    assert resp.status_code == 303
    upload = preview_location(auth, account_id, CUSTOM.encode("utf-8")).rsplit("/", 1)[1]
    with Session(app.extensions["db_engine"]) as s:
        statement_id = max(s.exec(select(Statement.id).where(Statement.account_id == account_id)))
        import_id = s.exec(select(StatementImport.id)).first()
    real = {"account_id": account_id, "statement_id": statement_id, "import_id": import_id,
            "review_id": 1, "upload": upload, "bank_code": "0001", "filename": "css/site.css"}
    return app, client, real


def _routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
                  key=lambda rule: rule.rule)


def _path_value(name: str, converter: str, real: dict):
    if converter == "int":
        random = st.integers(min_value=0, max_value=2**70).map(str)
    else:
        random = TEXTS.filter(bool).map(lambda v: quote(v, safe=""))
    return st.one_of(st.just(str(real.get(name, 1))), st.just(str(real.get(name, 1))), random)


def test_no_get_route_answers_5xx_to_any_query(tmp_path):
    app, client, real = _setup(tmp_path)
    names = query_names()
    assert {"after", "date_from", "date_to", "encoding", "q", "then", "pick", "show",
            "header_line", "next", "state", "code"} <= set(names), names
    routes = _routes(app)
    assert len(routes) > 20
    seen = []

    try:
        for rule in routes:
            parts = re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
            path_values = st.fixed_dictionaries(
                {name: _path_value(name, conv or "default", real) for conv, name in parts})
            query = st.dictionaries(st.sampled_from(names), VALUE, max_size=len(names))

            @settings(max_examples=25, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(path=path_values, query=query, htmx=st.booleans(),
                   target=st.sampled_from([None, "bank-results"]))
            def check(path, query, htmx, target):  # called in this iteration: rule is its own
                url = rule.rule
                for conv, name in parts:
                    url = url.replace(f"<{conv}:{name}>" if conv else f"<{name}>", path[name])
                qs = "&".join(f"{k}={v}" for k, v in query.items())
                headers = {"HX-Request": "true"} if htmx else {}
                if target:
                    headers["HX-Target"] = target
                resp = client.get(url, query_string=qs, headers=headers)
                seen.append(resp.status_code)
                assert resp.status_code < 500, (url, qs, headers, resp.get_data(as_text=True)[-2000:])

            check()
    finally:
        app.extensions["db_engine"].dispose()
    assert len(seen) >= 40 * len(routes) // 2 and seen.count(200) > len(routes)


def test_the_inputs_that_were_tracebacks(tmp_path):
    """A keyset cursor of 2^63 and a superscript digit as the header line: the first page and
    the guessed header, not a 500; a cursor that fits pages on; an unknown encoding is a 400."""
    app, client, real = _setup(tmp_path)
    try:
        account = f"/accounts/{real['account_id']}"
        first = client.get(f"{account}/statements")
        assert first.status_code == 200
        for after in ("2026-01-01_9223372036854775808", "2026-01-01_²", "2026-01-01_-1",
                      "2026-13-01_1", "_", "2026-01-01_" + "9" * 5000):
            resp = client.get(f"{account}/statements", query_string={"after": after})
            assert resp.status_code == 200, after
            assert resp.get_data(as_text=True).count('class="num"') \
                == first.get_data(as_text=True).count('class="num"'), after
        fits = client.get(f"{account}/statements",
                          query_string={"after": f"2024-04-05_{real['statement_id']}"})
        assert fits.status_code == 200 and "手入力" not in fits.get_data(as_text=True)
        for line in ("²", "١٢", "-3", "99999999999999999999", "", "x"):
            resp = client.get(f"{account}/import/{real['upload']}/mapping",
                              query_string={"header_line": line})
            assert resp.status_code == 200, line
        assert client.get(f"{account}/export", query_string={"encoding": "latin-1"}).status_code == 400
        assert client.get(f"{account}/export", query_string={"encoding": "cp932"}).status_code == 200
        assert client.get(f"{account}/export").status_code == 200
    finally:
        app.extensions["db_engine"].dispose()
