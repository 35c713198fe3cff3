"""Blueprints, one per area."""


def register_blueprints(app) -> None:
    from . import accounts, auth, connect, cutover, files, home, reauth, settings, statements, sync

    for module in (auth, home, accounts, connect, sync, statements, settings, reauth, files, cutover):
        app.register_blueprint(module.bp)
