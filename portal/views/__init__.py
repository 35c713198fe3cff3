"""Blueprints, one per area; everything about one account hangs under views.account."""


def register_blueprints(app) -> None:
    from ..api import views as api
    from . import (
        account,
        account_security,
        accounts,
        books,
        home,
        invitations,
        no_office,
        notices,
        oauth_callback,
        office,
        offices,
        password_reset,
        reauth,
        sign_in,
        two_factor,
    )

    for module in (sign_in, home, accounts, oauth_callback, reauth, account, account_security,
                   password_reset, two_factor, no_office, books, office, offices, invitations, notices,
                   api):
        app.register_blueprint(module.bp)
