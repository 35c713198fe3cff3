"""Everything under /office: the current office's members, invitations, audit log, API tokens,
webhooks and its deletion. One parent blueprint; what each page needs is in
portal.permissions (office.*)."""
from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

# The children are attached once bp exists.
from . import api_tokens, audit, deletion, members, webhooks  # noqa: E402

for _child in (members, audit, webhooks, api_tokens, deletion):
    bp.register_blueprint(_child.bp)
