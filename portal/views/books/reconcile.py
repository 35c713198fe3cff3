"""残高照合: per account and month, the bank's closing balance against the books' (opening
balance + what was booked), the difference, and the statements not booked yet."""
from flask import Blueprint, g, render_template

from ...db import get_session
from ...services.accounts import list_accounts
from ...services.books import reconcile

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")


@bp.get("")
def index():
    db = get_session()
    sections = [(account, reconcile.reconcile_account(db, g.office_id, account.id))
                for account in list_accounts(db, g.office_id)]
    off = sum(1 for _account, months in sections for m in months
              if m.difference is not None and m.difference != 0)
    unknown = sum(1 for _account, months in sections for m in months if m.difference is None)
    return render_template("books/reconcile.html", sections=sections, off=off, unknown=unknown)
