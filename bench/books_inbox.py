"""Benchmark: the bookkeeping inbox and rule preview over one account of --statements statements.

For each database (a temporary SQLite file; PostgreSQL when one answers, in a database of its
own, dropped afterwards):
1. the schema by migrations, an office set up for bookkeeping (services.books.masters);
2. the statements loaded with the bare driver (sqlite3 executemany / psycopg COPY), a few
   thousand distinct 摘要 in half-width kana, normalised as the portal stores them;
3. --rules rules (contains, starts with, equals, regular expressions; the last fifth broad, so a
   page's rows go through all the others first), and booked history:
   the oldest fifth of the ledger and every third statement after it, booked the way
   services.books.booking writes entries, with their lines; then ANALYZE;
4. p50/p95 over --repeat calls, server side, of: the inbox's first page with its suggestions,
   a deep inbox page (keyset cursor), and the preview count of an unsaved rule (contains,
   and a regular expression) — each as the service function alone and as the whole page
   through the Flask test client (signed in: view, queries, template).
Prints the figures against the 100 ms target; asserts nothing about speed.

Run: `python bench/books_inbox.py --statements 100000 --database both`.
"""
import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.ledger.normalize import norm_description  # noqa: E402
from portal.models import Account, BookAccountMap, BookTitle, Statement  # noqa: E402
from portal.models.vocabulary import BusinessForm, Direction, RuleMatch  # noqa: E402
from portal.services.books import inbox, masters, rules  # noqa: E402
from portal.services.books.rules import RuleDraft  # noqa: E402
from tests.support.auth import Auth  # noqa: E402
from tests.support.bulk_rows import insert_rows  # noqa: E402
from tests.support.portal_config import portal_config  # noqa: E402
from tests.support.postgres import migrated_engine, server_answers  # noqa: E402

TARGET_MS = 100
PER_DAY = 40
FIRST_DAY = date(2015, 1, 1)
HEADS = ("ﾌﾘｺﾐ ", "ｶｰﾄﾞ ", "ﾃﾞﾋﾞｯﾄ ", "ｼﾞﾄﾞｳﾋｷｵﾄｼ ", "ATM ", "ﾌﾘｶｴ ", "ﾃｽｳﾘｮｳ ", "")
NAMES = ("ﾔﾏﾀﾞ", "ｽｽﾞｷ", "ﾀﾅｶ", "ｺﾝﾋﾞﾆ", "ﾃﾞﾝｷ", "ｶﾞｽ", "ｽｲﾄﾞｳ", "NTT", "AMAZON", "ｼｮｳﾃﾝ",
         "ｼｮｸﾄﾞｳ", "ﾀｸｼｰ", "JR", "ﾎｹﾝ", "ﾔﾁﾝ", "ｺｳｺｸ", "ｲﾝｻﾂ", "ｿﾌﾄ", "ｸﾗｳﾄﾞ", "ﾕｳﾋﾞﾝ")
COLUMNS = ("office_id", "account_id", "transaction_date", "amount", "description", "description_norm",
           "balance_derived", "memo", "source", "dedupe_key", "created_at")


def descriptions() -> list[str]:
    """A few thousand distinct texts, as banks write them."""
    return [f"{h}{n}{'' if k == 0 else f' {k:02d}'}" for h in HEADS for n in NAMES for k in range(20)]


