"""What the bookkeeping pages share: a refusal shown beside the field that caused it, and
the office's masters as the pages show them: names for display (switched-off
ones too: old suggestions and rules still name them) and the choices of the selects (the
active ones, plus whatever the field holds now, so an edit never silently drops it)."""
from dataclasses import dataclass

from flask_babel import gettext as _

from ...db import get_session
from ...labels import books_error
from ...models import (
    BookCounterparty,
    BookDepartment,
    BookSubAccount,
    BookTag,
    BookTaxClass,
    BookTitle,
)
from ...services.accounts import bank_name, list_accounts
from ...services.books import masters
from ...services.books.common import NotFound

# Which field a refusal of the services (BooksError, RuleError codes) is about.
ERROR_FIELDS = {
    "no_title": "title_id", "sub_account_mismatch": "sub_account_id",
    "unknown_tax_class": "tax_class_key", "empty_pattern": "pattern",
    "pattern_too_long": "pattern", "bad_regex": "pattern", "bad_amounts": "amount_max",
    "empty_name": "name", "name_too_long": "name", "duplicate_name": "name",
}


def attach_error(form, exc) -> str | None:
    """Put the refusal on the form's field it is about; the text when no field is. A
    NotFound (an id of another office) is no form error: it goes on to be a 404."""
    if isinstance(exc, NotFound):
        raise exc
    field = getattr(form, ERROR_FIELDS.get(exc.code, ""), None)
    if field is None:
        return books_error(exc)
    field.errors = [*field.errors, books_error(exc)]
    return None


def _name(rows: dict, key) -> str:
    row = rows.get(key)
    return row.name if row else ""


@dataclass
class Masters:
    titles: list
    subs: list
    taxes: list
    counterparties: list
    departments: list
    tags: list

    def __post_init__(self):
        self.title_by_id = {t.id: t for t in self.titles}
        self.sub_by_id = {s.id: s for s in self.subs}
        self.tax_by_key = {t.key: t for t in self.taxes}
        self.counterparty_by_id = {c.id: c for c in self.counterparties}
        self.department_by_id = {d.id: d for d in self.departments}
        self.tag_by_id = {t.id: t for t in self.tags}

    def title_name(self, title_id) -> str:
        return _name(self.title_by_id, title_id)

    def sub_name(self, sub_id) -> str:
        return _name(self.sub_by_id, sub_id)

    def tax_name(self, key) -> str:
        return _name(self.tax_by_key, key)

    def tax_of(self, title_id, key) -> str:
        """The 税区分 an entry takes: its own, else its 勘定科目's default, else 対象外."""
        if key is None:
            title = self.title_by_id.get(title_id)
            key = (title.tax_class_key if title else None) or "out_of_scope"
        return self.tax_name(key)

    def counterparty_name(self, row_id) -> str:
        return _name(self.counterparty_by_id, row_id)

    def department_name(self, row_id) -> str:
        return _name(self.department_by_id, row_id)

    def tag_names(self, ids) -> list[str]:
        return [self.tag_by_id[i].name for i in ids or () if i in self.tag_by_id]


def load(office_id: int) -> Masters:
    db = get_session()
    return Masters(*(masters.list_masters(db, office_id, model) for model in (
        BookTitle, BookSubAccount, BookTaxClass, BookCounterparty, BookDepartment, BookTag)))


def _options(rows, current, label, empty: str | None) -> list[tuple[str, str]]:
    keep = set(current) if isinstance(current, list | tuple | set) else {current}
    out = [("", empty)] if empty is not None else []
    out += [(str(r.id), label(r)) for r in rows if r.active or r.id in keep]
    return out


def fill_booking_choices(form, m: Masters) -> None:
    """Choices of a form with BookingFields' fields."""
    form.title_id.choices = _options(m.titles, form.title_id.data, lambda t: t.name,
                                     _("選んでください"))

    def sub_label(s):
        return _("%(title)s / %(sub)s", title=m.title_name(s.title_id), sub=s.name)

    form.sub_account_id.choices = _options(m.subs, form.sub_account_id.data, sub_label, _("なし"))
    current_tax = form.tax_class_key.data
    form.tax_class_key.choices = [("", _("勘定科目の既定"))] + [
        (t.key, t.name) for t in m.taxes if t.active or t.key == current_tax]
    form.counterparty_id.choices = _options(m.counterparties, form.counterparty_id.data,
                                            lambda c: c.name, _("なし"))
    form.department_id.choices = _options(m.departments, form.department_id.data,
                                          lambda d: d.name, _("なし"))
    form.tag_ids.choices = _options(m.tags, form.tag_ids.data, lambda t: t.name, None)


# BookingFields' fields, as Suggestion and RuleDraft name them too.
BOOKING_FIELDS = ("title_id", "sub_account_id", "tax_class_key", "counterparty_id",
                  "department_id", "memo", "tag_ids")


def booking_data(source) -> dict:
    """BookingFields' data from a Suggestion or RuleDraft (to fill a form)."""
    data = {name: getattr(source, name) for name in BOOKING_FIELDS}
    return {**data, "tax_class_key": data["tax_class_key"] or "", "tag_ids": list(data["tag_ids"])}


def booking_values(form) -> dict:
    """What a form's BookingFields say, as Suggestion and RuleDraft take them."""
    return {"title_id": form.title_id.data, "sub_account_id": form.sub_account_id.data,
            "tax_class_key": form.tax_class_key.data or None,
            "counterparty_id": form.counterparty_id.data, "department_id": form.department_id.data,
            "memo": form.memo.data or "", "tag_ids": tuple(form.tag_ids.data or ())}


def accounts(office_id: int) -> list:
    return list_accounts(get_session(), office_id)


def account_label(account) -> str:
    return _("%(name)s(%(bank)s)", name=account.name, bank=bank_name(account.bank_code))


def int_arg(value) -> int | None:
    """An id from a hidden field or the query string; None when it is not one."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
