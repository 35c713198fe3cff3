"""Keep a local SQLite copy of an office's statements from Tsunagu (つなぐ).

    python examples/tsunagu_sync.py --url https://tsunagu.example.jp --token tsu_... --db copy.sqlite

asks /api/v1/statements/sync for what changed since the cursor it stored last time and
applies it: `added` and `modified` are written (upserted by id), `removed` deleted. Each page
is written together with its `next_cursor` in one SQLite transaction, so a run that is
killed half-way starts again exactly where the last page it kept ended: nothing is missed,
nothing applied twice. While the answer says `has_more`, it asks again at once.

    python examples/tsunagu_sync.py --url ... --token ... --db copy.sqlite \\
        --serve-webhooks 8080 --secret whsec_...

also answers webhooks on port 8080 (register http(s)://<this host>:8080/ at the portal's
Webhooks page with the event statements.added): each request's Standard Webhooks signature
is checked with the endpoint's secret (401 when it does not match), and a statements.added
event runs a sync of the copy.

The token needs the scope statements:read. Needs httpx and standardwebhooks only.
"""
import argparse
import json
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

SCHEMA = """
CREATE TABLE IF NOT EXISTS statement (
    id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, transaction_date TEXT NOT NULL,
    value_date TEXT, amount INTEGER NOT NULL, balance_after INTEGER, description TEXT NOT NULL,
    memo TEXT NOT NULL, source TEXT NOT NULL, booked INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sync_state (one INTEGER PRIMARY KEY CHECK (one = 1), cursor TEXT);
"""
COLUMNS = ("id", "account_id", "transaction_date", "value_date", "amount", "balance_after",
           "description", "memo", "source", "booked")
UPSERT = """INSERT INTO statement (id, account_id, transaction_date, value_date, amount,
    balance_after, description, memo, source, booked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id,
    transaction_date = excluded.transaction_date, value_date = excluded.value_date,
    amount = excluded.amount, balance_after = excluded.balance_after,
    description = excluded.description, memo = excluded.memo, source = excluded.source,
    booked = excluded.booked"""


def open_copy(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)  # transactions are begun by hand
    db.executescript(SCHEMA)
    return db


def sync(url: str, token: str, db: sqlite3.Connection, count: int = 500) -> int:
    """Apply every change since the stored cursor; returns how many were applied."""
    applied = 0
    with httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as api:
        while True:
            row = db.execute("SELECT cursor FROM sync_state").fetchone()
            params = {"count": count, **({"cursor": row[0]} if row and row[0] else {})}
            response = api.get("/api/v1/statements/sync", params=params)
            response.raise_for_status()
            page = response.json()
            db.execute("BEGIN IMMEDIATE")
            try:
                for s in page["added"] + page["modified"]:
                    db.execute(UPSERT, tuple(int(s[c]) if c == "booked" else s[c] for c in COLUMNS))
                db.executemany("DELETE FROM statement WHERE id = ?", [(r["id"],) for r in page["removed"]])
                db.execute("INSERT INTO sync_state (one, cursor) VALUES (1, ?) "
                           "ON CONFLICT (one) DO UPDATE SET cursor = excluded.cursor", (page["next_cursor"],))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            applied += len(page["added"]) + len(page["modified"]) + len(page["removed"])
            if not page["has_more"]:
                return applied


def serve_webhooks(port: int, secret: str, on_added) -> None:
    webhook = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                event = webhook.verify(body, {k.lower(): v for k, v in self.headers.items()})
            except WebhookVerificationError:
                self.send_response(401)
                self.end_headers()
                print("webhook: bad signature, refused", flush=True)
                return
            if isinstance(event, (bytes, str)):
                event = json.loads(event)
            print(f"webhook: {event.get('type')} verified", flush=True)
            if event.get("type") == "statements.added":
                print(f"synced: {on_added()} changes", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):  # quiet: the lines above say what happened
            pass

    server = HTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on port {server.server_address[1]}", flush=True)
    server.serve_forever()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the portal, e.g. https://tsunagu.example.jp")
    parser.add_argument("--token", required=True, help="an API token (tsu_...) with statements:read")
    parser.add_argument("--db", required=True, help="the SQLite file of the copy")
    parser.add_argument("--serve-webhooks", type=int, metavar="PORT", help="answer webhooks on PORT")
    parser.add_argument("--secret", help="the webhook endpoint's signing secret (whsec_...)")
    args = parser.parse_args(argv)
    db = open_copy(args.db)
    print(f"synced: {sync(args.url, args.token, db)} changes", flush=True)
    if args.serve_webhooks is not None:
        if not args.secret:
            parser.error("--serve-webhooks needs --secret")
        serve_webhooks(args.serve_webhooks, args.secret, lambda: sync(args.url, args.token, db))
    return 0


if __name__ == "__main__":
    sys.exit(main())