def ledger(n: int, office_id: int, account_id: int):
    texts = descriptions()
    norms = {t: norm_description(t) for t in texts}
    now = datetime(2026, 1, 1)
    for i in range(n):
        text = texts[(i * 7919) % len(texts)]
        amount = (i * 104729) % 60000 - 30000 or 1
        yield (office_id, account_id, FIRST_DAY + timedelta(days=i // PER_DAY), amount, text,
               norms[text], False, "", "csv", f"csv:bench{i}", now)


def bulk_load(engine, n: int, office_id: int, account_id: int) -> float:
    t0 = time.perf_counter()
    insert_rows(engine.url.render_as_string(hide_password=False), "statement", COLUMNS,
                ledger(n, office_id, account_id))
    return time.perf_counter() - t0


def book_history(engine, office_id: int, account_id: int, n: int) -> int:
    """Entries and lines as services.books.booking writes them, in two INSERT … SELECTs: the
    entry takes its statement's id, so each line finds its entry without a lookup."""
    with Session(engine) as s:
        bank = s.exec(select(BookAccountMap).where(BookAccountMap.account_id == account_id)).one()
        titles = s.exec(select(BookTitle.id).where(BookTitle.office_id == office_id)
                        .order_by(BookTitle.id)).all()
    sqlite = engine.dialect.name == "sqlite"
    mod = "%" if sqlite else "%%"  # psycopg reads a lone % as a placeholder
    chosen = f"(id <= {n // 5} OR id {mod} 3 = 0)"  # ids follow ledger order here
    now = "'2026-01-01 00:00:00.000000'" if sqlite else "now()"
    kind = "CASE WHEN amount > 0 THEN 'income' ELSE 'expense' END"
    other = f"({titles[0]} + id {mod} {len(titles)})"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO book_entry (id, office_id, state, kind, entry_date, amount, debit_title_id, "
            "debit_sub_id, credit_title_id, credit_sub_id, tax_class_key, description, memo, tag_ids, "
            "skip_reason, version, created_at, updated_at) "
            f"SELECT id, office_id, 'booked', {kind}, transaction_date, abs(amount), "
            f"CASE WHEN amount > 0 THEN {bank.title_id} ELSE {other} END, "
            f"CASE WHEN amount > 0 THEN {bank.sub_account_id} END, "
            f"CASE WHEN amount > 0 THEN {other} ELSE {bank.title_id} END, "
            f"CASE WHEN amount > 0 THEN NULL ELSE {bank.sub_account_id} END, "
            f"'purchase_10', description, '', '', '', 1, {now}, {now} "
            f"FROM statement WHERE account_id = {account_id} AND {chosen}")
        conn.exec_driver_sql(
            "INSERT INTO book_line (office_id, entry_id, statement_id, account_id, transaction_date, "
            "amount, description_norm, direction) "
            f"SELECT office_id, id, id, account_id, transaction_date, amount, description_norm, "
            f"CASE WHEN amount > 0 THEN '{Direction.IN.value}' ELSE '{Direction.OUT.value}' END "
            f"FROM statement WHERE account_id = {account_id} AND {chosen}")
        if not sqlite:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('book_entry', 'id'), "
                                 "(SELECT max(id) FROM book_entry))")
        booked = conn.exec_driver_sql("SELECT count(*) FROM book_line").scalar()
        conn.exec_driver_sql("ANALYZE")
    return booked


