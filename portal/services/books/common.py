"""What the bookkeeping services share: typed refusals and office-scoped lookups."""
from sqlmodel import Session, select

from ...ledger.messages import N_


class BooksError(ValueError):
    """A refusal people read: code for programs, msgid (translated where shown)."""

    def __init__(self, code: str, msgid: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.msgid = msgid
        self.detail = detail


class NotFound(BooksError):
    """No such row in this office (another office's rows are never found)."""

    def __init__(self, what: str, row_id):
        super().__init__("not_found", N_("見つかりません。"), f"{what} {row_id}")


def owned(session: Session, office_id: int, model, row_id: int | None, *, required: bool = True):
    """The office's row of `model` with this id; NotFound for another office's or none."""
    if row_id is None:
        if required:
            raise NotFound(model.__name__, None)
        return None
    row = session.exec(select(model).where(model.id == row_id, model.office_id == office_id)).first()
    if row is None:
        raise NotFound(model.__name__, row_id)
    return row


def join_ids(ids) -> str:
    return ",".join(str(int(i)) for i in ids)


def split_ids(text: str | None) -> tuple[int, ...]:
    return tuple(int(p) for p in (text or "").split(",") if p)
