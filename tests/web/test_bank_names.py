"""Bank names people know: a renamed bank says its former name wherever it is chosen or shown."""
from tests.web.csv_helpers import register


def text(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_search_by_former_name_says_it_is_the_former_bank(auth, client):
    auth.signup()
    page = text(client.get("/accounts/new", query_string={"q": "住信SBI"}))
    assert "ドコモSMTBネット銀行" in page
    assert "旧 住信SBIネット銀行" in page
    fragment = text(client.get("/accounts/new", query_string={"q": "住信SBI"},
                               headers={"HX-Request": "true", "HX-Target": "bank-results"}))
    assert "旧 住信SBIネット銀行" in fragment and "<html" not in fragment


def test_every_renamed_bank_in_the_catalog_shows_its_former_name(auth, client):
    auth.signup()
    for q, former in (("PayPay", "旧 ジャパンネット銀行"), ("新生", "旧 新生銀行"),
                      ("じぶん", "旧 じぶん銀行"), ("楽天銀行", "旧 イーバンク銀行")):
        assert former in text(client.get("/accounts/new", query_string={"q": q})), q


def test_kind_page_and_account_pages_show_the_former_name(auth, client):
    auth.signup()
    assert "旧 住信SBIネット銀行" in text(client.get("/accounts/new/0038"))
    account_id = register(auth, bank="0038", kind="api:personal", name="住信の口座")
    assert "旧 住信SBIネット銀行" in text(client.get(f"/accounts/{account_id}/statements"))
    assert "旧 住信SBIネット銀行" in text(client.get(f"/accounts/{account_id}/settings"))


def test_a_bank_never_renamed_shows_no_former_name(auth, client):
    auth.signup()
    assert "旧 " not in text(client.get("/accounts/new/0001"))


def test_former_name_in_english(auth, client):
    auth.signup()
    auth.post("/lang", {"lang": "en", "next": "/"})
    assert "formerly 住信SBIネット銀行" in text(client.get("/accounts/new/0038"))
