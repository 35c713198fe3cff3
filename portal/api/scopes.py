"""What a token may do: its scopes, and the one table of which scopes each API endpoint
accepts. The blueprint checks it before every view; an endpoint the table does not name is
refused, so a new endpoint cannot go out unguarded."""
from enum import StrEnum


class Scope(StrEnum):
    ACCOUNTS_READ = "accounts:read"
    STATEMENTS_READ = "statements:read"
    SYNC_WRITE = "sync:write"
    WEBHOOKS_WRITE = "webhooks:write"


PUBLIC = frozenset()  # no token: the OpenAPI document and its docs page

# Endpoint → the scopes any one of which lets a token in. A sync run's state answers to
# either scope: the client that asked for the run polls it, and so may a read-only one.
NEEDS: dict[str, frozenset[Scope]] = {
    "api.openapi": PUBLIC,
    "api.docs": PUBLIC,
    "api.accounts": frozenset({Scope.ACCOUNTS_READ}),
    "api.account": frozenset({Scope.ACCOUNTS_READ}),
    "api.statements": frozenset({Scope.STATEMENTS_READ}),
    "api.statements_sync": frozenset({Scope.STATEMENTS_READ}),
    "api.request_sync": frozenset({Scope.SYNC_WRITE}),
    "api.sync_run": frozenset({Scope.SYNC_WRITE, Scope.ACCOUNTS_READ}),
    "api.webhooks": frozenset({Scope.WEBHOOKS_WRITE}),
    "api.create_webhook": frozenset({Scope.WEBHOOKS_WRITE}),
    "api.delete_webhook": frozenset({Scope.WEBHOOKS_WRITE}),
    "api.webhook_deliveries": frozenset({Scope.WEBHOOKS_WRITE}),
    "api.switch_webhook": frozenset({Scope.WEBHOOKS_WRITE}),
    "api.redeliver_webhook": frozenset({Scope.WEBHOOKS_WRITE}),
}


def need_of(endpoint: str | None) -> frozenset[Scope] | None:
    """The scopes an endpoint accepts; PUBLIC when it needs no token; None: refused."""
    return NEEDS.get(endpoint or "")


def parse(text: str) -> frozenset[Scope]:
    """A token's stored scopes; an unknown word (a scope since retired) grants nothing."""
    values = {s.value for s in Scope}
    return frozenset(Scope(word) for word in text.split() if word in values)
