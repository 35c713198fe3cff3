"""Every state-changing request is refused without a CSRF token, htmx included."""
import pytest

POSTS = ["/logout", "/lang", "/accounts/new/0001", "/accounts/1/sync", "/accounts/1/select",
         "/accounts/1/connect", "/accounts/1/statements/new", "/accounts/1/settings",
         "/accounts/1/settings/login", "/accounts/1/troubleshooting", "/accounts/1/disconnect",
         "/accounts/1/statements/1/edit", "/accounts/1/statements/1/delete",
         "/accounts/1/statements/1/memo", "/accounts/1/imports/1/undo", "/accounts/1/delete"]


@pytest.mark.parametrize("path", POSTS)
def test_post_without_token_is_refused(auth, client, path):
    auth.signup()
    resp = client.post(path, data={"kind": "api:personal"})
    assert resp.status_code == 400
    resp = client.post(path, headers={"HX-Request": "true"})
    assert resp.status_code == 400


def test_htmx_header_token_is_accepted(auth, client):
    auth.signup()
    token = auth.token("/")
    resp = client.post("/lang", data={"lang": "en"}, headers={"X-CSRFToken": token})
    assert resp.status_code == 303


def test_login_form_needs_token(client):
    resp = client.post("/login", data={"email": "a@example.jp", "password": "x" * 10})
    assert resp.status_code == 400


def test_page_carries_htmx_csrf_header(auth, client):
    auth.signup()
    page = client.get("/").get_data(as_text=True)
    assert "hx-headers='{\"X-CSRFToken\": \"" in page
