"""Every error code a sync can end with has a label, so the log never shows the fallback
「予期しないエラー」 for a state we know (a new code without a label fails here)."""
import re
from pathlib import Path

from portal import labels
from portal.banks import errors

PORTAL = Path(labels.__file__).parent


def _codes_written_by_the_sync() -> set[str]:
    codes = set()
    for path in (PORTAL / "services").rglob("*.py"):
        codes |= set(re.findall(r'SyncState\.[A-Z_]+, "([a-z_]+)"', path.read_text()))
    return codes


def test_the_scan_finds_the_codes_it_should():
    assert {"interrupted", "not_linked", "needs_selection"} <= _codes_written_by_the_sync()


def test_every_code_has_a_label():
    bank_codes = {cls.code for cls in vars(errors).values()
                  if isinstance(cls, type) and issubclass(cls, errors.BankApiError)}
    missing = (_codes_written_by_the_sync() | bank_codes) - set(labels.SYNC_ERRORS)
    assert not missing
