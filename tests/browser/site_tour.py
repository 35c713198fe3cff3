"""Every page of the two walkthroughs, for the checks that look at all of them (the phone
layout, accessibility): an office set up over plain HTTP, then the pages visited in Chromium.

    office = set_up_office(live_portal, sandbox, db)
    log_in(page, live_portal)
    for name, path in signed_in_pages(office): page.goto(live_portal.url + path)

The books pages (記帳) come last: the office starts bookkeeping only once the browser has
seen its start page, which an office that has started never shows again.
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlmodel import select

from portal.dates import utcnow
from portal.models import (
    Account,
    BookEntry,
    BookRule,
    BookTitle,
    Membership,
    RemoteAccount,
    Statement,
    SyncRun,
)
from portal.models.vocabulary import SyncState, SyncTrigger
from tests.support.flows import PortalUser
from tests.support.team import LINK_RE

EMAIL, PASSWORD = "owner@example.jp", "correct horse 1"


@dataclass
class Office:
    synced: int  # linked and synced twice: the second sync found unlinked accounts, so [!] shows
    unlinked: int  # registered, not yet sent to the bank (its row offers the bank's auth page)
    manual: int  # a 手動 account
    user: PortalUser  # the same office over plain HTTP, e.g. a second tab
    db: Callable  # a database session, for the ids of what start_books makes
    books: "Books | None" = None  # set by start_books


@dataclass
class Books:
    rule: int  # a rule matching `booked`'s text, so inbox rows show its suggestion
    booked: int  # a statement confirmed from the inbox
    entry: int  # booked's entry
    unbooked: int  # a statement still in the inbox


def set_up_office(portal, sandbox, db) -> Office:
    """Walkthrough 1 and the first step of walkthrough 2, over HTTP (a few seconds)."""
    user = PortalUser(portal, EMAIL, PASSWORD).signup()
    synced = user.register("0001")
    assert user.consent(synced).status_code == 303
    user.sync(synced)
    assert user.wait_state(synced, "needs_selection") == "needs_selection"
    with db() as s:
        conn_id = s.get(Account, synced).connection_id
        remote = s.exec(select(RemoteAccount).where(RemoteAccount.connection_id == conn_id)
                        .order_by(RemoteAccount.id)).first()
    assert user.post(f"/accounts/{synced}/select", {"remote_account": str(remote.id)}).status_code == 303
    assert user.wait_state(synced, "done", "failed") == "done"
    with db() as s:  # a failed run, so the sync log shows its longest 結果 text;
        # before the last sync, whose notice puts the [!] mark on the row
        account = s.get(Account, synced)
        now = utcnow()
        s.add(SyncRun(office_id=account.office_id, account_id=synced, trigger=SyncTrigger.SCHEDULE,
                      state=SyncState.FAILED, error_code="bank_unavailable", created_at=now,
                      started_at=now - timedelta(seconds=3), finished_at=now))
        s.commit()
    user.sync(synced)  # walkthrough 2, step 1: the sync that shows the [!] mark
    assert user.wait_state(synced, "done", "failed") == "done"
    unlinked = user.register("0001", name="B口座")
    manual = user.register("0005", kind="manual:corporate", name="手動の口座")
    return Office(synced, unlinked, manual, user, db)


def start_books(office: Office) -> Books:
    """記帳を始める as a 法人 over HTTP, then one rule and one statement confirmed, so that
    every books page has something to show."""
    user = office.user
    resp = user.post("/books/start/", {"business_form": "corporation"})
    assert resp.status_code == 303, resp.text
    with office.db() as s:
        office_id = s.get(Account, office.synced).office_id
        first, second = s.exec(select(Statement).where(Statement.account_id == office.synced)
                               .order_by(Statement.id).limit(2)).all()
        title = s.exec(select(BookTitle).where(BookTitle.office_id == office_id,
                                               BookTitle.name == "雑費")).one()
    resp = user.post("/books/rules/new", {
        "name": "", "match": "contains", "pattern": first.description, "direction": "",
        "amount_min": "", "amount_max": "", "account_id": "", "skip": "book",
        "title_id": str(title.id), "sub_account_id": "", "tax_class_key": "",
        "counterparty_id": "", "department_id": "", "memo": "", "active": "y"})
    assert resp.status_code == 303, resp.text
    assert user.post(f"/books/inbox/{first.id}/confirm").status_code == 303
    with office.db() as s:
        rule = s.exec(select(BookRule).where(BookRule.office_id == office_id)).one()
        entry = s.exec(select(BookEntry).where(BookEntry.office_id == office_id)).one()
    office.books = Books(rule.id, first.id, entry.id, second.id)
    return office.books


def log_in(page: Page, portal) -> None:
    page.goto(portal.url + "/login")
    page.get_by_label("メールアドレス").fill(EMAIL)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    expect(page.get_by_role("heading", name="ホーム", exact=True)).to_be_visible()


def signed_in_pages(office: Office) -> Iterator[tuple[str, str]]:
    """(name, path) of every page, to be visited in this order as they come: the books
    pages after the start page are made (start_books) when the loop asks for them."""
    a, b, m = office.synced, office.unlinked, office.manual
    yield from [
        ("home", "/"),
        ("accounts", "/accounts/"),
        ("search", "/accounts/new?q=%E3%81%BF%E3%81%9A%E3%81%BB"),  # みずほ
        ("kind", "/accounts/new/0001"),
        ("registered", f"/accounts/{b}/registered"),
        ("notes", f"/accounts/{b}/connect"),
        ("settings", f"/accounts/{a}/settings"),
        ("settings-picker", f"/accounts/{b}/settings?pick=1"),
        ("troubleshooting", f"/accounts/{a}/troubleshooting"),
        ("select", f"/accounts/{a}/select"),
        ("statements", f"/accounts/{a}/statements"),
        ("statements-new", f"/accounts/{m}/statements/new"),
        ("import", f"/accounts/{m}/import"),
        ("sync-log", f"/accounts/{a}/log"),
        ("disconnect", f"/accounts/{a}/disconnect"),
        ("reauth", "/reauth/"),
        ("not-found", "/no-such-page"),
        ("books-start", "/books/start/"),
    ]
    books = office.books or start_books(office)
    e = books.entry
    yield from [
        ("books-inbox", "/books/inbox/"),
        ("books-inbox-edit", f"/books/inbox/{books.unbooked}/edit"),
        ("books-rules", "/books/rules/"),
        ("books-rule-new", "/books/rules/new"),
        ("books-rule-edit", f"/books/rules/{books.rule}/edit"),
        ("books-rule-delete", f"/books/rules/{books.rule}/delete"),
        ("books-titles", "/books/masters/titles"),
        ("books-accounts", "/books/masters/accounts"),
        ("books-entries", "/books/entries"),
        ("books-entry", f"/books/entries/{e}"),
        ("books-entry-edit", f"/books/entries/{e}/edit"),
        ("books-entry-undo", f"/books/entries/{e}/undo"),
        ("books-exports", "/books/exports"),
        ("books-reconcile", "/books/reconcile"),
    ]
    yield from team_pages(office)


def team_pages(office: Office) -> Iterator[tuple[str, str]]:
    """The members pages with a pending invitation (no mail here: its link is on the page),
    the owner's own role and removal pages, the audit log, the offices, the mail settings."""
    user = office.user
    page = user.post("/office/members/invite", {"csrf_token": user.token("/office/members"),
                                                "email": "keiri@example.jp", "role": "bookkeeper"})
    assert page.status_code == 200, page.text
    invitation = LINK_RE.search(page.text).group(1)
    with office.db() as s:
        office_id = s.get(Account, office.synced).office_id
        mine = s.exec(select(Membership.id).where(Membership.office_id == office_id)).one()
    yield from [
        ("members", "/office/members"),
        ("member-role", f"/office/members/{mine}/role"),
        ("member-remove", f"/office/members/{mine}/remove"),
        ("audit", "/office/audit"),
        ("offices", "/offices/"),
        ("offices-new", "/offices/new"),
        ("notices", "/account/notifications"),
        ("invitation-other-address", invitation),
        ("api-tokens", "/office/api-tokens"),
        ("webhooks", "/office/webhooks"),
        ("api-docs", "/api/v1/docs"),
    ]


ANONYMOUS_PAGES = [("login", "/login"), ("signup", "/signup"), ("not-found-anonymous", "/no-such-page")]
