"""Errors raised while reading a statement file."""

from __future__ import annotations


class CsvFormatError(ValueError):
    """The file as a whole cannot be read; `message_ja` is shown to the user as is."""

    def __init__(self, code: str, message_ja: str) -> None:
        super().__init__(f"{code}: {message_ja}")
        self.code = code  # stable, for the caller's logic and logs
        self.message_ja = message_ja


class ValueFormatError(ValueError):
    """One cell (date or amount) cannot be read; becomes a RowError for its line."""

    def __init__(self, message_ja: str) -> None:
        super().__init__(message_ja)
        self.message_ja = message_ja
