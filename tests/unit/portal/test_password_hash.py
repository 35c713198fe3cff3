"""The suite hashes passwords fast (tests/conftest.py); a deployment must not."""
from portal.services import passwords


def test_without_the_variable_passwords_are_hashed_with_scrypt(monkeypatch):
    monkeypatch.delenv(passwords.HASH_METHOD_VARIABLE, raising=False)
    assert passwords.hash_password("correct horse battery").startswith("scrypt:")


def test_the_variable_is_honoured_and_both_verify(monkeypatch):
    monkeypatch.setenv(passwords.HASH_METHOD_VARIABLE, "pbkdf2:sha256:1000")
    fast = passwords.hash_password("correct horse battery")
    assert fast.startswith("pbkdf2:sha256:1000$")
    assert passwords.matches(fast, "correct horse battery")
    assert not passwords.matches(fast, "wrong horse battery")
