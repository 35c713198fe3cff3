"""Everything under /office: the current office's members, invitations and audit log. One
parent blueprint; what each page needs is in portal.permissions (office.*)."""
from flask import Blueprint

bp = Blueprint("office", __name__, url_prefix="/office")

# Children register here (members, audit) once written.
