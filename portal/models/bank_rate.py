"""The shared budget of a bank's rate limit: when the next API call to it may go."""
from sqlmodel import Field, SQLModel


class BankRateSlot(SQLModel, table=True):
    """One row per bank, booked atomically by every worker (portal/banks/rate_gate.py).

    `next_at` is in epoch seconds of the database server's clock, so workers on machines
    whose clocks disagree still share one timeline (and no time zone setting applies)."""

    __tablename__ = "bank_rate_slot"
    bank_code: str = Field(primary_key=True, max_length=4)
    next_at: float
