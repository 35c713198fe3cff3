"""Books set up through the services for the web tests of 仕訳, 書き出し and 残高照合: an
office signed up over HTTP, its bank accounts, statements, and entries booked as a person
would book them in the inbox."""
from datetime import date

from sqlmodel import Session, select

from portal.models import Account, BookTitle, Membership, Statement, User
from portal.models.vocabulary import BusinessForm, StatementSource
from portal.services.books import booking, masters
from portal.services.books.inbox import Suggestion
from portal.services.statements import upsert_statements
from tests.support.auth import Auth

BANK_SUBS = ("みずほ銀行", "三菱UFJ銀行")  # the 補助科目 start_books gives banks 0001 and 0005


class Books:
    """One office with books started and two accounts (みずほ 0001, 三菱UFJ 0005)."""

    def __init__(self, app, auth: Auth, email="owner@example.jp", office="山田商店"):
        self.engine = app.extensions["db_engine"]
        self.auth = auth
        auth.signup(email=email, office=office)
        with self.session() as s:
            self.office_id = s.exec(select(Membership.office_id).join(User, User.id == Membership.user_id)
                                    .where(User.email == email)).one()
            accounts = [Account(office_id=self.office_id, name=f"口座{i}", bank_code=code,
                                kind="personal", sync_method="api")
                        for i, code in enumerate(("0001", "0005"))]
            s.add_all(accounts)
            s.commit()
            self.accounts = [a.id for a in accounts]
            masters.start_books(s, self.office_id, BusinessForm.CORPORATION)
        self._n = 0

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def title(self, name: str) -> int:
        with self.session() as s:
            return s.exec(select(BookTitle.id).where(BookTitle.office_id == self.office_id,
                                                     BookTitle.name == name)).one()

    def statements(self, account_index: int, items) -> list[int]:
        """items: (date, amount, description, balance_after or None); their ids in order."""
        account_id = self.accounts[account_index]
        keys = []
        with self.session() as s:
            account = s.get(Account, account_id)
            rows = []
            for day, amount, text, balance in items:
                self._n += 1
                keys.append(f"api:{self._n}")
                rows.append({"transaction_date": day, "amount": amount, "description": text,
                             "balance_after": balance, "source": StatementSource.API,
                             "dedupe_key": keys[-1]})
            upsert_statements(s, account, rows)
            s.commit()
            by_key = dict(s.exec(select(Statement.dedupe_key, Statement.id).where(
                Statement.account_id == account_id, Statement.dedupe_key.in_(keys))).all())
        return [by_key[k] for k in keys]

    def book(self, statement_id: int, title: str, **kw) -> int:
        with self.session() as s:
            return booking.confirm(s, self.office_id, statement_id,
                                   Suggestion(title_id=self.title(title), **kw)).id

    def transfer(self, a: int, b: int) -> int:
        with self.session() as s:
            return booking.confirm_transfer(s, self.office_id, a, b).id

    def may(self) -> dict[str, int]:
        """A month of an office: a sale, an electricity bill, a transfer between its accounts."""
        sale, elec, out = self.statements(0, [(date(2024, 5, 1), 110000, "ｳﾘｱｹﾞ ﾔﾏﾀﾞ", None),
                                              (date(2024, 5, 2), -3300, "ﾃﾞﾝｷﾘﾖｳ", None),
                                              (date(2024, 5, 3), -10000, "ﾌﾘｶｴ", None)])
        (into,) = self.statements(1, [(date(2024, 5, 3), 10000, "ﾌﾘｶｴ", None)])
        return {"sale": self.book(sale, "売上高"), "elec": self.book(elec, "水道光熱費"),
                "transfer": self.transfer(out, into), "sale_statement": sale, "elec_statement": elec}


def set_lang(client, auth: Auth, lang: str) -> None:
    resp = client.post("/lang", data={"csrf_token": auth.token("/"), "lang": lang, "next": "/"})
    assert resp.status_code == 303
