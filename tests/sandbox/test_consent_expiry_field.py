"""The token response states the consent's absolute end (`consent_expires_at`), on the
authorization_code grant and on every refresh, unchanged by refreshing."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import jsonschema
import yaml
from bank_flow import connect, refresh

DAY = 86400
SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "sandbox_bank" / "openapi.yaml")
                      .read_text(encoding="utf-8"))


def expiry(token: dict) -> float:
    text = token["consent_expires_at"]
    assert text.endswith("Z") and len(text) == len("2025-04-30T03:15:00Z"), text
    return dt.datetime.fromisoformat(text).timestamp()


def matches_schema(token: dict) -> None:
    schema = {"$ref": "#/components/schemas/TokenResponse", "components": SPEC["components"]}
    jsonschema.Draft7Validator(schema).validate(token)


def test_code_exchange_states_the_consent_end_from_the_bank_profile(bank, client, patch_profile):
    patch_profile("0310", consent_ttl=5 * DAY)
    before = time.time()
    token = connect(bank, "0310", client)
    after = time.time()
    matches_schema(token)
    assert before + 5 * DAY - 1 <= expiry(token) <= after + 5 * DAY


def test_refresh_repeats_the_same_end_and_never_extends_it(bank, client, patch_profile):
    patch_profile("0001", consent_ttl=5 * DAY)
    token = connect(bank, "0001", client)
    first = token["consent_expires_at"]
    patch_profile("0001", consent_ttl=300 * DAY)  # a later profile change leaves the grant be
    current = token["refresh_token"]
    for _ in range(2):
        answer = refresh(bank, "0001", client, current)
        assert answer.status_code == 200, answer.text
        renewed = answer.json()
        matches_schema(renewed)
        assert renewed["consent_expires_at"] == first
        current = renewed["refresh_token"]
    assert expiry(token) < time.time() + 5 * DAY + 1


def test_mufg_dialect_bank_states_it_too(bank, client):
    token = connect(bank, "0010", client)
    assert abs(expiry(token) - (time.time() + 365 * DAY)) < 60


def test_an_already_expired_consent_says_so(bank, client):
    token = connect(bank, "0310", client, login="expired")
    assert token["expires_in"] == 0
    assert expiry(token) <= time.time()
