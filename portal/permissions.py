"""Who may do what: the one permission table of the portal.

Every endpoint is named in ROUTES (exactly, or by the blueprint it hangs under) with what it
needs; a request to an endpoint the table does not name is refused (fail closed), and
tests/web/test_roles.py walks the URL map so that none is left out. The check runs before any
view, for pages and htmx partials alike: a view never has to remember it.

What a role may do is GRANTS: viewer ⊂ bookkeeper ⊂ admin ⊂ owner.
"""
from enum import StrEnum

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .extensions import login_manager
from .models.vocabulary import Role


class Can(StrEnum):
    READ = "read"  # every page of the office, read only
    BOOK = "book"  # statements, memos, imports, syncing, booking (記帳) and exports
    LINK = "link"  # bank links, consents, account settings and removal
    MEMBERS = "members"  # invitations, roles, removing members; the audit log
    OWN = "own"  # the office itself: its security policy, making and removing owners


class Open(StrEnum):
    """Needs that are not a permission in an office."""
    PUBLIC = "public"  # no sign-in (log in, sign up, the invitation link, unsubscribe)
    SIGNED_IN = "signed_in"  # any signed-in user, for their own things (password, offices)
    API = "api"  # Tsunagu's API: a bearer token of an office with scopes (portal/api/), no cookie


GRANTS: dict[Role, frozenset[Can]] = {
    Role.VIEWER: frozenset({Can.READ}),
    Role.BOOKKEEPER: frozenset({Can.READ, Can.BOOK}),
    Role.ADMIN: frozenset({Can.READ, Can.BOOK, Can.LINK, Can.MEMBERS}),
    Role.OWNER: frozenset(Can),
}

# Endpoint, or the blueprint prefix of endpoints, → what it needs. The longest name matching
# an endpoint decides. A page whose only use is a change (a form) needs the change's permission
# for GET too: a viewer is not shown a form it could not send.
ROUTES: dict[str, Can | Open] = {
    "static": Open.PUBLIC,
    "auth": Open.PUBLIC,
    "password_reset": Open.PUBLIC,
    "two_factor.login_code": Open.PUBLIC,
    "no_office": Open.PUBLIC,  # a user of no office, held after their password: the view checks
    "invitations": Open.PUBLIC,  # the link in an invitation mail; the view checks the token
    "notices.unsubscribe": Open.PUBLIC,  # one-click, by a signed token in the mail
    "account_security": Open.SIGNED_IN,
    "two_factor": Open.SIGNED_IN,
    "two_factor.office_requirement": Can.OWN,
    "offices": Open.SIGNED_IN,  # the switcher and the overview of the user's own offices
    "notices": Open.SIGNED_IN,  # the user's own mail settings
    "api": Open.API,
    "office.members": Can.MEMBERS,
    "office.api_tokens": Can.MEMBERS,
    "office.webhooks": Can.MEMBERS,
    "office.audit": Can.MEMBERS,
    "office.deletion": Can.OWN,
    "home": Can.READ,
    "reauth.index": Can.READ,
    "accounts.index": Can.READ,
    "accounts.new": Can.LINK,
    "accounts.choose_kind": Can.LINK,
    "oauth.callback": Can.LINK,
    "account.consent": Can.LINK,
    "account.settings": Can.LINK,
    "account.removal": Can.LINK,
    "account.cutover": Can.LINK,
    "account.cutover.review": Can.READ,
    "account.cutover.resolve": Can.BOOK,
    "account.sync.log": Can.READ,
    "account.sync.status": Can.READ,
    "account.sync.select_remote": Can.LINK,
    "account.sync.sync_now": Can.BOOK,
    "account.statements": Can.BOOK,
    "account.statements.index": Can.READ,
    "account.memo": Can.BOOK,
    "account.files": Can.BOOK,
    "account.imports.index": Can.READ,
    "account.imports.undo": Can.BOOK,
    "books": Can.BOOK,
    "books.start.form": Can.READ,
    "books.inbox.index": Can.READ,
    "books.rules.index": Can.READ,
    "books.masters.index": Can.READ,
    "books.masters.kind": Can.READ,
    "books.masters.accounts": Can.READ,
    "books.entries.index": Can.READ,
    "books.entries.show": Can.READ,
    "books.exports.index": Can.READ,
    "books.reconcile.index": Can.READ,
}


def need_of(endpoint: str | None) -> Can | Open | None:
    """What an endpoint needs; None when the table does not name it (refused)."""
    name = endpoint or ""
    while name:
        if name in ROUTES:
            return ROUTES[name]
        name = name.rpartition(".")[0]
    return None


def role_can(role: Role | None, what: Can) -> bool:
    return role is not None and what in GRANTS[role]


def can(what: Can | str) -> bool:
    """For templates and views: may the signed-in member do this in the current office?"""
    return current_user.is_authenticated and role_can(current_user.role, Can(what))


def check_request():
    """Before every request: "login" (send to the login page), "forbidden" or None (go on)."""
    need = need_of(request.endpoint)
    if request.endpoint is None:
        return None  # no route: the 404 or 405 Flask is about to answer
    if need is None:
        return "forbidden"
    if need in (Open.PUBLIC, Open.API):
        return None  # the API's blueprint checks its token and scopes before any view
    if not current_user.is_authenticated:
        return "login"
    if need is Open.SIGNED_IN:
        return None
    return None if role_can(current_user.role, need) else "forbidden"


def init_app(app) -> None:
    @app.before_request
    def _check_permission():
        verdict = check_request()
        if verdict == "login":
            return login_manager.unauthorized()
        if verdict == "forbidden":
            # The same answer whatever the ids in the URL: a refusal tells nothing of the data.
            message = _("この操作を行う権限がありません。事業所のオーナーまたは管理者にお問い合わせください。")  # noqa: E501
            return render_template("error.html", message=message), 403
        return None

    app.jinja_env.globals.update(can=can, Can=Can)
