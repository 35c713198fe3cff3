"""記帳 (bookkeeping): each office's masters, its rules, the journal entries its statements
were booked as, and the journal exports. Every table carries office_id: every query filters
by it (services.books)."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..bookkeeping.entry import EntryKind
from ..dates import utcnow
from .vocabulary import (
    BookingState,
    BusinessForm,
    Direction,
    EnumText,
    FlagReason,
    RuleMatch,
    TitleKind,
)


def _money(nullable: bool = False):
    return Field(default=None if nullable else 0, sa_column=Column(BigInteger, nullable=nullable))


class BookSetup(SQLModel, table=True):
    """An office that keeps books here, and as what (法人 / 個人事業主)."""

    __tablename__ = "book_setup"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True, unique=True)
    business_form: BusinessForm = Field(sa_column=Column(EnumText(BusinessForm, 20), nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class BookTitle(SQLModel, table=True):
    """勘定科目. tax_class_key: the 税区分 suggested with it (a catalogue key)."""

    __tablename__ = "book_title"
    __table_args__ = (UniqueConstraint("office_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(max_length=60)
    kind: TitleKind = Field(sa_column=Column(EnumText(TitleKind, 10), nullable=False))
    tax_class_key: str | None = Field(default=None, max_length=30)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)


class BookSubAccount(SQLModel, table=True):
    """補助科目 of one 勘定科目."""

    __tablename__ = "book_sub_account"
    __table_args__ = (UniqueConstraint("title_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    title_id: int = Field(foreign_key="book_title.id", index=True)
    name: str = Field(max_length=100)
    active: bool = Field(default=True)


class BookTaxClass(SQLModel, table=True):
    """An office's 税区分: a key of bookkeeping.tax_classes.TAX_CLASSES, its own name."""

    __tablename__ = "book_tax_class"
    __table_args__ = (UniqueConstraint("office_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    key: str = Field(max_length=30)
    name: str = Field(max_length=60)
    active: bool = Field(default=True)


class BookCounterparty(SQLModel, table=True):
    """取引先."""

    __tablename__ = "book_counterparty"
    __table_args__ = (UniqueConstraint("office_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(max_length=200)
    active: bool = Field(default=True)


class BookDepartment(SQLModel, table=True):
    """部門."""

    __tablename__ = "book_department"
    __table_args__ = (UniqueConstraint("office_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(max_length=100)
    active: bool = Field(default=True)


class BookTag(SQLModel, table=True):
    """タグ. Rules and entries name theirs as tag_ids: ids joined by ','."""

    __tablename__ = "book_tag"
    __table_args__ = (UniqueConstraint("office_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(max_length=60)
    active: bool = Field(default=True)


class BookAccountMap(SQLModel, table=True):
    """The 勘定科目 (+ 補助科目) a bank account books to: 普通預金 / the bank's name by default."""

    __tablename__ = "book_account_map"
    __table_args__ = (UniqueConstraint("account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    title_id: int = Field(foreign_key="book_title.id")
    sub_account_id: int | None = Field(default=None, foreign_key="book_sub_account.id")


class BookRule(SQLModel, table=True):
    """自動登録ルール: conditions (bookkeeping.rules) and what a match books; lower position
    first. amount_min/amount_max bound the absolute amount."""

    __tablename__ = "book_rule"
    __table_args__ = (Index("ix_book_rule_office_position", "office_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    name: str = Field(default="", max_length=100)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    match: RuleMatch = Field(sa_column=Column(EnumText(RuleMatch, 12), nullable=False))
    pattern: str = Field(max_length=500)
    direction: Direction | None = Field(default=None, sa_column=Column(EnumText(Direction, 3)))
    amount_min: int | None = _money(nullable=True)
    amount_max: int | None = _money(nullable=True)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    skip: bool = Field(default=False)  # 私用 etc.: the statement leaves the inbox unbooked
    title_id: int | None = Field(default=None, foreign_key="book_title.id")
    sub_account_id: int | None = Field(default=None, foreign_key="book_sub_account.id")
    tax_class_key: str | None = Field(default=None, max_length=30)
    counterparty_id: int | None = Field(default=None, foreign_key="book_counterparty.id")
    department_id: int | None = Field(default=None, foreign_key="book_department.id")
    memo: str = Field(default="", max_length=500)
    tag_ids: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class BookEntry(SQLModel, table=True):
    """仕訳: one debit side and one credit side of `amount` (bookkeeping.entry), or a skip.
    version goes up with every change, so an export can tell what changed after it."""

    __tablename__ = "book_entry"
    __table_args__ = (Index("ix_book_entry_office_date", "office_id", "entry_date", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    state: BookingState = Field(sa_column=Column(EnumText(BookingState, 10), nullable=False))
    flag_reason: FlagReason | None = Field(default=None, sa_column=Column(EnumText(FlagReason, 10)))
    kind: EntryKind | None = Field(default=None, sa_column=Column(EnumText(EntryKind, 10)))
    entry_date: date
    amount: int = _money()  # positive
    debit_title_id: int | None = Field(default=None, foreign_key="book_title.id")
    debit_sub_id: int | None = Field(default=None, foreign_key="book_sub_account.id")
    credit_title_id: int | None = Field(default=None, foreign_key="book_title.id")
    credit_sub_id: int | None = Field(default=None, foreign_key="book_sub_account.id")
    tax_class_key: str = Field(default="out_of_scope", max_length=30)  # of the non-bank side
    counterparty_id: int | None = Field(default=None, foreign_key="book_counterparty.id")
    department_id: int | None = Field(default=None, foreign_key="book_department.id")
    description: str = Field(default="", max_length=500)
    memo: str = Field(default="", max_length=500)
    tag_ids: str = Field(default="", max_length=200)
    skip_reason: str = Field(default="", max_length=200)
    rule_id: int | None = None  # the rule that suggested it (rules may be deleted later)
    version: int = Field(default=1)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class BookLine(SQLModel, table=True):
    """A statement taken by an entry (a transfer takes two), with the values it was booked on:
    a later change of the statement is seen against them, and a removed statement leaves the
    line (statement_id NULL) so its entry is flagged, not lost."""

    __tablename__ = "book_line"
    __table_args__ = (
        UniqueConstraint("statement_id"),
        # Learning: the latest booking of a description in a direction.
        Index("ix_book_line_learn", "office_id", "description_norm", "direction", "entry_id"),
        Index("ix_book_line_account_date", "account_id", "transaction_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    entry_id: int = Field(foreign_key="book_entry.id", index=True)
    statement_id: int | None = Field(default=None, foreign_key="statement.id")
    account_id: int  # no foreign key: a flagged line outlives a deleted account
    transaction_date: date
    amount: int = _money()  # signed, as the statement's
    description_norm: str = Field(default="", max_length=500)
    direction: Direction = Field(sa_column=Column(EnumText(Direction, 3), nullable=False))


class BookExport(SQLModel, table=True):
    """One journal export: who, when, which format, period and accounts."""

    __tablename__ = "book_export"
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    format_key: str = Field(max_length=40)
    period_from: date
    period_to: date
    account_ids: str = Field(default="", max_length=400)  # ids joined by ','; '' = all
    only_new: bool = Field(default=False)
    entry_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class BookExportItem(SQLModel, table=True):
    """An entry an export contained, as it was then (entry ids stay: an undone entry's goes)."""

    __tablename__ = "book_export_item"
    __table_args__ = (Index("ix_book_export_item_entry", "office_id", "entry_id", "export_id"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    export_id: int = Field(foreign_key="book_export.id", index=True)
    entry_id: int
    version: int
    content_hash: str = Field(max_length=64)
