"""Messages for the user as gettext msgids with parameters, so these modules need no Flask.

A msgid is the Japanese text with %(name)s placeholders. `N_` marks one for extraction
(the extraction command passes `-k N_`) and returns it unchanged; the web layer shows
it with gettext(msgid, **params), and `ja()` gives the Japanese text without a catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark a msgid for extraction; translation happens where it is shown."""
    return msgid


def ja(msgid: str, params: Mapping[str, Any] | None = None) -> str:
    """The Japanese text: the msgid with its parameters filled in."""
    return msgid % dict(params) if params else msgid


@dataclass(frozen=True)
class Message:
    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def message_ja(self) -> str:
        return ja(self.msgid, self.params)

    def __str__(self) -> str:
        return self.message_ja
