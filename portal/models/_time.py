"""Times are timezone-aware UTC (SQLModel stores them as UTC); pages show Japan time."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
