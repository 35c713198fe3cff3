"""Masters per office: 勘定科目, 補助科目, 税区分, 取引先, 部門, tags, and the 勘定科目 each bank
account books to. start_books sets an office up with the defaults of its business form."""
from collections import Counter

from sqlmodel import Session, select

from ...bookkeeping.defaults import BANK_TITLE, default_titles
from ...bookkeeping.tax_classes import TAX_CLASSES
from ...ledger.messages import N_
from ...models import (
    Account,
    BookAccountMap,
    BookCounterparty,
    BookDepartment,
    BookSetup,
    BookSubAccount,
    BookTag,
    BookTaxClass,
    BookTitle,
)
from ...models.vocabulary import BusinessForm, TitleKind
from ..accounts import bank_name
from .common import BooksError, owned

# The masters that are a name and an active flag, plus 勘定科目 (kind, tax) and 補助科目.
NAMED = (BookTitle, BookSubAccount, BookCounterparty, BookDepartment, BookTag)


class NotStarted(BooksError):
    def __init__(self):
        super().__init__("not_started", N_("記帳の設定がまだありません。"))


def setup_of(session: Session, office_id: int) -> BookSetup | None:
    return session.exec(select(BookSetup).where(BookSetup.office_id == office_id)).first()


def require_setup(session: Session, office_id: int) -> BookSetup:
    setup = setup_of(session, office_id)
    if setup is None:
        raise NotStarted()
    return setup


def start_books(session: Session, office_id: int, form: BusinessForm) -> BookSetup:
    """Set the office up for bookkeeping: default 勘定科目 of its form, every 税区分 of the
    catalogue, and each bank account mapped to 普通預金 / its bank's name (and its own name
    where the office has several accounts at that bank). Commits. Calling
    it again returns the existing setup unchanged."""
    existing = setup_of(session, office_id)
    if existing is not None:
        return existing
    setup = BookSetup(office_id=office_id, business_form=BusinessForm(form))
    session.add(setup)
    for i, t in enumerate(default_titles(form)):
        session.add(BookTitle(office_id=office_id, name=t.name, kind=t.kind,
                              tax_class_key=t.tax_class_key, position=(i + 1) * 10))
    for key, tax_class in TAX_CLASSES.items():
        session.add(BookTaxClass(office_id=office_id, key=key, name=tax_class.label))
    session.flush()
    ensure_account_maps(session, office_id)
    session.commit()
    return setup


def ensure_account_maps(session: Session, office_id: int) -> dict[int, BookAccountMap]:
    """Every account of the office with its mapping (accounts added after start_books get the
    default one here); keyed by account id. The caller commits."""
    maps = {m.account_id: m for m in session.exec(
        select(BookAccountMap).where(BookAccountMap.office_id == office_id))}
    missing = [a for a in session.exec(select(Account).where(Account.office_id == office_id))
               if a.id not in maps]
    if not missing:
        return maps
    bank = session.exec(select(BookTitle).where(BookTitle.office_id == office_id,
                                                BookTitle.name == BANK_TITLE)).first()
    if bank is None:  # renamed or never there: the first asset title stands in
        bank = session.exec(select(BookTitle).where(
            BookTitle.office_id == office_id, BookTitle.kind == TitleKind.ASSET)
            .order_by(BookTitle.position, BookTitle.id)).first()
    if bank is None:
        raise NotStarted()
    per_bank = Counter(a.bank_code for a in session.exec(
        select(Account).where(Account.office_id == office_id)))
    for account in missing:
        # Two accounts at one bank need two 補助科目, or a transfer between them would
        # debit and credit the same account: the account's name goes after the bank's.
        name = bank_name(account.bank_code)
        if per_bank[account.bank_code] > 1:
            name = f"{name} {account.name}"
        sub = sub_account_named(session, office_id, bank.id, name)
        maps[account.id] = BookAccountMap(office_id=office_id, account_id=account.id,
                                          title_id=bank.id, sub_account_id=sub.id)
        session.add(maps[account.id])
    session.flush()
    return maps


def sub_account_named(session: Session, office_id: int, title_id: int, name: str) -> BookSubAccount:
    """The title's 補助科目 of this name, made when missing (flushed, not committed)."""
    name = name.strip()[:100]
    sub = session.exec(select(BookSubAccount).where(
        BookSubAccount.office_id == office_id, BookSubAccount.title_id == title_id,
        BookSubAccount.name == name)).first()
    if sub is None:
        sub = BookSubAccount(office_id=office_id, title_id=title_id, name=name)
        session.add(sub)
        session.flush()
    return sub


def set_account_map(session: Session, office_id: int, account_id: int, title_id: int,
                    sub_account_id: int | None) -> BookAccountMap:
    """Book the account to another 勘定科目 / 補助科目 (entries already booked keep theirs
    until edited). Commits."""
    owned(session, office_id, Account, account_id)
    check_title_and_sub(session, office_id, title_id, sub_account_id)
    mapping = ensure_account_maps(session, office_id)[account_id]
    mapping.title_id, mapping.sub_account_id = title_id, sub_account_id
    session.add(mapping)
    session.commit()
    return mapping


def check_title_and_sub(session: Session, office_id: int, title_id: int | None,
                         sub_account_id: int | None) -> None:
    if title_id is not None:
        owned(session, office_id, BookTitle, title_id)
    if sub_account_id is not None:
        sub = owned(session, office_id, BookSubAccount, sub_account_id)
        if sub.title_id != title_id:
            raise BooksError("sub_account_mismatch", N_("補助科目がこの勘定科目のものではありません。"))


