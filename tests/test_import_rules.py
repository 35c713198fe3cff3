"""Imports go one way: the web layer uses the services, the services use the models, the
ledger and the bank adapters, and none of them reaches back up; the sandbox bank is its own.

Every .py file is read with `ast`, never imported, so a rule also holds for a module no test
imports, and for imports inside functions. Relative imports are resolved against the file's
package. A name `from pkg import name` is checked both as `pkg` and as `pkg.name`, since it
may be a submodule. A pattern ending in `*` is a plain prefix (`portal.forms*` also catches
`portal.forms_files`); otherwise it is the module or any module below it.
"""
import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

RULES = {
    "the sandbox bank never imports the portal": (
        ["sandbox_bank"], ["portal"]),
    "models and the ledger know nothing of services or the web": (
        ["portal/models", "portal/ledger"],
        ["portal.services", "portal.views", "portal.forms", "portal.forms_files",
         "flask", "flask_login", "flask_wtf"]),
    "services know nothing of requests, views or forms": (
        ["portal/services"],
        ["flask", "flask_login", "flask_wtf", "werkzeug.wrappers", "portal.views*", "portal.forms*"]),
    "bank adapters and the bank client know nothing of the portal's services, views or models": (
        ["portal/banks"], ["portal.services", "portal.views", "portal.models", "flask"]),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, list[str]]]:
    """(line, the absolute module names an import statement may load) for each import."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, [alias.name]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = importlib.util.resolve_name("." * node.level + base, package)
            found.append((node.lineno, [base] + [f"{base}.{a.name}" for a in node.names if a.name != "*"]))
    return sorted(found)


def matches(name: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern or name.startswith(pattern + ".")


def python_files(folders: list[str]) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py")
                  if "__pycache__" not in p.parts)


def violations(folders: list[str], banned: list[str]) -> tuple[int, list[str]]:
    files = python_files(folders)
    out = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        for line, names in imported_modules(source, module_name(path), path.name == "__init__.py"):
            hit = next((n for n in names for b in banned if matches(n, b)), None)
            if hit:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {hit}")
    return len(files), out


@pytest.mark.parametrize("rule", list(RULES))
def test_imports_go_one_way(rule):
    folders, banned = RULES[rule]
    scanned, found = violations(folders, banned)
    assert scanned > 0, f"{rule}: no files under {folders}"
    assert found == [], f"{rule}:\n" + "\n".join(found)


def test_the_resolver_reads_relative_and_absolute_imports():
    source = ("from ..services import sync_queue\n"
              "from . import vocabulary\n"
              "import flask.json, os\n"
              "def later():\n"
              "    from ...views.account import sync\n")
    assert imported_modules(source, "portal.models.banking.rows", is_package=False) == [
        (1, ["portal.models.services", "portal.models.services.sync_queue"]),
        (2, ["portal.models.banking", "portal.models.banking.vocabulary"]),
        (3, ["flask.json"]),
        (3, ["os"]),
        (5, ["portal.views.account", "portal.views.account.sync"]),
    ]
    # In a package's __init__.py, `.` is the package itself.
    assert imported_modules("from .. import forms", "portal.services", is_package=True) == [
        (1, ["portal", "portal.forms"])]
    assert module_name(ROOT / "portal/services/cutover/__init__.py") == "portal.services.cutover"
    assert module_name(ROOT / "portal/services/cutover/switch.py") == "portal.services.cutover.switch"


def test_the_patterns_match_whole_module_names():
    assert matches("flask", "flask") and matches("flask.json", "flask")
    assert not matches("flask_babel", "flask") and not matches("flask_login", "flask")
    assert matches("portal.forms_files", "portal.forms*") and matches("portal.views.home", "portal.views*")
    assert not matches("portal.models", "portal.forms*")
    # A violation is reported with its file and line.
    scanned, found = violations(["portal/banks"], ["portal.banks"])
    assert scanned > 0 and found and all(":" in f and " imports portal.banks" in f for f in found)
