"""Token encryption: AES-GCM bound to its row and field; a key ring that rotates."""
import pytest

from portal.crypto import TokenCipher, TokenKeyError, generate_key, token_aad


def test_round_trip_and_ciphertexts_differ():
    cipher = TokenCipher.from_config(generate_key())
    a = cipher.encrypt("secret-token", token_aad(1, "access"))
    b = cipher.encrypt("secret-token", token_aad(1, "access"))
    assert a != b and b"secret-token" not in a
    assert cipher.decrypt(a, token_aad(1, "access")) == "secret-token"


@pytest.mark.parametrize("aad", [token_aad(2, "access"), token_aad(1, "refresh")])
def test_a_ciphertext_moved_to_another_row_or_field_does_not_open(aad):
    cipher = TokenCipher.from_config(generate_key())
    blob = cipher.encrypt("t", token_aad(1, "access"))
    with pytest.raises(TokenKeyError):
        cipher.decrypt(blob, aad)


def test_tampering_is_detected():
    cipher = TokenCipher.from_config(generate_key())
    blob = bytearray(cipher.encrypt("t", "x"))
    blob[-1] ^= 1
    with pytest.raises(TokenKeyError):
        cipher.decrypt(bytes(blob), "x")


def test_old_keys_decrypt_and_the_first_key_encrypts():
    old, new = generate_key(), generate_key()
    blob = TokenCipher.from_config(old).encrypt("t", "x")
    ring = TokenCipher.from_config(f"{new},{old}")
    assert ring.decrypt(blob, "x") == "t"
    assert ring.key_id_of(ring.encrypt("t", "x")) == new.split(":")[0]
    with pytest.raises(TokenKeyError, match="not in TOKEN_KEYS"):
        TokenCipher.from_config(new).decrypt(blob, "x")


@pytest.mark.parametrize("ring", [None, "", "nokey", "kid:c2hvcnQ"])
def test_bad_key_rings_are_refused(ring):
    with pytest.raises(TokenKeyError):
        TokenCipher.from_config(ring)
