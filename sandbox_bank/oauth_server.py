"""authlib authorization server, one instance per bank (each bank is its own issuer)."""

from __future__ import annotations

import datetime as dt
import secrets
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter

from .models import SCOPES, AuthCode, Token

CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]


class S256Required(CodeChallenge):
    """PKCE with S256 for every client. authlib's CodeChallenge only insists for public
    clients and accepts `plain`; RFC 9700 wants S256 from everyone."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE 'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class ConsentedUser:
    """What the consent page hands to authlib: the bank user and the grant just made."""

    def __init__(self, login: str, grant_id: str, scope: str):
        self.login, self.grant_id, self.scope = login, grant_id, scope


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def save_authorization_code(self, code, request):
        data = request.payload.data
        user: ConsentedUser = request.user
        self.server.state.save_code(AuthCode(
            code=code, bank_code=self.server.bank_code, client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri, scope=user.scope,
            grant_id=user.grant_id, code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            expires_at=time.time() + self.server.profile.code_ttl,
        ))

    def query_authorization_code(self, code, client):
        state = self.server.state
        found = state.code(code)
        if found is None or found.bank_code != self.server.bank_code:
            return None
        if found.client_id != client.client_id:
            return None
        if found.used:
            # A replayed code may be stolen: end what it produced (RFC 6749 section 4.1.2).
            state.revoke_grant_tokens(found.grant_id)
            return None
        if time.time() >= found.expires_at:
            return None
        return found

    def create_token_response(self):
        code = self.request.authorization_code
        with self.server.state.lock:  # claim the code: two concurrent exchanges, one wins
            if code.used:
                raise InvalidGrantError("Invalid 'code' in request.")
            code.used = True
        return super().create_token_response()

    def delete_authorization_code(self, authorization_code):
        authorization_code.used = True  # kept, so a replay is recognised

    def authenticate_user(self, authorization_code):
        grant = self.server.state.grants.get(authorization_code.grant_id)
        if self.server.state.grant_problem(grant) == "revoked":
            return None
        return grant


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh returns a new refresh token

    def authenticate_refresh_token(self, refresh_token):
        state = self.server.state
        token = state.token_by_refresh(refresh_token)
        if token is None or token.bank_code != self.server.bank_code:
            return None
        if token.refresh_revoked:
            if self.server.profile.refresh_reuse_revokes_grant:
                state.revoke_grants_by_id(token.grant_id)
            return None
        # Past the consent's absolute lifetime (or after revocation) nothing renews it.
        if state.grant_problem(state.grants.get(token.grant_id)):
            return None
        return token

    def create_token_response(self):
        token = self.request.refresh_token
        with self.server.state.lock:  # claim the token: two concurrent refreshes, one wins
            if token.refresh_revoked:
                raise InvalidGrantError()
            token.refresh_revoked = True
        return super().create_token_response()

    def authenticate_user(self, refresh_token):
        return self.server.state.grants.get(refresh_token.grant_id)

    def revoke_old_credential(self, refresh_token):
        refresh_token.refresh_revoked = True
        self.server.state.changed()


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string, token_type_hint):
        state = self.server.state
        if token_type_hint == "refresh_token":  # noqa: S105 - a hint name, not a secret
            found = state.token_by_refresh(token_string) or state.token_by_access(token_string)
        else:
            found = state.token_by_access(token_string) or state.token_by_refresh(token_string)
        if found is not None and found.bank_code != self.server.bank_code:
            return None
        return found

    def revoke_token(self, token, request):
        state = self.server.state
        if token.refresh_token == request.form["token"]:
            # Revoking the refresh token ends the whole consent (RFC 7009 section 2.1).
            state.revoke_grants_by_id(token.grant_id)
        else:
            token.access_revoked = True
            state.changed()


class Issuer(IssuerParameter):
    """RFC 9207: every authorization response (errors too) names the issuing bank."""

    def __init__(self, server):
        self.server = server
        self(server)

    def get_issuer(self):
        return self.server.issuer()


def consent_expiry_text(expires_at: float) -> str:
    """The token response's `consent_expires_at`: ISO 8601 UTC to the second, e.g.
    "2025-04-30T03:15:00Z". Rounded down, so it never claims more than the bank grants."""
    moment = dt.datetime.fromtimestamp(int(expires_at), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class BankAuthorizationServer(AuthorizationServer):
    def __init__(self, app, state, bank_code: str, issuer_func):
        super().__init__()
        self.state, self.bank_code, self._issuer_func = state, bank_code, issuer_func
        self.init_app(app, query_client=state.client, save_token=self._save)
        self.scopes_supported = SCOPES
        self.register_token_generator("default", self._generate)
        self.register_grant(CodeGrant, [S256Required(required=True)])
        self.register_grant(RefreshGrant)
        self.register_endpoint(Revocation)
        self.register_extension(Issuer)

    @property
    def profile(self):
        return self.state.profiles[self.bank_code]

    def issuer(self) -> str:
        return self._issuer_func(self.bank_code)

    def _generate(self, grant_type, client, user=None, scope=None, expires_in=None,
                  include_refresh_token=True):
        # The access token never outlives the consent it came from.
        remaining = int(user.expires_at - time.time()) if user is not None else 0
        token = {
            "token_type": "Bearer",
            "access_token": secrets.token_urlsafe(32),
            "expires_in": max(0, min(self.profile.access_token_ttl, remaining)),
            "scope": scope or user.scope,
        }
        if include_refresh_token:
            token["refresh_token"] = secrets.token_urlsafe(40)
        if user is not None:
            # The consent's own absolute end, the same on every refresh of it.
            token["consent_expires_at"] = consent_expiry_text(user.expires_at)
        return token

    def _save(self, token: dict, request) -> None:
        grant = request.user
        self.state.save_token(Token(
            access_token=token["access_token"], refresh_token=token.get("refresh_token"),
            bank_code=self.bank_code, client_id=request.client.client_id,
            grant_id=grant.grant_id, scope=token["scope"], issued_at=time.time(),
            expires_in=token["expires_in"],
        ))


__all__ = ["BankAuthorizationServer", "ConsentedUser", "InvalidGrantError"]