def make_rules(s: Session, office_id: int, count: int) -> None:
    titles = s.exec(select(BookTitle.id).where(BookTitle.office_id == office_id)).all()
    kinds = (RuleMatch.CONTAINS, RuleMatch.STARTS_WITH, RuleMatch.EQUALS, RuleMatch.REGEX)
    broad = min(10, count // 5)  # last in priority: a row that hits one went past all the others
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        if i >= count - broad:
            rules.create_rule(s, office_id, RuleDraft(RuleMatch.CONTAINS, name,
                                                      title_id=titles[i % len(titles)]))
            continue
        match = kinds[i % len(kinds)]
        pattern = {RuleMatch.CONTAINS: f"{name} {i:02d}", RuleMatch.STARTS_WITH: f"{HEADS[i % 8]}{name} 9",
                   RuleMatch.EQUALS: f"ﾌﾘｺﾐ {name} {i:02d}X",
                   RuleMatch.REGEX: rf"^{HEADS[i % 7].strip()}.*{name}\d{{3}}$"}[match]
        rules.create_rule(s, office_id, RuleDraft(match, pattern, title_id=titles[i % len(titles)]))


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm: the first call fills caches (compiled rules, normalisation)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def run(engine, folder: Path, n: int, rule_count: int, repeat: int) -> None:
    name = engine.dialect.name
    # A portal on the same database, and its user: the office the ledger is loaded into.
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(portal_config(folder, DATABASE_URL=url), instance_path=str(folder / "instance"))
    auth = Auth(app.test_client())
    auth.signup()
    resp = auth.post("/accounts/new/0001", {"kind": "manual:personal", "name": "bench"})
    account_id = int(resp.headers["Location"].split("/")[2])
    with Session(engine, expire_on_commit=False) as s:
        office_id = s.get(Account, account_id).office_id
        masters.start_books(s, office_id, BusinessForm.CORPORATION)
    load = bulk_load(engine, n, office_id, account_id)
    booked = book_history(engine, office_id, account_id, n)
    with Session(engine, expire_on_commit=False) as s:
        make_rules(s, office_id, rule_count)
        unbooked = inbox.unbooked_count(s, office_id)
        deep_row = s.exec(select(Statement.transaction_date, Statement.id)
                          .where(Statement.account_id == account_id)
                          .order_by(Statement.transaction_date.desc(), Statement.id.desc())
                          .offset(int(n * 0.7)).limit(1)).one()
        deep = (deep_row[0], deep_row[1])
        first = inbox.inbox_page(s, office_id)
        sources = Counter(str(i.suggestion.source) for i in first.items if i.suggestion is not None)
        suggested = ", ".join(f"{n} by {k}" for k, n in sorted(sources.items())) or "none"
        deep_items = len(inbox.inbox_page(s, office_id, cursor=deep).items)
        contains = RuleDraft(RuleMatch.CONTAINS, "ﾃﾞﾝｷ")
        regex = RuleDraft(RuleMatch.REGEX, r"^(ﾌﾘｺﾐ|ｶｰﾄﾞ).*(ﾃﾞﾝｷ|ｶﾞｽ) 1\d$")
        print(f"\n[{name}] {n:,} statements loaded in {load:.1f} s; {booked:,} booked, {unbooked:,} in the "
              f"inbox; {rule_count} rules; first page {len(first.items)} items (suggested: {suggested}), "
              f"deep page {deep_items} items; preview contains = "
              f"{rules.preview_count(s, office_id, contains):,}, "
              f"regex = {rules.preview_count(s, office_id, regex):,}")
        cases = {
            "inbox first page + suggestions": lambda: inbox.inbox_page(s, office_id),
            "inbox first page, account filter": lambda: inbox.inbox_page(s, office_id, account_id=account_id),
            "inbox deep page (70% down)": lambda: inbox.inbox_page(s, office_id, cursor=deep),
            "rule preview count (contains)": lambda: rules.preview_count(s, office_id, contains),
            "rule preview count (regex)": lambda: rules.preview_count(s, office_id, regex),
        }
        print(f"  {'':36s} {'p50 ms':>8s} {'p95 ms':>8s}  target {TARGET_MS} ms")
        for label, fn in cases.items():
            p50, p95 = timed(lambda fn=fn: (fn(), s.expunge_all()), repeat)
            verdict = "ok" if p95 < TARGET_MS else "OVER"
            print(f"  {label:36s} {p50:8.1f} {p95:8.1f}  {verdict}")
    htmx = {"HX-Request": "true"}
    with Session(engine) as s:
        misc = s.exec(select(BookTitle.id).where(BookTitle.office_id == office_id,
                                                 BookTitle.name == "雑費")).one()
    preview = {"match": "contains", "pattern": "ﾃﾞﾝｷ", "direction": "", "skip": "book", "title_id": str(misc),
               "preview": "1", "csrf_token": auth.token("/books/rules/new")}
    pages = {
        "page: inbox, first": lambda: auth.client.get("/books/inbox/"),
        "page: inbox, account filter": lambda: auth.client.get(f"/books/inbox/?account={account_id}"),
        "page: inbox, deep": lambda: auth.client.get(f"/books/inbox/?after={deep[0].isoformat()}_{deep[1]}"),
        "page: rule preview (contains)": lambda: auth.client.post(
            "/books/rules/new", data=preview, headers=htmx),
        "page: rule preview (regex)": lambda: auth.client.post(
            "/books/rules/new", headers=htmx, data={**preview, "match": "regex",
                                                   "pattern": r"^(ﾌﾘｺﾐ|ｶｰﾄﾞ).*(ﾃﾞﾝｷ|ｶﾞｽ) 1\d$"}),
    }
    if os.environ.get("BOOKS_PROFILE"):  # where a page's time goes
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(10):
            pages["page: inbox, first"]()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    for label, fn in pages.items():
        resp = fn()
        assert resp.status_code == 200, (label, resp.status_code, resp.get_data(as_text=True)[-3000:])
        p50, p95 = timed(fn, repeat)
        verdict = "ok" if p95 < TARGET_MS else "OVER"
        print(f"  {label:36s} {p50:8.1f} {p95:8.1f}  {verdict}")
    app.extensions["db_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    dialects = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for dialect in dialects:
        if dialect == "postgresql" and not server_answers():
            print("\n[postgresql] skipped: no server answers")
            continue
        with ExitStack() as stack:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            engine = stack.enter_context(migrated_engine(dialect, folder))
            run(engine, folder, args.statements, args.rules, args.repeat)


if __name__ == "__main__":
    main()
