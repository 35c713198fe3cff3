"""What is kept per account and day so that no page recounts the ledger (services.ledger_stats)."""
from datetime import date

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


def _money(nullable: bool = False):
    return Field(default=None if nullable else 0, sa_column=Column(BigInteger, nullable=nullable))


class LedgerDay(SQLModel, table=True):
    """One day of an account's ledger: count, sums and what the balance chain needs of it."""

    __tablename__ = "ledger_day"
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    day: date = Field(primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    rows: int = 0
    amount_sum: int = _money()
    in_sum: int = _money()
    out_sum: int = _money()  # withdrawals, positive
    lead: int = _money()  # amounts up to and including the first row carrying a balance
    first_balance: int | None = _money(nullable=True)
    first_pos: int | None = None
    last_balance: int | None = _money(nullable=True)
    tail: int = _money()  # amounts after the last row carrying a balance
    # ledger.day_sides: rows the bank's API sent, and file rows an API key also names (a
    # switched account's check compares these with the file rows, day by day).
    api_rows: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    api_sum: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    linked_rows: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    linked_sum: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class LedgerBreak(SQLModel, table=True):
    """A row whose balance does not follow from the one before (ledger.day_chain)."""

    __tablename__ = "ledger_break"
    __table_args__ = (Index("ix_ledger_break_account_day", "account_id", "day", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(foreign_key="office.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    day: date
    position: int  # of the row within its day
    previous_date: date
    expected: int = _money()
    actual: int = _money()
    crossing: bool = False  # anchored on an earlier day: rechecked when days before it change
