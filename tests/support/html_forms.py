"""Read and submit HTML forms the way a browser would: the CSRF token of a page, a form's fields."""
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, label
    checkboxes: list[tuple[str, str, bool]] = field(default_factory=list)
    radios: list[tuple[str, str, bool]] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), (a.get("method") or "get").lower()))
        elif not self.forms:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            name, value = a.get("name"), a.get("value", "")
            if not name:
                return
            if kind == "checkbox":
                self.forms[-1].checkboxes.append((name, value or "on", "checked" in a))
            elif kind == "radio":
                self.forms[-1].radios.append((name, value, "checked" in a))
            elif kind == "submit":
                self.forms[-1].buttons.append((name, value, value))
            else:
                self.forms[-1].fields.append((name, value))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self._button = [a.get("name"), a.get("value", ""), ""]

    def handle_data(self, data):
        if self._button is not None:
            self._button[2] += data.strip()

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons.append(tuple(self._button))
            self._button = None


def forms_of(html: str) -> list[Form]:
    p = _Parser()
    p.feed(html)
    return p.forms


def submit(http, page_url: str, html: str, *, button_label: str | None = None,
           values: dict | None = None, uncheck: set | None = None, form_index: int | None = None):
    """Fill and submit the form holding the given button (or the given form)."""
    forms = forms_of(html)
    if form_index is not None:
        form = forms[form_index]
    else:
        form = next(f for f in forms if any(button_label in b[2] or button_label == b[1]
                                            for b in f.buttons))
    data = [(k, v) for k, v in form.fields if k not in (values or {})]
    data += [(k, v) for k, v, checked in form.checkboxes if checked and v not in (uncheck or ())]
    data += [(k, v) for k, v, checked in form.radios if checked and k not in (values or {})]
    for k, v in (values or {}).items():
        data += [(k, x) for x in v] if isinstance(v, list) else [(k, v)]
    if button_label is not None:
        b = next(b for b in form.buttons if button_label in b[2] or button_label == b[1])
        if b[0]:
            data.append((b[0], b[1]))
    target = urljoin(page_url, form.action or page_url)
    if form.method == "post":
        return http.post(target, data=_multi(data))
    return http.get(target, params=data)


def _multi(pairs: list[tuple[str, str]]) -> dict:
    """httpx takes repeated form fields as a dict of lists."""
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out
