"""The deployment files name only settings the portal reads: a misspelt TSUNAGU_ variable in
the env example or docker-compose.yml would be ignored without a word."""
import re
from pathlib import Path

import pytest

from portal.config import DEFAULTS, PLACEHOLDER_SECRET_KEYS

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
# Read outside the app's config: the instance folder (app.py) and gunicorn's own settings.
READ_ELSEWHERE = {"INSTANCE_DIR", "BIND", "WEB_WORKERS"}


@pytest.mark.parametrize("name", ["tsunagu.env.example", "docker-compose.yml"])
def test_every_tsunagu_variable_is_a_setting(name):
    text = (DEPLOY / name).read_text()
    found = set(re.findall(r"\bTSUNAGU_([A-Z0-9_]+)\s*[=:]", text))
    assert found, f"no TSUNAGU_ settings in {name}"
    assert found - set(DEFAULTS) - READ_ELSEWHERE == set()


def test_the_env_example_carries_no_usable_secret():
    values = dict(re.findall(r"^(TSUNAGU_[A-Z_]+)=(.*)$", (DEPLOY / "tsunagu.env.example").read_text(),
                             re.M))
    assert values["TSUNAGU_SECRET_KEY"] == "" and values["TSUNAGU_TOKEN_KEYS"] == ""
    assert not set(values.values()) & PLACEHOLDER_SECRET_KEYS
