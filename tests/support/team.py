"""Members of an office for tests, made the way people make them: the owner (or an admin)
invites through the members page, the invitee opens the link and joins.

    owner = auth; owner.signup()                      # the office's owner, signed in
    bob = join_as(app, owner, "bob@example.jp", "bookkeeper")
    bob.client.get("/")                               # bob, signed in, working in that office

`join_as` works with or without mail: without MAIL_HOST the members page shows the link to
the inviter, and it is read from there; with mail, pass the `mailbox`
(tests/support/mailbox.py) and the link is read from the invitation mail. An address that
already has an account (a member of another office) logs in with `password` and joins, so
one user can end up in several offices.
"""
import re

from sqlmodel import select

from portal.models import Membership, Office, User
from portal.models.vocabulary import Role
from tests.support.auth import Auth

MEMBER_PASSWORD = "orange kettle ride 42"
LINK_RE = re.compile(r"https?://[^/\s\"]+(/invitations/[A-Za-z0-9_\-]+)")


def invite(inviter: Auth, email: str, role: str, *, mailbox=None):
    """Post the invite form as `inviter`; returns (response, link path or None)."""
    response = inviter.post("/office/members/invite", data={
        "csrf_token": inviter.token("/office/members"), "email": email, "role": role})
    return response, invitation_path(response, email, mailbox=mailbox)


def invitation_path(response, email: str, *, mailbox=None) -> str | None:
    """The invitation link's path: shown on the page (no mail) or in the newest mail."""
    found = LINK_RE.search(response.get_data(as_text=True)) if response.status_code == 200 else None
    if found:
        return found.group(1)
    if response.status_code == 303 and mailbox is not None:
        mails = mailbox.to(email)
        if mails:
            text = mails[-1].get_body(preferencelist=("plain",)).get_content()
            return LINK_RE.search(text).group(1)
    return None


def accept(app, path: str, email: str, *, password: str = MEMBER_PASSWORD) -> Auth:
    """Open the link in a fresh browser and join: log in when the address has an account,
    otherwise create one. Returns the invitee, signed in and working in the office joined."""
    member = Auth(app.test_client())
    page = member.client.get(path).get_data(as_text=True)
    if "/login?next=" in page:
        assert member.login(email=email, password=password).status_code == 303
        joined = member.post(path, data={"csrf_token": member.token(path)})
    else:
        joined = member.client.post(f"{path}/account", data={
            "csrf_token": member.token(path), "password": password, "confirm": password})
    assert joined.status_code == 303, joined.get_data(as_text=True)
    return member


def join_as(app, owner_auth: Auth, email: str, role: str, *, mailbox=None,
            password: str = MEMBER_PASSWORD) -> Auth:
    """Invite `email` with `role` ("owner", "admin", "bookkeeper", "viewer") into the office
    `owner_auth` works in, and return the new member signed in there."""
    response, path = invite(owner_auth, email, role, mailbox=mailbox)
    assert path, f"no invitation link (status {response.status_code})"
    return accept(app, path, email, password=password)


def memberships(db, email: str) -> list[tuple[str, Role]]:
    """(office name, role) of each office the address is a member of, oldest membership first."""
    with db() as s:
        return [(name, role) for name, role in s.exec(
            select(Office.name, Membership.role).join(Membership, Membership.office_id == Office.id)
            .join(User, User.id == Membership.user_id).where(User.email == email)
            .order_by(Membership.id))]
