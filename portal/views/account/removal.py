"""口座の削除: a confirmation page that says what goes with the account, then the deletion."""
from pathlib import Path

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _

from ...db import get_session
from ...forms import ConfirmForm
from ...models.vocabulary import AuditAction
from ...services import account_removal, audit, upload_store
from ...services.accounts import bank_name
from ..acting import actor
from ..http import see_other
from . import current_account

bp = Blueprint("removal", __name__)


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    db, account = get_session(), current_account()
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        name, office_id, account_id = account.name, account.office_id, account.id
        bank = current_app.extensions["bank_registry"].get(account.bank_code)
        # Added before the deletion, so it commits with it (and goes with its rollback when
        # a sync is running). The target keeps the name: the account is gone after this.
        audit.record(db, office_id, actor(), AuditAction.ACCOUNT_REMOVED,
                     target=f"{name} ({bank_name(account.bank_code)})")
        try:
            removal = account_removal.delete_account(db, current_app.extensions["token_cipher"],
                                                     bank, account)
        except account_removal.AccountBusy:
            flash(_("同期中の口座は削除できません。同期が終わってから、もう一度お試しください。"), "error")
            return see_other("account.removal.delete", account_id=account_id)
        upload_store.forget_account(Path(current_app.instance_path) / "uploads", office_id, account_id)
        flash(_("口座「%(name)s」を削除しました。", name=name), "success")
        if removal.ends_consent:
            flash(_("この口座だけが使っていた銀行との連携も解除しました。"), "success")
        return see_other("home.index")
    return render_template("accounts/delete.html", removal=account_removal.what_goes(db, account),
                           form=form)
