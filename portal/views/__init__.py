"""Blueprints, one per area."""


def register_blueprints(app) -> None:
    from . import accounts, auth, connect, home, reauth, settings, statements, sync

    for module in (auth, home, accounts, connect, sync, statements, settings, reauth):
        app.register_blueprint(module.bp)
