"""Errors raised while reading a statement file.

Messages are gettext msgids (Japanese, with %(name)s placeholders) and their parameters;
`message_ja` is the Japanese text, the web layer translates msgid with params.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..messages import ja


class CsvFormatError(ValueError):
    """The file as a whole cannot be read; the message is shown to the user."""

    def __init__(self, code: str, msgid: str, params: Mapping[str, Any] | None = None) -> None:
        self.code = code  # stable, for the caller's logic and logs
        self.msgid = msgid
        self.params = dict(params or {})
        super().__init__(f"{code}: {self.message_ja}")

    @property
    def message_ja(self) -> str:
        return ja(self.msgid, self.params)


class ValueFormatError(ValueError):
    """One cell (date or amount) cannot be read; becomes a RowError for its line."""

    def __init__(self, msgid: str, params: Mapping[str, Any] | None = None) -> None:
        self.msgid = msgid
        self.params = dict(params or {})
        super().__init__(self.message_ja)

    @property
    def message_ja(self) -> str:
        return ja(self.msgid, self.params)
