"""The accountant's overview: each office's figures, sorting, and only the user's offices."""
import re
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from portal.dates import utcnow
from portal.models import Account, BankConnection, BookSetup, Membership, Office, Role, Statement
from portal.models.vocabulary import BusinessForm, ConnectionState, StatementSource, SyncMethod, SyncState
from portal.services import office_overview, users


def _seed(db) -> dict[str, int]:
    now = utcnow()
    with db() as s:
        me = users.find(s, "owner@example.jp")
        other = users.sign_up(s, email="other@example.jp", password="correct horse 1",
                              office_name="他人の事業所")
        ids = {"home": users.office_of(s, me.id), "foreign": users.office_of(s, other.id)}
        client_office = Office(name="佐藤商店")
        s.add(client_office)
        s.flush()
        ids["client"] = client_office.id
        s.add(Membership(user_id=me.id, office_id=client_office.id, role=Role.VIEWER))
        conns = {}
        for key, office, state, expires in (
                ("soon", "client", ConnectionState.ACTIVE, now + timedelta(days=10)),
                ("later", "client", ConnectionState.ACTIVE, now + timedelta(days=60)),
                ("lapsed", "client", ConnectionState.ACTIVE, now - timedelta(days=1)),
                ("reauth", "client", ConnectionState.REAUTH_REQUIRED, now + timedelta(days=5)),
                ("revoked", "client", ConnectionState.REVOKED, now - timedelta(days=3)),
                ("foreign", "foreign", ConnectionState.REAUTH_REQUIRED, None)):
            conns[key] = BankConnection(office_id=ids[office], bank_code="0001", state=state,
                                        consent_expires_at=expires)
            s.add(conns[key])
        s.flush()
        last = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
        for i, (office, conn, state) in enumerate((
                ("client", "soon", SyncState.DONE), ("client", "later", SyncState.FAILED),
                ("client", "lapsed", SyncState.FAILED), ("client", "reauth", SyncState.DONE),
                ("client", "revoked", SyncState.DONE), ("foreign", "foreign", SyncState.FAILED),
                ("home", None, SyncState.NEVER))):
            s.add(Account(office_id=ids[office], name=f"口座{i}", bank_code="0001", kind="personal",
                          sync_method=SyncMethod.API if conn else SyncMethod.MANUAL,
                          connection_id=conns[conn].id if conn else None, sync_state=state,
                          last_synced_at=last + timedelta(hours=i) if office == "client" else None))
        s.flush()
        account = s.exec(select(Account).where(Account.office_id == ids["client"])).first()
        s.add(BookSetup(office_id=ids["client"], business_form=BusinessForm.CORPORATION))
        for n in range(office_overview.INBOX_UP_TO + 5):
            s.add(Statement(office_id=ids["client"], account_id=account.id,
                            transaction_date=date(2026, 1, 1) + timedelta(days=n % 28), amount=100 + n,
                            source=StatementSource.MANUAL, dedupe_key=f"manual:{n}"))
        s.commit()
    return ids


def test_figures_per_office(db, auth, client):
    auth.signup()
    ids = _seed(db)
    with db() as s:
        rows = {r.office_id: r for r in office_overview.overview(s, users.find(s, "owner@example.jp").id)}
    assert set(rows) == {ids["home"], ids["client"]}
    home, other = rows[ids["home"]], rows[ids["client"]]
    assert (home.role, home.accounts, home.expiring, home.expired, home.failing, home.inbox,
            home.last_sync) == (Role.OWNER, 1, 0, 0, 0, None, None)
    assert (other.role, other.accounts, other.failing) == (Role.VIEWER, 5, 2)
    assert (other.expiring, other.expired) == (1, 2)  # soon; lapsed and reauth (revoked is not)
    assert other.inbox == office_overview.INBOX_UP_TO + 1 and other.inbox_more
    assert other.last_sync == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    page = client.get("/offices/").get_data(as_text=True)
    assert "佐藤商店" in page and "他人の事業所" not in page
    assert "2026/03/01 16:00" in page  # JST
    assert f"{office_overview.INBOX_UP_TO}件以上" in page
    # A cell goes into its office by the switch (POST), landing on the page it counts.
    assert f'name="to" value="{ids["client"]} /reauth/"' in page
    assert auth.post("/offices/switch", {"to": f'{ids["client"]} /reauth/'}).headers["Location"] == "/reauth/"
    assert client.get("/reauth/").status_code == 200  # now working in the client's office


def _order(client, query: str) -> list[str]:
    page = client.get("/offices/" + query).get_data(as_text=True)
    body = page.split("<tbody>", 1)[1]
    return re.findall(r'<th scope="row"[^>]*>.*?<button[^>]*>([^<]+)</button>', body, re.S)


def test_sorting_by_each_column_server_side(db, auth, client):
    auth.signup()
    _seed(db)
    assert _order(client, "") == ["佐藤商店", "山田商店"]
    assert _order(client, "?sort=name&dir=desc") == ["山田商店", "佐藤商店"]
    assert _order(client, "?sort=accounts&dir=asc") == ["山田商店", "佐藤商店"]
    assert _order(client, "?sort=accounts&dir=desc") == ["佐藤商店", "山田商店"]
    assert _order(client, "?sort=role") == ["山田商店", "佐藤商店"]  # owner first
    # No bookkeeping and never synced: last either way.
    assert _order(client, "?sort=inbox&dir=asc") == _order(client, "?sort=inbox&dir=desc") == [
        "佐藤商店", "山田商店"]
    assert _order(client, "?sort=last_sync&dir=asc")[-1] == "山田商店"
    page = client.get("/offices/?sort=failing&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page and page.count("aria-sort") == 1
    assert 'href="/offices/?sort=failing&amp;dir=asc"' in page  # the active column turns round
    assert client.get("/offices/?sort=bogus").status_code == 200


def test_another_users_offices_never_appear(db, auth, client):
    auth.signup()
    ids = _seed(db)
    auth.logout()
    auth.login(email="other@example.jp")
    page = client.get("/offices/").get_data(as_text=True)
    assert "他人の事業所" in page and "佐藤商店" not in page and "山田商店" not in page
    assert f'name="office_id" value="{ids["client"]}"' not in page
