r"""English catalogue: complete, placeholders intact, and the language switch works both ways.

The msgids are the Japanese UI text. Messages are extracted afresh from the code and templates
at test time, so a new string without an English translation fails here. To bring the catalogue
up to date (the .pot is a throwaway; only messages.po is kept):

    pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o /tmp/messages.pot \
        --ignore-dirs=".venv sandbox_bank tests" .
    pybabel update -i /tmp/messages.pot -d portal/translations -l en --no-fuzzy-matching
    # translate the empty msgstrs in portal/translations/en/LC_MESSAGES/messages.po, then
    pybabel compile -d portal/translations
"""
import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "portal/translations/en/LC_MESSAGES/messages.po"
# Same as the extraction command: `-k _l -k lazy_gettext -k N_ --ignore-dirs=".venv sandbox_bank tests"`.
# N_ marks the msgids of portal/ledger, which has no Flask to translate with.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
IGNORED_DIRS = {".venv", "sandbox_bank", "tests", "node_modules", "__pycache__"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _msgids(message_id) -> list[str]:
    return [m for m in (message_id if isinstance(message_id, tuple | list) else (message_id,)) if m]


def _extract() -> dict[str, list[str]]:
    """msgid -> where it occurs, extracted with babel.cfg's mapping."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = frontend.parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))

    def keep_dir(path: str) -> bool:
        name = Path(path).name
        return name not in IGNORED_DIRS and not name.startswith((".", "_"))

    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep_dir):
        for msgid in _msgids(message):
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    found = _extract()
    assert len(found) > 50, f"extraction found only {len(found)} messages: is babel.cfg still right?"
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="en")


def _entries(catalog):
    for message in catalog:
        ids = _msgids(message.id)
        if not ids:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        yield message, ids, strings


def test_every_extracted_message_has_an_english_translation(extracted, catalog):
    problems = []
    for msgid, where in sorted(extracted.items()):
        message = catalog.get(msgid)
        if message is None:
            problems.append(f"not in messages.po: {msgid!r} ({where[0]})")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where[0]})")
        elif not all(s and s.strip() for s in
                     (message.string if isinstance(message.string, tuple | list) else (message.string,))):
            problems.append(f"no English: {msgid!r} ({where[0]})")
    assert not problems, (f"{len(problems)} of {len(extracted)} messages lack English; extract, update and "
                          "translate as this module's docstring says:\n" + "\n".join(problems))


def test_catalogue_is_not_marked_fuzzy(catalog):
    assert not catalog.fuzzy, "messages.po header is marked fuzzy: gettext would ignore the catalogue"


def test_placeholders_match_their_msgid(catalog):
    problems = []
    for message, ids, strings in _entries(catalog):
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if s and sorted(PLACEHOLDER.findall(s)) != wanted:
                problems.append(f"{ids[0]!r}: {s!r} has {sorted(PLACEHOLDER.findall(s))}, wants {wanted}")
            # a stray % would break `msgstr % variables`
            if s and "%" in PLACEHOLDER.sub("", s).replace("%%", ""):
                problems.append(f"{ids[0]!r}: {s!r} has a stray %")
    assert not problems, "\n".join(problems)


def test_english_strings_are_not_left_in_japanese(catalog):
    # The search placeholder keeps its Japanese examples on purpose (they are what users type).
    allowed = {"例: みずほ、ミズホ、0001"}
    left = [ids[0] for message, ids, strings in _entries(catalog)
            if ids[0] not in allowed and any(s and JAPANESE.search(s) for s in strings)]
    assert not left, "msgstr still in Japanese for:\n" + "\n".join(left)


def _set_lang(client, auth, lang: str, next_path: str = "/login"):
    resp = client.post("/lang", data={"csrf_token": auth.token(next_path), "lang": lang, "next": next_path})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(next_path)


def test_switching_to_english_and_back(client, auth):
    login = client.get("/login").get_data(as_text=True)
    assert 'lang="ja"' in login and "ログイン" in login and "Log in" not in login

    _set_lang(client, auth, "en")
    login = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in login
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", login), "login button should read 'Log in'"
    assert "Email address" in login and "Password" in login and "Sign up" in login
    assert "ログイン" not in login and "パスワード" not in login
    signup = client.get("/signup").get_data(as_text=True)
    assert "Sign up" in signup and "Office name" in signup and "Password (confirm)" in signup
    assert "新規登録" not in signup and "事業所名" not in signup

    _set_lang(client, auth, "ja", "/signup")
    signup = client.get("/signup").get_data(as_text=True)
    assert 'lang="ja"' in signup and "新規登録" in signup and "事業所名" in signup
    assert "Sign up" not in signup and "Office name" not in signup
    login = client.get("/login").get_data(as_text=True)
    assert "ログイン" in login and "Log in" not in login


def test_english_messages_from_python_code(client, auth):
    _set_lang(client, auth, "en")
    bad = auth.login(email="nobody@example.jp", password="wrong password 1")
    assert bad.status_code == 400
    assert "Incorrect email address or password." in bad.get_data(as_text=True)
    resp = auth.signup()
    assert resp.status_code == 303
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'lang="en"' in home and "Welcome!" in home
    assert "Register a bank account" in home and "Log out" in home
    assert "銀行口座を登録する" not in home


def test_language_choice_sticks_to_the_user(client, auth):
    auth.signup()
    _set_lang(client, auth, "en", "/")
    auth.logout()
    assert 'lang="ja"' in client.get("/login").get_data(as_text=True)
    assert auth.login().status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in home and "Register a bank account" in home
