"""One module per bank API dialect, all with the same pure functions (see gmo.py)."""
from types import ModuleType

from . import gmo, mufg

DIALECTS: dict[str, ModuleType] = {"gmo": gmo, "mufg": mufg}


def for_dialect(name: str) -> ModuleType:
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown bank API dialect: {name!r}") from None
