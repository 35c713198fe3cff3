"""OAuth 2.0 of the sandbox bank over real HTTP: the token endpoint's refusals, refresh
rotation, lifetimes, revocation and one active grant per user."""

from __future__ import annotations

import concurrent.futures
import time

from bank_flow import (
    authorize,
    connect,
    exchange,
    http,
    new_client,
    pkce_pair,
    refresh,
)


def accounts_call(bank, code, access):
    return http.get(f"{bank.bank_url(code)}/personal/v1/accounts",
                    headers={"x-access-token": access})


def revoke(bank, code, client, token, hint=None):
    data = {"token": token}
    if hint:
        data["token_type_hint"] = hint
    return http.post(f"{bank.bank_url(code)}/auth/v1/tokens/revoke", data=data,
                     auth=client.basic)


# -- refusals at the token endpoint ------------------------------------------------------

def test_wrong_verifier_is_refused(bank, client):
    auth_code, _ = authorize(bank, "0310", client)
    other, _ = pkce_pair()
    response = exchange(bank, "0310", client, auth_code, other)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_missing_verifier_is_refused(bank, client):
    auth_code, _ = authorize(bank, "0310", client)
    response = exchange(bank, "0310", client, auth_code, None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_reused_code_is_refused_and_kills_its_tokens(bank, client):
    auth_code, verifier = authorize(bank, "0310", client)
    first = exchange(bank, "0310", client, auth_code, verifier)
    assert first.status_code == 200
    again = exchange(bank, "0310", client, auth_code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert accounts_call(bank, "0310", first.json()["access_token"]).status_code == 401


def test_expired_code_is_refused(bank, client, patch_profile):
    patch_profile("0310", code_ttl=0)
    auth_code, verifier = authorize(bank, "0310", client)
    response = exchange(bank, "0310", client, auth_code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_code_is_bound_to_client_and_redirect_uri(bank, client):
    auth_code, verifier = authorize(bank, "0310", client)
    other = new_client(bank)
    assert exchange(bank, "0310", other, auth_code, verifier).json()["error"] == "invalid_grant"
    response = exchange(bank, "0310", client, auth_code, verifier,
                        redirect_uri=client.redirect_uri + "/x")
    assert response.json()["error"] == "invalid_grant"


def test_code_from_one_bank_is_useless_at_another(bank, client):
    auth_code, verifier = authorize(bank, "0310", client)
    assert exchange(bank, "0001", client, auth_code, verifier).json()["error"] == "invalid_grant"


def test_bad_client_secret_is_refused(bank, client):
    auth_code, verifier = authorize(bank, "0310", client)
    client.client_secret = "wrong"
    response = exchange(bank, "0310", client, auth_code, verifier)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_unsupported_grant_type(bank, client):
    response = http.post(f"{bank.bank_url('0310')}/auth/v1/token", auth=client.basic,
                         data={"grant_type": "password", "username": "yamada"})
    assert response.json()["error"] == "unsupported_grant_type"


# -- refresh, lifetimes, revocation ------------------------------------------------------

def test_refresh_tokens_rotate_and_the_used_one_is_dead(bank, client):
    token = connect(bank, "0310", client)
    first = refresh(bank, "0310", client, token["refresh_token"])
    assert first.status_code == 200, first.text
    new = first.json()
    assert new["refresh_token"] != token["refresh_token"]
    assert new["access_token"] != token["access_token"]
    reused = refresh(bank, "0310", client, token["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(bank, "0310", client, new["refresh_token"]).status_code == 200
    assert accounts_call(bank, "0310", new["access_token"]).status_code == 200


def test_refresh_by_another_client_is_refused(bank, client):
    token = connect(bank, "0310", client)
    other = new_client(bank)
    assert refresh(bank, "0310", other, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_consent_lifetime_is_absolute(bank, client, patch_profile):
    patch_profile("0310", consent_ttl=3)
    token = connect(bank, "0310", client)
    assert token["expires_in"] <= 3  # the access token never outlives the consent
    renewed = refresh(bank, "0310", client, token["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.json()["expires_in"] <= 3  # refreshing did not extend the consent
    current = renewed.json()["refresh_token"]
    deadline = time.monotonic() + 15
    while True:  # poll until the consent's end passes; refresh must then stop working
        answer = refresh(bank, "0310", client, current)
        if answer.status_code != 200:
            break
        current = answer.json()["refresh_token"]
        assert time.monotonic() < deadline, "consent never expired"
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    gone = accounts_call(bank, "0310", token["access_token"])
    assert gone.status_code == 401
    assert gone.json()["errorMessage"] == "(0104)お客様の認可期間が終了しました"


def test_expired_access_token_is_refused(bank, client, patch_profile):
    patch_profile("0310", access_token_ttl=0)
    token = connect(bank, "0310", client)
    assert token["expires_in"] == 0
    assert accounts_call(bank, "0310", token["access_token"]).status_code == 401
    renewed = refresh(bank, "0310", client, token["refresh_token"])
    assert renewed.status_code == 200


def test_revoking_the_access_token(bank, client):
    token = connect(bank, "0310", client)
    assert revoke(bank, "0310", client, token["access_token"]).status_code == 200
    denied = accounts_call(bank, "0310", token["access_token"])
    assert denied.status_code == 401 and denied.json()["errorCode"] == "WG_ERR_401"
    assert refresh(bank, "0310", client, token["refresh_token"]).status_code == 200


def test_revoking_the_refresh_token_ends_the_consent(bank, client):
    token = connect(bank, "0310", client)
    assert revoke(bank, "0310", client, token["refresh_token"], "refresh_token").status_code == 200
    assert refresh(bank, "0310", client, token["refresh_token"]).json()["error"] == "invalid_grant"
    assert accounts_call(bank, "0310", token["access_token"]).status_code == 401


def test_revoking_an_unknown_token_answers_200(bank, client):
    assert revoke(bank, "0310", client, "no-such-token").status_code == 200


def test_revocation_needs_client_authentication(bank, client):
    token = connect(bank, "0310", client)
    response = http.post(f"{bank.bank_url('0310')}/auth/v1/tokens/revoke",
                         data={"token": token["access_token"]})
    assert response.status_code == 401
    assert accounts_call(bank, "0310", token["access_token"]).status_code == 200


def test_a_new_consent_invalidates_the_earlier_one(bank, client):
    first = connect(bank, "0310", client)
    second = connect(bank, "0310", client)
    assert accounts_call(bank, "0310", first["access_token"]).status_code == 401
    assert refresh(bank, "0310", client, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert accounts_call(bank, "0310", second["access_token"]).status_code == 200


def test_one_grant_per_user_can_be_switched_off(bank, client, patch_profile):
    patch_profile("0310", one_grant_per_user=False)
    first = connect(bank, "0310", client)
    connect(bank, "0310", client)
    assert accounts_call(bank, "0310", first["access_token"]).status_code == 200


def test_consents_of_other_users_and_clients_are_independent(bank, client):
    yamada = connect(bank, "0310", client)
    connect(bank, "0310", client, login="sato")
    connect(bank, "0310", new_client(bank))
    assert accounts_call(bank, "0310", yamada["access_token"]).status_code == 200


def test_concurrent_refreshes_with_one_token_only_one_wins(bank, client):
    token = connect(bank, "0310", client)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: refresh(bank, "0310", client, token["refresh_token"]),
                                range(6)))
    assert sorted(a.status_code for a in answers) == [200] + [400] * 5
