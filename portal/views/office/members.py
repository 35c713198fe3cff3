"""メンバー: the current office's members and pending invitations, inviting by e-mail, changing
a role and removing a member (after a confirmation page). What the actor may do is checked
again by the services against the stored membership; this module turns their refusals into
messages."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...db import get_session
from ...forms import ConfirmForm
from ...forms_team import InviteForm, RoleForm
from ...labels import label, role_summary
from ...models import Office
from ...models.vocabulary import Role
from ...permissions import Can, role_can
from ...services import invitations, members
from ...services.invitations import InvitationError
from ...services.members import MemberError
from .. import team_mail
from ..acting import actor
from ..http import see_other
from ..sign_in import start_session

bp = Blueprint("members", __name__)



def _error_text(code: str) -> str:
    return {
        "owner_only": _("オーナーの権限を与えること、オーナーの権限の変更とメンバーから外すことは、オーナーだけができます。"),  # noqa: E501
        "last_owner": _("事業所には少なくとも1人のオーナーが必要です。先にほかのメンバーをオーナーにしてください。"),  # noqa: E501
        "already_member": _("このメールアドレスの方は、すでにこの事業所のメンバーです。"),
        "not_allowed": _("この操作を行う権限がありません。事業所のオーナーまたは管理者にお問い合わせください。"),  # noqa: E501
    }.get(code, _("対象が見つかりません。ページを読み込み直してください。"))


def _with_roles(form):
    form.role.choices = [(r.value, label(r)) for r in members.grantable(current_user.role)]
    return form


def _page(form: InviteForm, status: int = 200, *, link: str | None = None,
          unsent_reason: str | None = None):
    session = get_session()
    office_id = current_user.office_id
    body = render_template(
        "office/members.html", form=form, members=members.listing(session, office_id),
        pending=members.pending_invitations(session, office_id),
        manageable=set(members.grantable(current_user.role)), role_summary=role_summary,
        invite_link=link, unsent_reason=unsent_reason)
    headers = {"Cache-Control": "no-store"} if link else {}  # the link holds the token
    return body, status, headers


@bp.get("/members")
def index():
    form = _with_roles(InviteForm(formdata=None, data={"role": Role.VIEWER.value}))
    return _page(form)


@bp.post("/members/invite")
def invite():
    form = _with_roles(InviteForm())
    if not form.validate_on_submit():
        return _page(form, 400)
    session = get_session()
    office_id = current_user.office_id
    days = current_app.config["INVITATION_DAYS"]
    try:
        token = invitations.invite(session, office_id, actor(), form.email.data,
                                   Role(form.role.data), timedelta(days=days))
    except InvitationError as exc:
        field = form.role if exc.code == "owner_only" else form.email
        field.errors = [*field.errors, _error_text(exc.code)]
        return _page(form, 400)
    found = invitations.valid(session, token)
    link = url_for("invitations.show", token=token, _external=True)
    sent = team_mail.invitation(found.email, office_name=found.office_name,
                                inviter=current_user.email, role=found.role, link=link,
                                expires_at=found.expires_at)
    if sent:
        flash(_("%(email)s に招待メールを送信しました。", email=found.email), "success")
        return see_other("office.members.index")
    # No mail (none set up, or the server refused): the inviter passes the link on, once.
    reason = "failed" if team_mail.settings() is not None else "no_mail"
    fresh = _with_roles(InviteForm(formdata=None, data={"role": Role.VIEWER.value}))
    return _page(fresh, link=link, unsent_reason=reason)


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    try:
        gone = invitations.revoke(get_session(), current_user.office_id, actor(), invitation_id)
    except InvitationError as exc:
        if exc.code == "not_found":
            abort(404)
        flash(_error_text(exc.code), "error")
    else:
        flash(_("%(email)s への招待を取り消しました。", email=gone.email), "success")
    return see_other("office.members.index")


def _member(membership_id: int) -> members.MemberRow:
    try:
        return members.get(get_session(), current_user.office_id, membership_id)
    except MemberError:
        abort(404)


def _refusal_ahead(member: members.MemberRow) -> str | None:
    """What the page says at once when the change would be refused anyway."""
    if not members.may_manage(current_user.role, member.role):
        return _error_text("owner_only")
    if members.is_last_owner(get_session(), current_user.office_id, member):
        return _error_text("last_owner")
    return None


@bp.route("/members/<int:membership_id>/role", methods=["GET", "POST"])
def role(membership_id: int):
    member = _member(membership_id)
    form = _with_roles(RoleForm(data={"role": member.role.value}))
    error = _refusal_ahead(member)
    if error is None and form.validate_on_submit():
        new_role = Role(form.role.data)
        try:
            members.change_role(get_session(), current_user.office_id, actor(), membership_id,
                                new_role)
        except MemberError as exc:
            error = _error_text(exc.code)
        else:
            flash(_("%(email)s の権限を「%(role)s」にしました。", email=member.email,
                    role=label(new_role)), "success")
            if member.user_id == current_user.id and not role_can(new_role, Can.MEMBERS):
                return see_other("home.index")  # the members page is no longer theirs
            return see_other("office.members.index")
    return render_template("office/role.html", member=member, form=form, error=error,
                           role_summary=role_summary), _status(error, form)


@bp.route("/members/<int:membership_id>/remove", methods=["GET", "POST"])
def remove(membership_id: int):
    member = _member(membership_id)
    form = ConfirmForm()
    error = _refusal_ahead(member)
    if error is None and form.validate_on_submit():
        try:
            members.remove(get_session(), current_user.office_id, actor(), membership_id)
        except MemberError as exc:
            error = _error_text(exc.code)
        else:
            if member.user_id == current_user.id:
                # Their own sessions ended with the membership: start afresh at the login page.
                start_session(None)
                flash(_("この事業所のメンバーから外れました。"), "success")
                return see_other("auth.login")
            flash(_("%(email)s をメンバーから外しました。", email=member.email), "success")
            return see_other("office.members.index")
    office = get_session().get(Office, current_user.office_id)
    return render_template("office/remove.html", member=member, form=form, error=error,
                           office=office, myself=member.user_id == current_user.id), \
        _status(error, form)


def _status(error: str | None, form) -> int:
    # A refused change is a conflict; a page that only warns ahead (GET) is an ordinary page.
    if error and request.method == "POST":
        return 409
    return 400 if form.errors else 200
