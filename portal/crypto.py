"""Token encryption at rest: AES-256-GCM with a key ring, each ciphertext bound to its row.

Layout of a ciphertext: version byte, key-id length, key id, 12-byte nonce, AES-GCM output.
The associated data names the table, row id and field, so a ciphertext copied into
another row or column fails to decrypt instead of handing out someone else's token.
"""
import base64
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = 1


class TokenKeyError(RuntimeError):
    """The key ring is missing or malformed, or a ciphertext cannot be opened."""


def generate_key() -> str:
    """A new ring entry, "kid:key", for configuration and rotation."""
    kid = secrets.token_hex(4)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    return f"{kid}:{key}"


def _decode_key(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(raw) != 32:
        raise TokenKeyError("each TOKEN_KEYS key must be 32 bytes, base64url-encoded")
    return raw


@dataclass(frozen=True)
class TokenCipher:
    keys: tuple[tuple[str, bytes], ...]  # the first one encrypts; all of them decrypt

    @classmethod
    def from_config(cls, ring: str | None) -> "TokenCipher":
        if not ring:
            raise TokenKeyError("TOKEN_KEYS is not set")
        keys = []
        for entry in ring.split(","):
            kid, _, key = entry.strip().partition(":")
            if not kid or not key:
                raise TokenKeyError("TOKEN_KEYS entries look like kid:base64key")
            keys.append((kid, _decode_key(key)))
        return cls(tuple(keys))

    @property
    def primary_kid(self) -> str:
        return self.keys[0][0]

    def encrypt(self, plaintext: str, aad: str) -> bytes:
        kid, key = self.keys[0]
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), aad.encode())
        kid_b = kid.encode()
        return bytes([VERSION, len(kid_b)]) + kid_b + nonce + sealed

    def decrypt(self, blob: bytes, aad: str) -> str:
        if not blob or blob[0] != VERSION:
            raise TokenKeyError("unknown ciphertext version")
        n = blob[1]
        kid = blob[2 : 2 + n].decode()
        nonce, sealed = blob[2 + n : 14 + n], blob[14 + n :]
        key = dict(self.keys).get(kid)
        if key is None:
            raise TokenKeyError(f"ciphertext uses key {kid!r}, which is not in TOKEN_KEYS")
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad.encode()).decode()
        except InvalidTag as exc:
            raise TokenKeyError("ciphertext does not belong to this row or was altered") from exc

    def key_id_of(self, blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode()


def token_aad(connection_id: int, field: str) -> str:
    return f"bank_connection:{connection_id}:{field}"
