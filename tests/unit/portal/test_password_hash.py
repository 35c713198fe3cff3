"""The suite hashes passwords fast (tests/support/portal_config.py); a deployment must not."""
from flask import Flask

from portal.services import passwords


def test_without_a_setting_passwords_are_hashed_with_scrypt():
    assert passwords.hash_password("correct horse battery").startswith("scrypt:")
    with Flask(__name__).app_context():
        assert passwords.hash_password("correct horse battery").startswith("scrypt:")


def test_the_setting_is_honoured_and_both_verify():
    app = Flask(__name__)
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    with app.app_context():
        fast = passwords.hash_password("correct horse battery")
    assert fast.startswith("pbkdf2:sha256:1000$")
    assert passwords.matches(fast, "correct horse battery")
    assert not passwords.matches(fast, "wrong horse battery")
