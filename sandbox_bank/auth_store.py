"""Clients, consents (grants), authorization codes and tokens, kept under the state lock."""

from __future__ import annotations

import secrets
import time

from .models import AuthCode, Client, Grant, Token


class AuthStore:
    """Mixin of State: the OAuth side of the sandbox's memory."""

    lock: object
    clients: dict[str, Client]
    grants: dict[str, Grant]
    codes: dict[str, AuthCode]
    tokens_by_access: dict[str, Token]
    tokens_by_refresh: dict[str, Token]

    def changed(self) -> None:  # pragma: no cover - State overrides it to persist the change
        """Called after every change; a plain in-memory store has nothing more to do."""

    # -- clients -------------------------------------------------------------------------
    def add_client(self, data: dict) -> Client:
        client_id = data.get("client_id")
        secret = data.get("client_secret")
        uris = data.get("redirect_uris")
        if not isinstance(client_id, str) or not client_id:
            raise ValueError("client_id is required")
        if not isinstance(secret, str) or not secret:
            raise ValueError("client_secret is required")
        if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
            raise ValueError("redirect_uris must be a non-empty list of strings")
        client = Client(client_id, secret, list(uris), str(data.get("name") or client_id))
        with self.lock:
            self.clients[client_id] = client
            self.changed()
        return client

    def client(self, client_id: str | None) -> Client | None:
        with self.lock:
            return self.clients.get(client_id or "")

    # -- grants --------------------------------------------------------------------------
    def create_grant(self, bank_code, user, client_id, account_ids, scope, ttl) -> Grant:
        now = time.time()
        # The scripted "consent already expired" user gets a consent that ends at once.
        expires_at = now if user.script == "consent_expired" else now + ttl
        grant = Grant(secrets.token_hex(12), bank_code, user.login, client_id,
                      list(account_ids), scope, now, expires_at)
        with self.lock:
            if self.profiles[bank_code].one_grant_per_user:
                for old in self.grants.values():
                    if (old.bank_code, old.login, old.client_id) == (
                        bank_code, user.login, client_id
                    ) and not old.revoked:
                        old.revoked = "superseded"
            self.grants[grant.grant_id] = grant
            self.changed()
        return grant

    def grant_problem(self, grant: Grant | None, now: float | None = None) -> str | None:
        """Why a grant no longer authorizes anything (None when it still does)."""
        now = time.time() if now is None else now
        if grant is None:
            return "unknown"
        if grant.revoked:
            return "revoked"
        user = self.users[grant.bank_code].get(grant.login)
        if user is None or (user.revoked_at is not None and user.revoked_at >= grant.created_at):
            return "revoked"
        if now >= grant.expires_at:
            return "expired"
        return None

    def revoke_grants(self, bank_code, login=None, reason="revoked") -> int:
        with self.lock:
            hits = [g for g in self.grants.values() if g.bank_code == bank_code
                    and not g.revoked and (login is None or g.login == login)]
            for grant in hits:
                grant.revoked = reason
            self.changed()
            return len(hits)

    def revoke_grants_by_id(self, grant_id: str, reason: str = "revoked") -> None:
        with self.lock:
            grant = self.grants.get(grant_id)
            if grant is not None and not grant.revoked:
                grant.revoked = reason
            self.revoke_grant_tokens(grant_id)

    def expire_grants(self, bank_code, login=None) -> int:
        now = time.time()
        with self.lock:
            hits = [g for g in self.grants.values() if g.bank_code == bank_code
                    and not g.revoked and now < g.expires_at
                    and (login is None or g.login == login)]
            for grant in hits:
                grant.expires_at = now
            self.changed()
            return len(hits)

    # -- codes ---------------------------------------------------------------------------
    def save_code(self, code: AuthCode) -> None:
        with self.lock:
            now = time.time()
            for key in [k for k, c in self.codes.items() if c.expires_at < now - 600]:
                del self.codes[key]  # forget long-dead codes; recent ones still detect reuse
            self.codes[code.code] = code

    def code(self, value: str) -> AuthCode | None:
        with self.lock:
            return self.codes.get(value)

    # -- tokens --------------------------------------------------------------------------
    def save_token(self, token: Token) -> None:
        with self.lock:
            self.tokens_by_access[token.access_token] = token
            if token.refresh_token:
                self.tokens_by_refresh[token.refresh_token] = token
            self.changed()

    def token_by_access(self, value: str) -> Token | None:
        with self.lock:
            return self.tokens_by_access.get(value)

    def token_by_refresh(self, value: str) -> Token | None:
        with self.lock:
            return self.tokens_by_refresh.get(value)

    def revoke_grant_tokens(self, grant_id: str) -> None:
        with self.lock:
            for token in self.tokens_by_access.values():
                if token.grant_id == grant_id:
                    token.access_revoked = token.refresh_revoked = True
            self.changed()