def list_masters(session: Session, office_id: int, model, *, active_only: bool = False) -> list:
    """One master's rows of the office: 勘定科目 in chart order, the others by name."""
    q = select(model).where(model.office_id == office_id)
    if active_only:
        q = q.where(model.active == True)  # noqa: E712
    if model is BookTitle:
        q = q.order_by(BookTitle.position, BookTitle.id)
    elif model is BookTaxClass:
        q = q.order_by(BookTaxClass.id)
    else:
        q = q.order_by(model.name, model.id)
    return list(session.exec(q))


def _clean_name(name: str, limit: int) -> str:
    text = (name or "").strip()
    if not text:
        raise BooksError("empty_name", N_("名前を入力してください。"))
    if len(text) > limit:
        raise BooksError("name_too_long", N_("名前が長すぎます。"))
    return text


def _unique_name(session: Session, office_id: int, model, name: str, row_id=None, **scope) -> None:
    q = select(model.id).where(model.office_id == office_id, model.name == name,
                               *(getattr(model, k) == v for k, v in scope.items()))
    if row_id is not None:
        q = q.where(model.id != row_id)
    if session.exec(q).first() is not None:
        raise BooksError("duplicate_name", N_("同じ名前がすでにあります。"))


def _limit(model) -> int:
    return model.__table__.c.name.type.length


def add_title(session: Session, office_id: int, name: str, kind: TitleKind,
              tax_class_key: str | None = None) -> BookTitle:
    require_setup(session, office_id)
    name = _clean_name(name, _limit(BookTitle))
    _unique_name(session, office_id, BookTitle, name)
    check_tax_key(tax_class_key)
    last = session.exec(select(BookTitle.position).where(BookTitle.office_id == office_id)
                        .order_by(BookTitle.position.desc()).limit(1)).first() or 0
    title = BookTitle(office_id=office_id, name=name, kind=TitleKind(kind),
                      tax_class_key=tax_class_key, position=last + 10)
    session.add(title)
    session.commit()
    return title


def update_title(session: Session, office_id: int, title_id: int, *, name: str | None = None,
                 kind: TitleKind | None = None, tax_class_key: str | None = None,
                 active: bool | None = None) -> BookTitle:
    """Rename, re-kind, change the default 税区分 ('' clears it) or switch off. Commits."""
    title = owned(session, office_id, BookTitle, title_id)
    if name is not None:
        title.name = _clean_name(name, _limit(BookTitle))
        _unique_name(session, office_id, BookTitle, title.name, title.id)
    if kind is not None:
        title.kind = TitleKind(kind)
    if tax_class_key is not None:
        check_tax_key(tax_class_key or None)
        title.tax_class_key = tax_class_key or None
    if active is not None:
        title.active = active
    session.add(title)
    session.commit()
    return title


def add_named(session: Session, office_id: int, model, name: str, *, title_id: int | None = None):
    """A 補助科目 (title_id required), 取引先, 部門 or tag. Commits."""
    if model not in NAMED or model is BookTitle:
        raise TypeError(model)
    require_setup(session, office_id)
    name = _clean_name(name, _limit(model))
    scope = {}
    if model is BookSubAccount:
        owned(session, office_id, BookTitle, title_id)
        scope = {"title_id": title_id}
    _unique_name(session, office_id, model, name, **scope)
    row = model(office_id=office_id, name=name, **scope)
    session.add(row)
    session.commit()
    return row


def update_named(session: Session, office_id: int, model, row_id: int, *, name: str | None = None,
                 active: bool | None = None):
    """Rename or switch off a 補助科目, 取引先, 部門 or tag (rows are never deleted: entries and
    exports keep pointing at them). Commits."""
    if model not in NAMED or model is BookTitle:
        raise TypeError(model)
    row = owned(session, office_id, model, row_id)
    if name is not None:
        row.name = _clean_name(name, _limit(model))
        scope = {"title_id": row.title_id} if model is BookSubAccount else {}
        _unique_name(session, office_id, model, row.name, row.id, **scope)
    if active is not None:
        row.active = active
    session.add(row)
    session.commit()
    return row


def check_tax_key(key: str | None) -> None:
    if key is not None and key not in TAX_CLASSES:
        raise BooksError("unknown_tax_class", N_("税区分が正しくありません。"))


def update_tax_class(session: Session, office_id: int, key: str, *, name: str | None = None,
                     active: bool | None = None) -> BookTaxClass:
    """Rename or switch off one of the office's 税区分 (its catalogue key stays). Commits."""
    row = session.exec(select(BookTaxClass).where(BookTaxClass.office_id == office_id,
                                                  BookTaxClass.key == key)).first()
    if row is None:
        raise BooksError("unknown_tax_class", N_("税区分が正しくありません。"))
    if name is not None:
        row.name = _clean_name(name, _limit(BookTaxClass))
    if active is not None:
        row.active = active
    session.add(row)
    session.commit()
    return row


def active_tax_keys(session: Session, office_id: int) -> set[str]:
    return set(session.exec(select(BookTaxClass.key).where(
        BookTaxClass.office_id == office_id, BookTaxClass.active == True)))  # noqa: E712
