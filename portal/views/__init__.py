"""Blueprints, one per area; everything about one account hangs under views.account."""


def register_blueprints(app) -> None:
    from . import account, account_security, accounts, home, oauth_callback, reauth, sign_in

    for module in (sign_in, home, accounts, oauth_callback, reauth, account, account_security):
        app.register_blueprint(module.bp)
