"""Everything under /office: the current office's members, invitations and audit log. One
parent blueprint; what each page needs is in portal.permissions (office.*)."""
from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

# The children are attached once bp exists.
from . import api_tokens, audit, members, webhooks  # noqa: E402

for _child in (members, audit, webhooks, api_tokens):
    bp.register_blueprint(_child.bp)
