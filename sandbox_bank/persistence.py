"""Optional SQLite snapshot (STATE_FILE) so restarts keep clients, consents, tokens and
arrived statements. Seeded data is rebuilt from the saved anchor date instead of stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sqlite3

from .models import Grant, Statement, Token


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10)
    os.chmod(path, 0o600)  # plaintext bank-side tokens: this user only (its journal follows)
    conn.execute("CREATE TABLE IF NOT EXISTS sandbox_state (key TEXT PRIMARY KEY, value TEXT)")
    return conn


def load(path: str) -> dict | None:
    conn = _connect(path)
    try:
        rows = dict(conn.execute("SELECT key, value FROM sandbox_state").fetchall())
    finally:
        conn.close()
    return json.loads(rows["state"]) if "state" in rows else None


def _statement(row: dict) -> Statement:
    return Statement(row["seq"], dt.date.fromisoformat(row["date"]),
                     dt.date.fromisoformat(row["value_date"]), row["amount"], row["balance"],
                     row["remarks"], row["kind"])


def save(path: str, state) -> None:
    def dump_statement(bank, account_id, st):
        row = dataclasses.asdict(st)
        row.update(bank=bank, account_id=account_id, date=st.date.isoformat(),
                   value_date=st.value_date.isoformat())
        return row

    tokens = {id(t): t for t in state.tokens_by_access.values()}
    data = {
        "anchor": state.anchor.isoformat(),
        "clients": [c.to_dict() for c in state.clients.values()],
        "grants": [dataclasses.asdict(g) for g in state.grants.values()],
        "tokens": [dataclasses.asdict(t) for t in tokens.values()],
        "arrivals": [dump_statement(*row) for row in state.arrivals],
        "revoked_at": {f"{bank}/{login}": user.revoked_at
                       for bank, users in state.users.items()
                       for login, user in users.items() if user.revoked_at is not None},
    }
    conn = _connect(path)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO sandbox_state VALUES ('state', ?)",
                         (json.dumps(data),))
    finally:
        conn.close()


def restore(state, data: dict) -> None:
    for client in data.get("clients", []):
        state.add_client(client)
    for row in data.get("grants", []):
        state.grants[row["grant_id"]] = Grant(**row)
    for row in data.get("tokens", []):
        token = Token(**row)
        state.tokens_by_access[token.access_token] = token
        if token.refresh_token:
            state.tokens_by_refresh[token.refresh_token] = token
    for row in data.get("arrivals", []):
        account = state.account(row["bank"], row["account_id"])
        if account is not None:
            st = _statement(row)
            account.statements.append(st)
            state.arrivals.append((row["bank"], row["account_id"], st))
    for key, value in data.get("revoked_at", {}).items():
        bank, login = key.split("/", 1)
        user = state.user(bank, login)
        if user is not None:
            user.revoked_at = value
