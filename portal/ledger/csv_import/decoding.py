"""Bytes → text for bank statement files (UTF-8 or cp932, any line ending)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..messages import N_
from .errors import CsvFormatError

UTF8_BOM = b"\xef\xbb\xbf"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024  # freee's upload limit; statements are far smaller

# Control characters other than tab/CR/LF do not occur in statement text; a few
# of them mean the file is binary (xlsx, pdf, an image) even if it happens to decode.
# Allowed: tab, LF, CR and \x1a (the DOS end-of-file mark).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x19\x1b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class DecodedText:
    text: str  # line endings normalised to "\n"
    encoding: str  # "utf-8", "utf-8-sig" or "cp932"


def decode(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> DecodedText:
    """Decode a statement file, refusing with CsvFormatError what is not text."""
    check_size(raw, max_bytes)
    had_bom = raw.startswith(UTF8_BOM)
    body = raw[len(UTF8_BOM) :] if had_bom else raw
    if b"\x00" in body:
        raise _not_text()
    try:
        text = body.decode("utf-8")
        encoding = "utf-8-sig" if had_bom else "utf-8"
    except UnicodeDecodeError:
        # cp932, never "shift_jis": only cp932 knows ①, ～ and the NEC/IBM extensions.
        # A BOM in front of cp932 bytes (some tools add one) is simply dropped.
        try:
            text = body.decode("cp932")
        except UnicodeDecodeError:
            raise _not_text() from None
        encoding = "cp932"
    if text.startswith("\ufeff"):  # a second BOM, or one inside a cp932-labelled file
        text = text[1:]
    if _BINARY_CONTROLS.search(text):
        raise _not_text()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x1a", "")
    return DecodedText(text=text, encoding=encoding)


def check_size(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    if len(raw) > max_bytes:
        raise CsvFormatError(
            "too_large",
            N_("ファイルが大きすぎます（上限 %(kb)s KB）。期間を分けて取り込んでください。"),
            {"kb": f"{max_bytes // 1024:,}"},
        )


def _not_text() -> CsvFormatError:
    return CsvFormatError(
        "not_text",
        N_("ファイルを文字として読み取れません。銀行サイトからダウンロードしたCSVファイル"
           "（Shift_JIS または UTF-8）を選んでください。"),
    )
