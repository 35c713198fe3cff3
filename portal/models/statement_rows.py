"""明細: one line of an account's statement."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKeyConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ..dates import utcnow
from .vocabulary import EnumText, ReviewState, StatementSource

# ix_statement_balance's rows; balances.refresh_balance spells its lookup the same, so both
# databases' planners see that the index holds every row it asks for.
GIVEN_BALANCE = "balance_after IS NOT NULL AND source <> 'api'"


class Statement(SQLModel, table=True):
    # dedupe_key: "api:<bank item key>", "csv:<fingerprint>" or "manual:<uuid>"; unique per
    # account so a repeated page, retry or re-import changes nothing.
    __table_args__ = (
        UniqueConstraint("account_id", "dedupe_key"),
        ForeignKeyConstraint(["account_id", "office_id"], ["account.id", "account.office_id"],
                             name="fk_statement_account_office"),
        Index("ix_statement_account_date", "account_id", "transaction_date", "id"),
        # The latest row carrying a balance, and the rows whose balance we carry forward:
        # one index lookup each, however long the ledger (partial, so they stay small).
        # Only an account without an API looks for its latest balance (an API account's is
        # the bank's), and such an account never holds rows from the API: a sync's rows stay
        # out of it, one index less per row (0018).
        Index("ix_statement_balance", "account_id", "transaction_date", "id",
              sqlite_where=text(GIVEN_BALANCE), postgresql_where=text(GIVEN_BALANCE)),
        Index("ix_statement_derived", "account_id", "transaction_date", "id",
              sqlite_where=text("balance_derived = 1"), postgresql_where=text("balance_derived = true")),
        # The bookkeeping inbox lists an office's statements newest first across its accounts:
        # keyset paging on (transaction_date, id) within an office is one index range. It
        # leads with office_id, so it also serves what a plain office index did.
        Index("ix_statement_office_date", "office_id", "transaction_date", "id"),
        # A rule's preview count: equals / starts with seek on it; contains and a regular
        # expression's GROUP BY description_norm read it alone (amount: direction and range).
        # id before amount: a new row goes in at the end of its text's range, not at a random
        # place among its amounts, which on SQLite cost more than any other index (0016).
        Index("ix_statement_office_norm", "office_id", "description_norm", "id", "amount"),
        # An import's rows (undo, counts); rows from the bank carry none and stay out of it.
        # 0-yen rows (nothing to book): few, so 残高照合 counts them per month from here.
        Index("ix_statement_zero", "account_id", "office_id", "transaction_date",
              sqlite_where=text("amount = 0"), postgresql_where=text("amount = 0")),
        # The change feed reads added statements in (transaction, id) order per office.
        Index("ix_statement_feed", "office_id", "txid", "id"),
        Index("ix_statement_import_id", "import_id", sqlite_where=text("import_id IS NOT NULL"),
              postgresql_where=text("import_id IS NOT NULL")),
        # SQLite would give a deleted newest row's id to the next row; the change feed names
        # statements by id, so an id must never come back (PostgreSQL's sequence never does).
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    # Both in one foreign key to the account (migration 0015): the database holds a
    # statement to its account's office, and checks one key per row where it checked two.
    office_id: int
    account_id: int
    transaction_date: date
    value_date: date | None = None
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))  # signed, minor units
    description: str = Field(default="", max_length=500)
    description_norm: str = Field(default="", max_length=500)
    balance_after: int | None = Field(default=None, sa_column=Column(BigInteger))
    # A manual entry made without 残高: balance_after is ours (previous balance + amount),
    # recomputed when an earlier row changes; every other balance is given and anchors it.
    balance_derived: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    memo: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    source: StatementSource = Field(sa_column=Column(EnumText(StatementSource, 10), nullable=False))
    dedupe_key: str = Field(max_length=200)
    sync_run_id: int | None = Field(default=None, foreign_key="sync_run.id")
    import_id: int | None = Field(default=None, foreign_key="statement_import.id")
    created_at: datetime = Field(default_factory=utcnow)
    # The writing transaction's id on PostgreSQL (the column's default, set by migration
    # 0013), 0 on SQLite, whose writers commit one at a time in id order. Never set by us:
    # None leaves it to the database.
    txid: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=False,
                                                            server_default=text("0")))


class StatementImport(SQLModel, table=True):
    """One statement file taken in: what it added can be undone as a whole."""

    __tablename__ = "statement_import"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    file_name: str = Field(default="", max_length=255)
    layout: str = Field(default="", max_length=40)  # the layout name the parser recognised
    added: int = Field(default=0)
    held: int = Field(default=0)  # rows the account already held
    errors: int = Field(default=0)  # lines that could not be read
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None


class StatementAlias(SQLModel, table=True):
    """More keys for one statement: a CSV row later seen by the API keeps one row, two keys."""

    __tablename__ = "statement_alias"
    __table_args__ = (UniqueConstraint("account_id", "dedupe_key"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    dedupe_key: str = Field(max_length=200)
    statement_id: int = Field(foreign_key="statement.id", index=True)
    previous_description: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class MatchReview(SQLModel, table=True):
    """An incoming statement that might be one already held: the user decides, never us."""

    __tablename__ = "match_review"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    incoming: str = Field(max_length=4000)  # JSON of the incoming row, with its dedupe key
    candidate_ids: str = Field(max_length=400)  # comma-separated statement ids
    reasons: str = Field(default="", max_length=400)
    state: ReviewState = Field(default=ReviewState.OPEN,
                               sa_column=Column(EnumText(ReviewState, 10), nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
